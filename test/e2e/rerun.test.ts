// Running a job again on the same state directory, through the real CLI: a finished bounded job
// resumes from its final checkpoint and reads only what arrived since (a file from its byte
// offset, a datagen with count nothing), windows it closed stay closed (new rows behind the
// rerun watermark are late, later ones open new windows), and it says so; output that does not
// change state (--format, --log-level, a sink's format) keeps the checkpoint, a changed window
// does not; a file sink cut shorter than its checkpoint is refused; --fresh starts over.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve('bin/sluice.js');

function sluice(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'sluice-rerun-'));
}

const JOB = (window = '10s', format = '') => `CREATE SOURCE raw (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'file', path = 'in.jsonl', late = 'late.jsonl');
CREATE SINK win WITH (connector = 'file', path = 'win.jsonl'${format}) AS
  SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s FROM raw GROUP BY k, TUMBLE(ts, ${window});
CREATE SINK totals WITH (connector = 'file', path = 'totals.jsonl') AS
  SELECT k, COUNT(*) AS n FROM raw GROUP BY k;
`;

const line = (k: string, v: number, t: string) => JSON.stringify({ k, v, ts: `2024-05-20T10:00:${t}Z` });
const FIRST = [line('a', 1, '01'), line('b', 2, '02'), line('a', 3, '09'), line('a', 4, '12')].join('\n') + '\n';

function lines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The last changelog row per key: what an upsert reader of the file holds. */
function latest(file: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of lines(file)) out[String(r['k'])] = r['op'] === '-D' ? undefined : r['n'];
  return out;
}

const win = (k: string, start: string, n: number, s: number) => ({ k, window_start: `2024-05-20T10:00:${start}.000Z`, n, s });

test('a finished file job run again reads only what arrived since; closed windows stay closed, later ones open', () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'job.sql'), JOB());
  writeFileSync(path.join(dir, 'in.jsonl'), FIRST);
  const first = sluice(['run', 'job.sql'], dir);
  assert.equal(first.code, 0, first.stderr);
  const want1 = [win('a', '00', 2, 4), win('b', '00', 1, 2), win('a', '10', 1, 4)];
  const sort = (rows: Array<Record<string, unknown>>) => rows.sort((x, y) => `${x['window_start']}${x['k']}`.localeCompare(`${y['window_start']}${y['k']}`));
  assert.deepEqual(sort(lines(path.join(dir, 'win.jsonl'))), sort([...want1]));

  // Nothing new: the same output, and the line that says so.
  const again = sluice(['run', 'job.sql'], dir);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /the last run read its inputs to the end \(checkpoint \d+ of [^)]+\); reading only what arrived since: raw after line 4 \(byte \d+\); the windows it closed stay closed: rows before 2024-05-20T10:00:22.000Z are late \(--fresh starts over\)/);
  assert.deepEqual(sort(lines(path.join(dir, 'win.jsonl'))), sort([...want1]));

  // New rows: two in windows the first run closed ([0,10) and [10,20), which ends before the
  // rerun watermark 10:00:12 + 10 s), two in new windows.
  appendFileSync(path.join(dir, 'in.jsonl'), [line('a', 5, '05'), line('b', 6, '15'), line('a', 7, '25'), line('b', 8, '31')].join('\n') + '\n');
  const third = sluice(['run', 'job.sql'], dir);
  assert.equal(third.code, 0, third.stderr);
  assert.deepEqual(sort(lines(path.join(dir, 'win.jsonl'))), sort([...want1, win('a', '20', 1, 7), win('b', '30', 1, 8)]));
  const late = lines(path.join(dir, 'late.jsonl'));
  assert.deepEqual(late.map((l) => l['event_time']).sort(), ['2024-05-20T10:00:05.000Z', '2024-05-20T10:00:15.000Z']);
  // The unwindowed count has no windows to close: every new row counts.
  assert.deepEqual(latest(path.join(dir, 'totals.jsonl')), { a: 5, b: 3 });
  assert.match(third.stderr, /source raw: 8 records/);
});

test('output and log options keep the checkpoint; a changed window does not', () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'job.sql'), JOB());
  writeFileSync(path.join(dir, 'in.jsonl'), FIRST);
  assert.equal(sluice(['run', 'job.sql'], dir).code, 0);
  writeFileSync(path.join(dir, 'job.sql'), JOB('10s', ", format = 'json'"));
  const same = sluice(['run', 'job.sql', '--format', 'jsonl', '--log-level', 'debug'], dir);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stderr, /reading only what arrived since/);
  writeFileSync(path.join(dir, 'job.sql'), JOB('20s'));
  const changed = sluice(['run', 'job.sql'], dir);
  assert.equal(changed.code, 2, changed.stderr);
  assert.match(changed.stderr, /checkpointed by a different plan.*--fresh/);
});

test('a datagen with count, run again: nothing more, said once', () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'job.sql'), "CREATE SOURCE g WITH (connector = 'datagen', generator = 'sensors', count = 300, seed = 4);\nCREATE SINK o WITH (connector = 'file', path = 'o.jsonl') AS SELECT sensor, window_start, COUNT(*) AS n FROM g GROUP BY sensor, TUMBLE(ts, 10s);\n");
  assert.equal(sluice(['run', 'job.sql'], dir).code, 0);
  const before = readFileSync(path.join(dir, 'o.jsonl'), 'utf8');
  const r = sluice(['run', 'job.sql'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /g nothing more: all 300 records of its count generated/);
  assert.equal(readFileSync(path.join(dir, 'o.jsonl'), 'utf8'), before);
  // --fresh starts over: the same answer again, said so.
  const fresh = sluice(['run', 'job.sql', '--fresh'], dir);
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.match(fresh.stderr, /--fresh: discarded checkpoint \d+ of .*file sinks, dead-letter and late files are written again from the start/);
  assert.equal(readFileSync(path.join(dir, 'o.jsonl'), 'utf8'), before);
});

test('an input file shorter than the checkpoint had read (replaced) is refused', () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'job.sql'), JOB());
  writeFileSync(path.join(dir, 'in.jsonl'), FIRST);
  assert.equal(sluice(['run', 'job.sql'], dir).code, 0);
  writeFileSync(path.join(dir, 'in.jsonl'), line('a', 9, '40') + '\n');
  const r = sluice(['run', 'job.sql'], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`in\\.jsonl is \\d+ bytes long, but the checkpoint had read ${FIRST.length} bytes of it \\(4 lines\\)`));
  assert.match(r.stderr, /--fresh/);
});

test('a file sink cut shorter than its checkpoint is refused with the file and both lengths', () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'job.sql'), JOB());
  writeFileSync(path.join(dir, 'in.jsonl'), FIRST);
  assert.equal(sluice(['run', 'job.sql'], dir).code, 0);
  const file = path.join(dir, 'win.jsonl');
  const full = statSync(file).size;
  truncateSync(file, full - 5);
  const r = sluice(['run', 'job.sql'], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.ok(r.stderr.includes(file), r.stderr);
  assert.match(r.stderr, new RegExp(`is ${full - 5} bytes long, but the checkpoint recorded ${full} bytes`));
  assert.match(r.stderr, /--fresh/);
});

test('--fresh starts file dead-letter and late outputs over, as file sinks: a rerun holds each once', () => {
  const dir = tmp();
  writeFileSync(
    path.join(dir, 'job.sql'),
    `CREATE SOURCE raw (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'file', path = 'in.jsonl', dead_letter = 'out/bad.jsonl', late = 'late.jsonl');
CREATE SINK win WITH (connector = 'file', path = 'win.jsonl') AS
  SELECT k, window_start, COUNT(*) AS n FROM raw GROUP BY k, TUMBLE(ts, 10s);
`,
  );
  // One bad record, one late (10:00:05 behind the watermark 10:00:21).
  writeFileSync(path.join(dir, 'in.jsonl'), [line('a', 1, '01'), 'not json', line('a', 2, '22'), line('b', 3, '05')].join('\n') + '\n');
  const first = sluice(['run', 'job.sql'], dir);
  assert.equal(first.code, 0, first.stderr);
  const files = ['win.jsonl', 'out/bad.jsonl', 'late.jsonl'].map((f) => path.join(dir, f));
  const before = files.map((f) => readFileSync(f, 'utf8'));
  assert.deepEqual(before.slice(1).map((t) => t.split('\n').filter(Boolean).length), [1, 1], before.join('---\n'));
  const fresh = sluice(['run', 'job.sql', '--fresh'], dir);
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.deepEqual(files.map((f) => readFileSync(f, 'utf8')), before);
  assert.match(fresh.stderr, /--fresh: discarded checkpoint \d+ of .*file sinks, dead-letter and late files are written again from the start/);
});
