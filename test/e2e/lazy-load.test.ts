// What each command loads: the CLI defers the heavy libraries to where a job uses them
// (cli/main.ts, state/duckdb.ts, connectors/kafka/lazy-port.ts), so `--version`, `explain` and a
// file job never load kafkajs, the metrics endpoint's prom-client or the REPL's ink and React,
// and only a job with state loads DuckDB. A module-load hook in the child lists what it loaded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve('bin/sluice.js');

/** Records every module URL the process loads into `out` when it exits. */
const HOOK = `
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const seen = new Set();
registerHooks({ load(url, context, next) { seen.add(url); return next(url, context); } });
process.on('exit', () => writeFileSync(process.env.SLUICE_TEST_LOADED, [...seen].join('\\n')));
`;

/** The packages (under node_modules) that `sluice args` loaded, run in `cwd`. */
function packagesLoaded(args: string[], cwd: string): Set<string> {
  const out = path.join(cwd, `loaded-${args[0]}.txt`);
  const hook = `data:text/javascript,${encodeURIComponent(HOOK)}`;
  const r = spawnSync(process.execPath, ['--import', hook, BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    // NODE_OPTIONS carries the hook across bin/sluice.js's restart (process.execve) for `run`.
    env: { ...process.env, SLUICE_TEST_LOADED: out, NODE_OPTIONS: `--import=${hook}` },
  });
  assert.equal(r.status, 0, r.stderr);
  const urls = readFileSync(out, 'utf8').split('\n');
  const names = new Set<string>();
  for (const u of urls) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u);
    if (m) names.add(m[1]!);
  }
  return names;
}

const JOB = `CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'file', path = 'in.jsonl', format = 'jsonl');
CREATE SINK agg WITH (connector = 'file', path = 'out.jsonl') AS
SELECT sensor, window_start, COUNT(*) AS n FROM raw GROUP BY sensor, TUMBLE(ts, 10s);
`;

function jobDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-lazy-'));
  writeFileSync(path.join(dir, 'job.sql'), JOB);
  writeFileSync(path.join(dir, 'in.jsonl'), '{"sensor":"a","value":1,"ts":"2024-05-20T10:00:01"}\n{"sensor":"a","value":2,"ts":"2024-05-20T10:00:12"}\n');
  return dir;
}

const NEVER = ['kafkajs', 'prom-client', 'ink', 'react'];

test('--version and explain load neither kafkajs, DuckDB, prom-client nor the REPL', () => {
  const dir = jobDir();
  for (const args of [['--version'], ['explain', 'job.sql']]) {
    const loaded = packagesLoaded(args, dir);
    for (const p of [...NEVER, '@duckdb/node-api']) assert.ok(!loaded.has(p), `sluice ${args.join(' ')} loaded ${p}`);
  }
});

test('a file job loads DuckDB for its checkpoints, and not kafkajs, prom-client or the REPL', () => {
  const dir = jobDir();
  const loaded = packagesLoaded(['run', 'job.sql'], dir);
  assert.ok(loaded.has('@duckdb/node-api'), 'the checkpoint store needs DuckDB');
  assert.ok(loaded.has('chevrotain'));
  for (const p of NEVER) assert.ok(!loaded.has(p), `sluice run of a file job loaded ${p}`);
});
