import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { sluiceVersion } from '../../../src/util/version.js';

test("the version is package.json's, in --version too", () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  assert.equal(sluiceVersion(), pkg.version);
  const r = spawnSync(process.execPath, [path.resolve('bin/sluice.js'), '--version'], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), pkg.version);
});

test('the REPL flags: a missing or empty value and an unknown flag are usage errors (exit 2)', () => {
  for (const args of [['--file'], ['--brokers='], ['--file', 'x.sql', '--bogus']]) {
    const r = spawnSync(process.execPath, [path.resolve('bin/sluice.js'), ...args], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /argument missing|needs a value|unknown option '--bogus'/);
  }
});
