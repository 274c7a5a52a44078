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

// `sluice run`: V8's young generation capped at 16 MB semi-spaces (on a machine with a few GB its
// default grows them to 32 MB and more). A Kafka batch's records then die young instead of being
// promoted and collected in an old space that grew to hold them: bench:kafka's job peaked at
// ~480 MB without it, ~280 MB with it, for no more CPU. It is a start-up flag, so the process
// replaces itself once (process.execve: the same pid and terminal, no second process), unless
// the user chose a size (NODE_OPTIONS or node's command line) or the platform has no execve.
const YOUNG = '--max-semi-space-size=16';
if (process.argv[2] === 'run' && typeof process.execve === 'function' && process.env.SLUICE_YOUNG_GEN === undefined) {
  const chosen = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((f) => /^--max[-_]semi[-_]space[-_]size/.test(f));
  if (!chosen) process.execve(process.execPath, [process.execPath, ...process.execArgv, YOUNG, ...process.argv.slice(1)], { ...process.env, SLUICE_YOUNG_GEN: '16', SLUICE_STARTED_AT: String(Date.now() - process.uptime() * 1000) });
}

// V8's compiled code of every module, cached on disk (Node's compile cache, in the OS's temp
// directory unless NODE_COMPILE_CACHE says where): later starts skip compiling the engine,
// kafkajs, DuckDB's bindings and the parser library.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();

const { existsSync } = await import('node:fs');
const { fileURLToPath } = await import('node:url');
const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('sluice is not built yet: run `npm install` (or `npm run build`) in the repository first\n');
  process.exit(2);
}
await import(main.href);
