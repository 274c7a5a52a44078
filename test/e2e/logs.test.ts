// `sluice run` logs: JSON lines on a non-terminal stderr with --log-level filtering, and a
// password or broker list read from `${env:NAME}` never appears in EXPLAIN, logs or errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve('bin/sluice.js');

function sluice(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const JOB = `CREATE SOURCE gen WITH (connector = 'datagen', generator = 'sensors', count = 200, seed = 3);
CREATE SINK agg WITH (connector = 'file', path = 'agg.jsonl') AS
SELECT sensor, window_start, COUNT(*) AS n FROM gen GROUP BY sensor, TUMBLE(ts, 10s);
`;

test('JSON lines on a pipe: every line a record; --log-level filters them', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-logs-'));
  writeFileSync(path.join(dir, 'job.sql'), JOB);
  const r = sluice(['run', 'job.sql', '--log-level', 'debug', '--checkpoint-interval', '10ms'], dir);
  assert.equal(r.code, 0, r.stderr);
  const recs = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const x of recs) assert.ok(typeof x['time'] === 'string' && typeof x['level'] === 'string' && typeof x['msg'] === 'string', JSON.stringify(x));
  assert.ok(recs.some((x) => x['event'] === 'start' && x['msg'] === 'sluice: running job.sql: agg → file agg.jsonl: exactly once (file truncated to checkpoint)'));
  assert.ok(recs.some((x) => x['event'] === 'checkpoint' && x['level'] === 'debug'));
  assert.ok(recs.some((x) => x['event'] === 'summary' && x['source'] === 'gen' && x['records'] === 200 && x['msg'] === 'source gen: 200 records, 0 dead-lettered, 0 late, ended'));
  assert.ok(recs.some((x) => x['event'] === 'summary' && x['sink'] === 'agg' && typeof x['rows'] === 'number'));

  const quiet = sluice(['run', 'job.sql', '--fresh', '--log-level', 'warn'], dir);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
  const bad = sluice(['run', 'job.sql', '--log-level', 'chatty'], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Allowed choices are error, warn, info, debug/);
});

test('secrets read from ${env:NAME} never appear in EXPLAIN, logs or errors', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-secret-'));
  const password = 'pw-7f3a9c1e-secret';
  const brokers = 'brokers-5d2b-secret';
  writeFileSync(
    path.join(dir, 'job.sql'),
    `CREATE SOURCE readings (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector = 'kafka', topic = 'readings', format = 'json', brokers = '\${env:SLUICE_TEST_BROKERS}',
      sasl_mechanism = 'plain', sasl_username = 'sluice', sasl_password = '\${env:SLUICE_TEST_PASSWORD}');
CREATE SINK agg WITH (connector = 'file', path = 'agg.jsonl') AS
SELECT sensor, window_start, COUNT(*) AS n FROM readings GROUP BY sensor, TUMBLE(ts, 10s);
`,
  );
  const env = { SLUICE_TEST_PASSWORD: password, SLUICE_TEST_BROKERS: brokers };
  const ex = sluice(['explain', 'job.sql'], dir, env);
  assert.equal(ex.code, 0, ex.stderr);
  assert.match(ex.stdout, /Source #0 readings \[kafka readings\]/);
  // The broker list is not host:port: the error that names it must mask it.
  const run = sluice(['run', 'job.sql', '--log-level', 'debug'], dir, env);
  // (A fresh run looks its Kafka sources' offsets up while it starts: the broker list is refused
  // before the start line.)
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /broker '\*\*\*' is not host:port/);
  for (const out of [ex.stdout, ex.stderr, run.stdout, run.stderr]) {
    assert.ok(!out.includes(password), `password leaked:\n${out}`);
    assert.ok(!out.includes(brokers), `broker list leaked:\n${out}`);
  }
});
