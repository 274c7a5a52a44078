// Bad input through the real `sluice` binary: outputs whose directory cannot be made or written
// are refused at once with the path and the option (never a spin or a bare error code); bad
// records of every kind are dead-lettered with their position while the job goes on.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve('bin/sluice.js');

function sluice(args: string[], cwd: string) {
  // The timeout only ends a hung child (status null then fails the test); it is not a speed check.
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'sluice-bad-'));
}

function lines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

const PROC = existsSync('/proc/self') ? false : 'no /proc on this system';

test('a file sink under /proc is refused at once, naming the path and the option', { skip: PROC }, () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'in.jsonl'), '{"a":1}\n');
  writeFileSync(
    path.join(dir, 'job.sql'),
    `CREATE SOURCE s (a BIGINT) WITH (connector = 'file', path = 'in.jsonl');
CREATE SINK o WITH (connector = 'file', path = '/proc/nope/x.jsonl') AS SELECT a FROM s;\n`,
  );
  const r = sluice(['run', 'job.sql', '--state-dir', path.join(dir, 'st')], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /cannot open \/proc\/nope\/x\.jsonl for writing: cannot create directory \/proc\/nope: ENOENT in \/proc \(option 'path'\)/);
});

test('dead-letter and late files that cannot be made name the file and the option; so does the state dir', { skip: PROC }, () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'in.jsonl'), '{"a":1}\n');
  writeFileSync(path.join(dir, 'late.sql'), `CREATE SOURCE s (a BIGINT) WITH (connector = 'file', path = 'in.jsonl', late = '/proc/nope/deeper/late.jsonl');\nSELECT a FROM s;\n`);
  const late = sluice(['run', 'late.sql', '--state-dir', path.join(dir, 'st')], dir);
  assert.equal(late.code, 2, late.stderr);
  assert.match(late.stderr, /source 's': cannot open its late file \/proc\/nope\/deeper\/late\.jsonl for appending: cannot create directory \/proc\/nope \(for \/proc\/nope\/deeper\): ENOENT in \/proc \(option 'late'\)/);

  writeFileSync(path.join(dir, 'ok.sql'), `CREATE SOURCE s (a BIGINT) WITH (connector = 'file', path = 'in.jsonl');\nSELECT a FROM s;\n`);
  const state = sluice(['run', 'ok.sql', '--state-dir', '/proc/nope/state'], dir);
  assert.equal(state.code, 2, state.stderr);
  assert.match(state.stderr, /cannot create directory \/proc\/nope \(for \/proc\/nope\/state\): ENOENT in \/proc/);
});

test('a dead-letter file that cannot be written names the file and the option, not a bare EACCES', () => {
  const dir = tmp();
  let target: string;
  if (process.getuid?.() === 0) {
    // Root may write any file mode; sysfs refuses new files even to root.
    target = '/sys/kernel/sluice-dlq.jsonl';
    if (!existsSync('/sys/kernel')) return;
  } else {
    target = path.join(dir, 'ro.jsonl');
    writeFileSync(target, '', { mode: 0o444 });
  }
  writeFileSync(path.join(dir, 'in.jsonl'), '{"a":1}\n');
  writeFileSync(path.join(dir, 'job.sql'), `CREATE SOURCE s (a BIGINT) WITH (connector = 'file', path = 'in.jsonl', dead_letter = '${target}');\nSELECT a FROM s;\n`);
  const r = sluice(['run', 'job.sql', '--state-dir', path.join(dir, 'st')], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.ok(r.stderr.includes(`source 's': cannot open its dead_letter file ${target} for appending: EACCES`), r.stderr);
  assert.match(r.stderr, /\(option 'dead_letter'\)\n  = hint: point dead_letter at a file in a writable directory/);
});

test('JSON lines: a BOM, blank lines (\\r alone too), non-finite numbers; late reasons with dates', () => {
  const dir = tmp();
  writeFileSync(
    path.join(dir, 'job.sql'),
    `CREATE SOURCE raw (k VARCHAR, v DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts)
  WITH (connector = 'file', path = 'in.jsonl', dead_letter = 'dlq.jsonl', late = 'late.jsonl');
CREATE SINK agg WITH (connector = 'file', path = 'agg.jsonl') AS
SELECT k, window_start, COUNT(*) AS n, SUM(v) AS total, COUNT(v) AS nv FROM raw GROUP BY k, TUMBLE(ts, 10s);\n`,
  );
  const input = [
    '\ufeff{"k":"a","v":1,"ts":"2024-05-20T10:00:01Z"}', // 1: BOM, admitted
    '\r', // 2: blank
    '{"k":"a","v":"NaN","ts":"2024-05-20T10:00:02Z"}', // 3: dead letter
    '   ', // 4: blank
    '{"k":"a","v":1e999,"ts":"2024-05-20T10:00:03Z"}', // 5: dead letter
    '{"k":"a","v":-1e999,"ts":"2024-05-20T10:00:04Z"}', // 6: dead letter
    '', // 7: blank
    '{"k":"a","v":2,"ts":"2024-05-20T10:00:12Z"}', // 8
    '{"k":"a","v":4,"ts":"2024-05-20T10:00:05Z"}', // 9: late, window [10:00:00, 10:00:10) closed
  ];
  writeFileSync(path.join(dir, 'in.jsonl'), input.join('\r\n') + '\n');
  const r = sluice(['run', 'job.sql', '--state-dir', path.join(dir, 'st')], dir);
  assert.equal(r.code, 0, r.stderr);
  const out = lines(path.join(dir, 'agg.jsonl')).sort((x, y) => String(x['window_start']).localeCompare(String(y['window_start'])));
  assert.deepEqual(out, [
    { k: 'a', window_start: '2024-05-20T10:00:00.000Z', n: 1, total: 1, nv: 1 },
    { k: 'a', window_start: '2024-05-20T10:00:10.000Z', n: 1, total: 2, nv: 1 },
  ]);
  const dlq = lines(path.join(dir, 'dlq.jsonl'));
  assert.deepEqual(
    dlq.map((d) => [(d['position'] as { line: number }).line, d['reason']]),
    [
      [3, `column 'v': expected a finite DOUBLE, got "NaN"`],
      [5, `column 'v': expected a finite DOUBLE, got Infinity`],
      [6, `column 'v': expected a finite DOUBLE, got -Infinity`],
    ],
  );
  const late = lines(path.join(dir, 'late.jsonl'));
  assert.equal(late.length, 1);
  assert.equal(late[0]!['reason'], 'window [2024-05-20T10:00:00.000Z, 2024-05-20T10:00:10.000Z) closed at watermark 2024-05-20T10:00:12.000Z');
  assert.match(r.stderr, /source raw: 6 records, 3 dead-lettered, 1 late, 3 blank skipped, ended/);
});

test('CSV: rows with too few or too many fields are dead-lettered with the counts; blank lines skipped and counted', () => {
  const dir = tmp();
  writeFileSync(
    path.join(dir, 'job.sql'),
    `CREATE SOURCE raw (k VARCHAR, v DOUBLE) WITH (connector = 'file', path = 'in.csv', dead_letter = 'dlq.jsonl');
CREATE SINK o WITH (connector = 'file', path = 'o.jsonl') AS SELECT k, v FROM raw;\n`,
  );
  writeFileSync(path.join(dir, 'in.csv'), '\r\nk,v\r\na,1\r\nb\r\n \r\nc,3,extra\r\nd,NaN\r\ne,\r\n');
  const r = sluice(['run', 'job.sql', '--state-dir', path.join(dir, 'st')], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(path.join(dir, 'o.jsonl')), [{ k: 'a', v: 1 }, { k: 'e', v: null }]);
  assert.deepEqual(
    lines(path.join(dir, 'dlq.jsonl')).map((d) => [(d['position'] as { line: number }).line, d['reason'], d['raw']]),
    [
      [4, "malformed CSV: expected 2 fields (the header's), found 1", 'b'],
      [6, "malformed CSV: expected 2 fields (the header's), found 3", 'c,3,extra'],
      [7, `column 'v': expected a finite DOUBLE, got "NaN"`, 'd,NaN'],
    ],
  );
  assert.match(r.stderr, /source raw: 5 records, 3 dead-lettered, 0 late, 2 blank skipped, ended/);
});

test('a record nested 5,000 deep in a declared column is dead-lettered with its position; the rest is written', () => {
  const dir = tmp();
  const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
  writeFileSync(path.join(dir, 'in.jsonl'), [`{"k":"a","m":{"x":1}}`, `{"k":"b","m":{"x":${deep}}}`, `{"k":"c","m":${deep}}`, `{"k":"d","m":{"x":4}}`].join('\n') + '\n');
  writeFileSync(
    path.join(dir, 'job.sql'),
    `CREATE SOURCE s (k VARCHAR, m STRUCT<x INT>) WITH (connector = 'file', path = 'in.jsonl', dead_letter = 'dlq.jsonl');
CREATE SINK o WITH (connector = 'file', path = 'o.jsonl') AS SELECT k, m FROM s;\n`,
  );
  const r = sluice(['run', 'job.sql', '--state-dir', path.join(dir, 'st')], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(path.join(dir, 'o.jsonl')), [{ k: 'a', m: { x: 1 } }, { k: 'c', m: { x: null } }, { k: 'd', m: { x: 4 } }]);
  const dlq = lines(path.join(dir, 'dlq.jsonl'));
  assert.equal(dlq.length, 1);
  assert.deepEqual(dlq[0]!['position'], { file: 'in.jsonl', line: 2, offset: 22 });
  assert.match(String(dlq[0]!['reason']), /^column 'm\.x': expected INT, got \{"a":\{"a":.*…$/);
});

test('a source with 20,000 columns runs and compares to the end and exits (names in another case, fields in reverse order)', { timeout: 300_000 }, () => {
  const dir = tmp();
  const n = 20_000;
  const cols = Array.from({ length: n }, (_, i) => `c${i} ${i % 2 === 0 ? 'BIGINT' : 'VARCHAR'}`);
  writeFileSync(
    path.join(dir, 'wide.sql'),
    `CREATE SOURCE w (${cols.join(', ')}) WITH (connector = 'file', path = 'wide.jsonl');
CREATE SINK o WITH (connector = 'file', path = 'o.jsonl') AS SELECT c0, c1, c19998, c19999 FROM w;\n`,
  );
  const record = (r: number, key: (i: number) => string, order: number[]): string =>
    `{${order.map((i) => `${JSON.stringify(key(i))}:${i % 2 === 0 ? r * i : JSON.stringify(`v${r}-${i}`)}`).join(',')}}`;
  const forward = Array.from({ length: n }, (_, i) => i);
  const backward = [...forward].reverse();
  writeFileSync(
    path.join(dir, 'wide.jsonl'),
    [record(1, (i) => `C${i}`, forward), record(2, (i) => `c${i}`, backward), record(3, (i) => `C${i}`, backward)].join('\n') + '\n',
  );
  const run = spawnSync(process.execPath, [BIN, 'run', 'wide.sql', '--state-dir', path.join(dir, 'st')], { cwd: dir, encoding: 'utf8', timeout: 240_000, killSignal: 'SIGKILL' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(lines(path.join(dir, 'o.jsonl')), [1, 2, 3].map((r) => ({ c0: 0, c1: `v${r}-1`, c19998: r * 19998, c19999: `v${r}-19999` })));
  const cmp = spawnSync(process.execPath, [BIN, 'compare', 'wide.sql'], { cwd: dir, encoding: 'utf8', timeout: 240_000, killSignal: 'SIGKILL' });
  assert.equal(cmp.status, 0, cmp.stderr);
  assert.match(cmp.stdout + cmp.stderr, /o: equal \(3 rows\)/);
});
