// Sluice's version, read once from the package.json it was installed with (the file above the
// compiled module whose name is "sluice"), so `--version` and the REPL banner never go stale.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function sluiceVersion(): string {
  if (cached !== undefined) return cached;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sluice' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // no package.json here: look in the parent
    }
    if (path.dirname(dir) === dir) return (cached = 'unknown');
  }
}
