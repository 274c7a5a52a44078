#!/usr/bin/env node
// Entry point of the `sluice` command: checks the Node version, then runs the compiled CLI
// (built by `npm install`). Plain script code any Node can parse, with no static import: the
// version check must run before anything that needs a newer Node is loaded (on Node 20 the
// parser library dies in `Object.groupBy is not a function`).

const MIN_NODE_MAJOR = 22;
const major = Number(process.versions.node.split('.')[0]);
if (!(major >= MIN_NODE_MAJOR)) {
  process.stderr.write(
    `sluice needs Node.js ${MIN_NODE_MAJOR} or newer; this is Node ${process.versions.node} (${process.execPath}).\n` +
      'Install Node 24 LTS: with nvm, `nvm install 24 && nvm use 24`; with fnm, `fnm install 24 && fnm use 24`;\n' +
      'or download it from https://nodejs.org/en/download. Then run sluice again.\n',
  );
  process.exit(1);
}

const { existsSync } = await import('node:fs');
const { fileURLToPath } = await import('node:url');
const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('sluice is not built yet: run `npm install` (or `npm run build`) in the repository first\n');
  process.exit(2);
}
await import(main.href);
