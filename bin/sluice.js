#!/usr/bin/env node
// Entry point of the `sluice` command: runs the compiled CLI (built by `npm install`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('sluice is not built yet: run `npm install` (or `npm run build`) in the repository first\n');
  process.exit(2);
}
await import(main.href);
