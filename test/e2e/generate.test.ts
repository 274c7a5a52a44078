// `sluice test --generate`, as a user runs it: an example job passes every check; a job whose
// LAG orders by a timestamp that readings share is caught, shrunk to a two-row fixture case
// that, saved as a test file, fails under `sluice test`; declaring the data's unique key in the
// test file's generate: section makes it pass; checks a job's meaning does not allow are
// reported as skipped with the reason; a bad generate: section is a diagnostic with position;
// Ctrl-C stops a long run promptly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve('bin/sluice.js');

function sluice(args: string[], cwd = process.cwd()) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), 'sluice-generate-'));

const ALERTS = `CREATE SOURCE readings (
  sensor VARCHAR, temp DOUBLE, ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (connector = 'file', path = 'readings.jsonl', format = 'jsonl');

CREATE SINK jumps WITH (connector = 'file', path = 'jumps.jsonl') AS
SELECT sensor, temp, prev, ts FROM (
  SELECT sensor, temp, ts, LAG(temp) OVER (PARTITION BY sensor ORDER BY ts) AS prev FROM readings
) WHERE ABS(temp - prev) > 5;
`;

test('an example job passes every check, one line per check with runs and time', () => {
  const r = sluice(['test', '--generate', 'queries/quickstart.sql', '--runs', '15', '--seed', '5']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /generated streams: queries\/quickstart\.sql \(seed 5, 15 runs, [\d.]+s\)/);
  for (const check of ['oracle', 'changelog', 'late', 'dead_letter', 'second_way', 'order']) {
    assert.match(r.stdout, new RegExp(`PASS  ${check} +15 runs  [\\d.]+s`), check);
  }
});

test('a LAG over a shared timestamp is caught and shrunk to a fixture case that fails under sluice test', () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'alerts.sql'), ALERTS);
  const r = sluice(['test', '--generate', 'alerts.sql', '--seed', '7'], dir);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /FAIL  order .*sink 'jumps': the run with ties in the other order row .* has no match in the first run/);
  assert.match(r.stdout, /the answer depends on the arrival order of rows with equal event times/);
  assert.match(r.stdout, /replay: sluice test --generate alerts\.sql --seed 7 --runs 100/);
  const fixture = r.stdout.slice(r.stdout.indexOf('  # found by'), r.stdout.indexOf('\nreplay:'));
  assert.match(fixture, /shrunk to 2 records/);
  const rows = fixture.slice(fixture.indexOf('sources:'), fixture.indexOf('expect:')).split('\n').filter((l) => l.startsWith('        - {'));
  assert.equal(rows.length, 2, fixture);
  // The two readings share sensor and time.
  const [a, b] = rows.map((l) => /sensor: (\w+).*ts: (\S+) \}/.exec(l)!.slice(1).join(' '));
  assert.equal(a, b);

  writeFileSync(path.join(dir, 'alerts.test.yaml'), `cases:\n${fixture}\n`);
  const replay = sluice(['test', 'alerts.test.yaml'], dir);
  assert.equal(replay.code, 1, replay.stdout + replay.stderr);
  assert.match(replay.stdout, /FAIL alerts\.test\.yaml › generated \(seed 7, order\)/);
  assert.match(replay.stdout, /jumps: 1 changed/);
  // Paths given with --generate run their fixture cases as well.
  const both = sluice(['test', '--generate', 'alerts.sql', '--seed', '7', 'alerts.test.yaml'], dir);
  assert.equal(both.code, 1, both.stdout + both.stderr);
  assert.match(both.stdout, /FAIL  order/);
  assert.match(both.stdout, /FAIL alerts\.test\.yaml › generated \(seed 7, order\)/);

  // The data's real key is (sensor, ts): declared, the generated streams never tie and all pass.
  writeFileSync(path.join(dir, 'alerts.test.yaml'), 'generate:\n  runs: 30\n  sources:\n    readings:\n      unique: [sensor, ts]\n      columns:\n        sensor: one_of(S1..S3)\n        temp: between(0, 40)\n');
  const fixed = sluice(['test', '--generate', 'alerts.sql', '--seed', '7'], dir);
  assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
  assert.match(fixed.stdout, /PASS  order +30 runs/);
  // Plain `sluice test` runs the section too.
  const all = sluice(['test', '.'], dir);
  assert.equal(all.code, 0, all.stdout + all.stderr);
  assert.match(all.stdout, /generated streams: .*alerts\.sql \(seed -?\d+, 30 runs/);
});

test('a two-source failure prints its arrival order, so the fixture case replays the same interleaving', () => {
  const dir = tmp();
  // LATEST_BY_OFFSET over a union: which row is the latest depends on how the two sources interleave.
  writeFileSync(
    path.join(dir, 'u.sql'),
    `CREATE SOURCE r1 (sensor VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'a.jsonl');
CREATE SOURCE r2 (sensor VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'b.jsonl');
CREATE SINK s WITH (connector = 'file', path = 'o.jsonl') AS
SELECT sensor, LATEST_BY_OFFSET(v) AS v, COUNT(*) AS n FROM (SELECT * FROM r1 UNION ALL SELECT * FROM r2) GROUP BY sensor, TUMBLE(ts, 5s);
`,
  );
  const r = sluice(['test', '--generate', 'u.sql', '--seed', '3', '--runs', '50'], dir);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const fixture = r.stdout.slice(r.stdout.indexOf('  # found by'), r.stdout.indexOf('\nreplay:'));
  const arrival = /\n {4}arrival: (\[.*\])\n/.exec(fixture);
  assert.ok(arrival, fixture);
  writeFileSync(path.join(dir, 'u.test.yaml'), `cases:\n${fixture}\n`);
  const replay = sluice(['test', 'u.test.yaml'], dir);
  assert.equal(replay.code, 1, replay.stdout + replay.stderr);
  assert.match(replay.stdout, /FAIL u\.test\.yaml › generated \(seed 3, oracle\)/);
  // The same rows in round-robin turns do not show it: the stated order is what replays.
  writeFileSync(path.join(dir, 'u.test.yaml'), `cases:\n${fixture.replace(arrival[0], '\n')}\n`);
  const turns = sluice(['test', 'u.test.yaml'], dir);
  assert.equal(turns.code, 0, turns.stdout + turns.stderr);
});

test('checks a job does not allow are skipped with the reason, never passed silently', () => {
  const dir = tmp();
  writeFileSync(
    path.join(dir, 'k.sql'),
    `CREATE SOURCE readings (sensor VARCHAR, temp DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = 'readings', brokers = '127.0.0.1:9092', format = 'json');
CREATE TABLE meta (sensor VARCHAR, building VARCHAR, PRIMARY KEY (sensor))
  WITH (connector = 'kafka', topic = 'meta', brokers = '127.0.0.1:9092', format = 'json');
CREATE SINK enriched WITH (connector = 'file', path = 'out.jsonl') AS
SELECT r.sensor, r.temp, m.building FROM readings r LEFT JOIN meta m ON r.sensor = m.sensor;
`,
  );
  const r = sluice(['test', '--generate', 'k.sql', '--runs', '5', '--seed', '1'], dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  for (const check of ['oracle', 'second_way', 'order']) assert.match(r.stdout, new RegExp(`SKIP  ${check} +skipped: the lookup join with Kafka table 'meta' has processing-time semantics`), check);
  assert.match(r.stdout, /PASS  changelog +5 runs/);

  writeFileSync(path.join(dir, 'last.sql'), `CREATE SOURCE raw (sensor VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'x.jsonl');
CREATE SINK s WITH (connector = 'file', path = 'o.jsonl') AS SELECT sensor, LATEST_BY_OFFSET(v) AS v FROM raw GROUP BY sensor, TUMBLE(ts, 5s);
`);
  const l = sluice(['test', '--generate', 'last.sql', '--runs', '5', '--seed', '1'], dir);
  assert.equal(l.code, 0, l.stdout + l.stderr);
  assert.match(l.stdout, /SKIP  order +skipped: LATEST_BY_OFFSET follows arrival order by definition/);
  assert.match(l.stdout, /PASS  oracle +5 runs/);
});

test('a mistake in the generate: section is a diagnostic at its line and column; bad flags are usage errors', () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'alerts.sql'), ALERTS);
  writeFileSync(path.join(dir, 'alerts.test.yaml'), 'generate:\n  sources:\n    readings:\n      columns:\n        temp: between(0 40)\n');
  const r = sluice(['test', '--generate', 'alerts.sql'], dir);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /error: expected ',' or '\)', found '40'/);
  assert.match(r.stderr, /--> alerts\.test\.yaml:5:25/);
  assert.match(r.stderr, /5 \|         temp: between\(0 40\)\n  \| {25}\^\^/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  const plain = sluice(['test', 'alerts.test.yaml'], dir);
  assert.equal(plain.code, 2, plain.stdout + plain.stderr);
  assert.match(plain.stdout + plain.stderr, /alerts\.test\.yaml:5:25/);

  const flags = sluice(['test', '--generate', 'alerts.sql', '--runs', 'many'], dir);
  assert.equal(flags.code, 2);
  assert.match(flags.stderr, /--runs takes a whole number from 1 to 100000, not 'many'/);
  const alone = sluice(['test', '--seed', '3'], dir);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /--seed and --runs go with --generate JOB\.sql/);
});

test('Ctrl-C stops a long generated run promptly', async () => {
  const child = spawn(process.execPath, [BIN, 'test', '--generate', 'queries/quickstart.sql', '--runs', '100000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Listened for from the spawn: a run that ended early fails here instead of leaving the test waiting.
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const early = await Promise.race([exited.then((c) => ({ code: c })), new Promise<undefined>((r) => setTimeout(() => r(undefined), 2500))]);
  assert.equal(early, undefined, `the run ended before the signal (exit ${early?.code})`);
  const t0 = Date.now();
  child.kill('SIGINT');
  const code = await exited;
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms to stop`);
  assert.equal(code, 130);
});
