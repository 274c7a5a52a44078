// package-lock.json must hold every platform's optional native package (DuckDB's bindings),
// or `npm install` rewrites it on each machine and `npm ci` elsewhere misses its binding.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

interface LockEntry { readonly version?: string; readonly optionalDependencies?: Record<string, string> }

test('the lock holds an entry for every optional dependency of every locked package', () => {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> };
  const missing: string[] = [];
  for (const [where, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      const nested = `${where}/node_modules/${name}`;
      if (lock.packages[nested] === undefined && lock.packages[`node_modules/${name}`] === undefined) missing.push(`${name} (wanted by ${where || 'the root'})`);
    }
  }
  assert.deepEqual(missing, [], `package-lock.json lacks optional packages; run npm install on a clean checkout and commit the lock:\n${missing.join('\n')}`);
  assert.ok(Object.keys(lock.packages).some((k) => k.endsWith('@duckdb/node-bindings-darwin-arm64')), 'the macOS ARM DuckDB binding is locked');
});
