// A lookup join against a file table that declares a WATERMARK: stream rows wait for the table's
// end, so the join's output watermark must wait too. It used to be min(stream, table), so a
// window after the join closed while the rows were still held and dropped every one of them as
// late once the table ended (and `compare` stopped: a late row without provenance).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve('bin/sluice.js');

test('a window after a lookup join with a watermarked file table counts every row: none late, equal to DuckDB', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-lookup-wm-'));
  try {
    const readings: string[] = [];
    for (let i = 0; i < 40; i++) readings.push(JSON.stringify({ sensor: `s${i % 3}`, value: i, ts: `2024-05-20T10:00:${String(i).padStart(2, '0')}Z` }));
    writeFileSync(path.join(dir, 'r.jsonl'), readings.join('\n') + '\n');
    // The table's rows are an hour ahead of the readings: its own watermark is far past theirs.
    writeFileSync(path.join(dir, 'meta.jsonl'), [0, 1, 2].map((i) => JSON.stringify({ sensor: `s${i}`, building: `b${i}`, ts: '2024-05-20T11:00:00Z' })).join('\n') + '\n');
    writeFileSync(
      path.join(dir, 'job.sql'),
      `CREATE SOURCE r (sensor VARCHAR, value INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'r.jsonl', format = 'json', batch_size = '5', late = 'late.jsonl');
CREATE TABLE meta (sensor VARCHAR, building VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts, PRIMARY KEY (sensor)) WITH (connector = 'file', path = 'meta.jsonl', format = 'json');
CREATE SINK counts WITH (connector = 'file', path = 'out.jsonl') AS
SELECT m.building, window_start, COUNT(*) AS n FROM r JOIN meta m ON r.sensor = m.sensor GROUP BY m.building, TUMBLE(r.ts, 10s);`,
    );
    const run = spawnSync(process.execPath, [BIN, 'run', 'job.sql', '--state-dir', path.join(dir, 'state')], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, run.stderr);
    const rows = readFileSync(path.join(dir, 'out.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { building: string; window_start: string; n: number });
    // Four 10 s windows; in each, sensors s0, s1, s2 (i % 3) have 4, 3, 3 rows (i = 10w .. 10w+9) rotated by the window.
    assert.equal(rows.length, 12);
    assert.equal(rows.reduce((a, r) => a + r.n, 0), 40, 'every reading counted');
    const first = Object.fromEntries(rows.filter((r) => r.window_start.startsWith('2024-05-20T10:00:00')).map((r) => [r.building, r.n]));
    assert.deepEqual(first, { b0: 4, b1: 3, b2: 3 });
    assert.match(run.stderr, /0 late/);
    const cmp = spawnSync(process.execPath, [BIN, 'compare', 'job.sql'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(cmp.status, 0, cmp.stdout + cmp.stderr);
    assert.match(cmp.stdout, /counts: equal \(12 rows\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
