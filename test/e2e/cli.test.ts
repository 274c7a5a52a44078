// The real `sluice` binary, as a user runs it: run writes exactly the expected rows and routes
// bad and late records to their files, explain prints the plan, compare proves equality,
// mistakes get a caret and a hint (never a stack trace), and Ctrl-C stops an unbounded job.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve('bin/sluice.js');

function sluice(args: string[], cwd = process.cwd()) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'sluice-cli-'));
}

const JOB = `CREATE SOURCE raw (
  sensor VARCHAR, value DOUBLE, ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (connector = 'file', path = 'in.jsonl', format = 'jsonl', dead_letter = 'dlq.jsonl', late = 'late.jsonl');

CREATE SINK agg WITH (connector = 'file', path = 'out/agg.jsonl') AS
SELECT sensor, window_start, COUNT(*) AS n, SUM(value) AS total FROM raw GROUP BY sensor, TUMBLE(ts, 10s);
`;

const INPUT = [
  '{"sensor":"a","value":1,"ts":"2024-05-20T10:00:01"}',
  '{"sensor":"b","value":2,"ts":"2024-05-20 10:00:02.5"}',
  'not json at all',
  '{"sensor":"a","value":3,"ts":"2024-05-20T10:00:09.999Z"}',
  '{"sensor":"a","value":"abc","ts":"2024-05-20T10:00:05"}',
  '{"sensor":"a","value":4,"ts":"2024-05-20T10:00:12"}',
  '{"sensor":"b","value":5,"ts":"2024-05-20T10:00:11.5"}',
  '{"sensor":"a","value":6,"ts":"2024-05-20T10:00:08"}', // window [0,10) closed at watermark 10:00:11: late
  '{"sensor":"b","value":7}',
  '{"sensor":"a","value":8,"ts":1716199215000}', // epoch ms: 10:00:15
].join('\n');

test('run: exact output rows, dead letters with reasons and positions, late rows with the watermark', () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'job.sql'), JOB);
  writeFileSync(path.join(dir, 'in.jsonl'), INPUT + '\n');
  const r = sluice(['run', 'job.sql'], dir);
  assert.equal(r.code, 0, r.stderr);
  const out = readFileSync(path.join(dir, 'out/agg.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const key = (o: Record<string, unknown>) => `${o['sensor']}@${o['window_start']}`;
  assert.deepEqual(
    out.sort((x, y) => key(x).localeCompare(key(y))),
    [
      { sensor: 'a', window_start: '2024-05-20T10:00:00.000Z', n: 2, total: 4 },
      { sensor: 'a', window_start: '2024-05-20T10:00:10.000Z', n: 2, total: 12 },
      { sensor: 'b', window_start: '2024-05-20T10:00:00.000Z', n: 1, total: 2 },
      { sensor: 'b', window_start: '2024-05-20T10:00:10.000Z', n: 1, total: 5 },
    ],
  );
  const dlq = readFileSync(path.join(dir, 'dlq.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string; position: { line: number }; raw: string });
  assert.deepEqual(dlq.map((d) => d.position.line), [3, 5, 9]);
  assert.match(dlq[0]!.reason, /^not valid JSON/);
  assert.equal(dlq[0]!.raw, 'not json at all');
  assert.equal(dlq[1]!.reason, 'column \'value\': expected DOUBLE, got "abc"');
  assert.equal(dlq[2]!.reason, "missing event time 'ts'");
  const late = readFileSync(path.join(dir, 'late.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(late.length, 1);
  assert.equal(late[0]!['event_time'], '2024-05-20T10:00:08.000Z');
  assert.equal(late[0]!['watermark'], '2024-05-20T10:00:11.000Z');
  assert.equal((late[0]!['position'] as { line: number }).line, 8);
  assert.match(r.stderr, /source raw: 10 records, 3 dead-lettered, 1 late, ended/);
  assert.match(r.stderr, /sink agg: 4 rows/);
});

test('compare: equal and exit 0 for a job with bad and late records', () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'job.sql'), JOB);
  writeFileSync(path.join(dir, 'in.jsonl'), INPUT + '\n');
  const r = sluice(['compare', 'job.sql', '--show-sql'], dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /agg: equal \(4 rows\)/);
  assert.match(r.stdout, /GROUP BY/i);
});

test('compare: the UNION ALL example (two sources, a view, a union of changelogs) equals DuckDB', () => {
  const r = sluice(['compare', 'queries/sensor-union.sql', '--show-sql']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /per_sensor: equal \(\d+ rows\)/);
  assert.match(r.stdout, /counts: equal \(8 rows\)/);
  assert.match(r.stdout, /UNION ALL/);
});

test('compare: the grouping sets example (per sensor, per site and total per window; ROLLUP over HOP) equals DuckDB', () => {
  const r = sluice(['compare', 'queries/sensor-rollup-sets.sql', '--show-sql']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /per_window: equal \(\d+ rows\)/);
  assert.match(r.stdout, /site_rollup: equal \(\d+ rows\)/);
  assert.match(r.stdout, /GROUP BY GROUPING SETS \(\(__k0, __k1, __ws\), \(__k1, __ws\), \(__ws\)\)/);
});

test('compare: the Top-N example (top 3 sensors per 10 s window, first reading per sensor) equals DuckDB', () => {
  const r = sluice(['compare', 'queries/top-sensors.sql', '--show-sql']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /top_sensors: equal \(12 rows\)/);
  assert.match(r.stdout, /first_readings: equal \(5 rows\)/);
  assert.match(r.stdout, /row_number\(\) OVER \(PARTITION BY/);
});

test('compare: the interval join example (orders and payments, a window after the join, unpaid orders by a LEFT JOIN) equals DuckDB', () => {
  const r = sluice(['compare', 'queries/order-payments.sql', '--show-sql']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /payments_matched: equal \(\d+ rows\)/);
  assert.match(r.stdout, /paid_per_customer: equal \(\d+ rows\)/);
  assert.match(r.stdout, /unpaid_orders: equal \([1-9]\d* rows\)/);
  assert.match(r.stdout, /AS jl JOIN n\d+ AS jr ON/);
  assert.match(r.stdout, /AS jl LEFT JOIN n\d+ AS jr ON/);
});

test('explain prints the plan tree with window, keys, emit mode and state', () => {
  const r = sluice(['explain', 'queries/quickstart.sql']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, readFileSync('test/golden/plans/quickstart.plan.txt', 'utf8'));
});

test('a SQL mistake: line, column, caret and hint on stderr, exit 2, no stack trace', () => {
  const r = sluice(['run', 'queries/fail-misspelled-column.sql', '--state-dir', path.join(tmp(), 'state')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error: unknown column 'vlaue'/);
  assert.match(r.stderr, /fail-misspelled-column\.sql:5:20/);
  assert.match(r.stderr, /\n5 \| SELECT sensor, AVG\(vlaue\)/);
  assert.match(r.stderr, / {20}\^{5}/);
  assert.match(r.stderr, /hint: did you mean 'value'\?/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('an unknown source when no source is declared says so, instead of "one of no columns"', () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'empty.sql'), 'SELECT * FROM raw;\n');
  const r = sluice(['explain', 'empty.sql'], dir);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /unknown source or view 'raw'/);
  assert.match(r.stderr, /\^\^\^/);
  assert.match(r.stderr, /hint: no source or view is declared yet: declare it first, e\.g\. CREATE SOURCE raw \(/);
  assert.doesNotMatch(r.stderr, /one of|no columns|expected/);
});

test('a syntax error gets the same treatment', () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'bad.sql'), "CREATE SOURCE s (a INT) WITH (connector = 'datagen');\nSELECT a FORM s;\n");
  const r = sluice(['run', 'bad.sql'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.sql:2:/);
  assert.match(r.stderr, /\^/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('--help and per-command help', () => {
  const r = sluice(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['run', 'explain', 'compare']) assert.match(r.stdout, new RegExp(`\\n\\s+${c} `));
  const h = sluice(['help', 'compare']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /--show-sql/);
});

test('a missing file is one clear line, exit 2', () => {
  const r = sluice(['run', 'nope.sql']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim(), 'sluice: cannot read nope.sql: no such file');
});

test('compare refuses unbounded inputs with a hint', () => {
  const r = sluice(['compare', 'queries/demo.sql']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /compare needs bounded inputs.*count = <n>/);
});

test('Ctrl-C stops an unbounded job cleanly after it printed rows', async () => {
  // Its own state directory: the README's `npx sluice run queries/demo.sql` must find queries/.sluice as the user left it.
  const child = spawn(process.execPath, [BIN, 'run', 'queries/demo.sql', '--format', 'jsonl', '--state-dir', path.join(tmp(), 'state')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no rows within 30 s; stderr: ${stderr}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  const first = JSON.parse(stdout.split('\n')[0]!) as Record<string, unknown>;
  assert.deepEqual(Object.keys(first), ['sensor', 'window_start', 'window_end', 'readings', 'avg_value', 'max_value']);
  assert.match(stderr, /sluice: stopped after/);
});

test('run: a SHOW STATE statement prints the state of the final checkpoint on stderr, rows on stdout', () => {
  const dir = tmp();
  writeFileSync(
    path.join(dir, 'job.sql'),
    `CREATE SOURCE s WITH (connector = 'datagen', generator = 'sensors', count = 2000, disorder = '800ms');
SELECT sensor, COUNT(*) AS n FROM s GROUP BY sensor;
SHOW STATE;
`,
  );
  const r = sluice(['run', 'job.sql', '--format', 'jsonl'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /state directory/);
  // stderr is not a terminal here, so the log is JSON lines: the view is the message, the tables a field.
  const state = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { event: string; msg: string; tables?: Array<{ name: string; rows: number; bytes: number }> }).find((e) => e.event === 'state');
  assert.ok(state, r.stderr);
  assert.match(state.msg, /^state directory: .*\.sluice[/\\]job\nlast checkpoint: #\d+ at .*; the job ran to the end of its inputs/);
  // The unwindowed GROUP BY keeps a row per sensor at the end: as many as the distinct sensors in the output.
  const sensors = new Set(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { sensor: string }).sensor));
  assert.ok(sensors.size > 0);
  const row = /#\d+ groupAgg +groups +keyed +NO \(grows with keys\) +(\d+) +(\d+ B|[\d.]+ KB) +0 +0 B/.exec(state.msg);
  assert.ok(row, state.msg);
  assert.equal(Number(row[1]), sensors.size);
  assert.deepEqual(state.tables?.map((t) => [t.name, t.rows, t.bytes > 0]), [['groups', sensors.size, true]]);
});

test('a reader that closes the pipe ends the command quietly (sluice run job.sql | head)', { timeout: 60_000 }, async () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'gen.sql'), "CREATE SOURCE s WITH (connector = 'datagen', generator = 'sensors');\nSELECT * FROM s;\n");
  const child = spawn(process.execPath, [BIN, 'run', 'gen.sql', '--format', 'jsonl'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // Like `head -1`: read the first chunk, then close the pipe.
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Unhandled|\n\s+at /, 'no stack trace');
});

test('the REPL from a pipe or a file (not a terminal): a clear usage error with the ways to run the statements, no stack trace', () => {
  for (const input of ['SELECT 1;\n', '']) {
    const r = spawnSync(process.execPath, [BIN], { input, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^sluice: the REPL needs a terminal, and standard input is not one/);
    assert.match(r.stderr, /sluice run FILE\.sql/);
    assert.doesNotMatch(r.stderr + r.stdout, /Raw mode|node_modules|at \S+ \(/, 'no ink error or stack trace');
  }
});
