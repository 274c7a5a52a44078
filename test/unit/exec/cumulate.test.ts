// CUMULATE end to end on a handful of rows: the windows of a cumulation, its late rule (a row
// whose first window has closed is late as a whole, even while later windows of its cumulation
// are open), and the same answer from DuckDB.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { checkJob } from '../../../src/oracle/check-job.js';

async function run(select: string, ms: readonly number[]) {
  const sql = `CREATE SOURCE ev (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '0' SECOND) WITH (connector = 'datagen', generator = 'sensors');
CREATE SINK out AS ${select};`;
  const s = loadScriptText(sql, 'job.sql', process.cwd(), new Catalog());
  const reader = () => ({
    bounded: true as const,
    async run(emit: (b: Array<{ value: Record<string, unknown>; position: { index: number } }>) => Promise<void>) {
      // One row per batch: the watermark moves after each.
      for (let i = 0; i < ms.length; i++) await emit([{ value: { k: 'a', ts: ms[i] }, position: { index: i } }]);
    },
  });
  return checkJob(s.catalog, [...s.catalog.sinks.values()], { reader });
}

test('CUMULATE(ts, 1s, 4s): windows grow by a step, and a row behind a closed first window is late whole', async () => {
  // 0.5 s; 2.5 s closes the windows ending 1 s and 2 s; 1.5 s (first window [0, 2s)) is late
  // though [0, 3s) and [0, 4s) are open; 3.5 s is in [0, 4s) only.
  const r = await run('SELECT window_start, window_end, COUNT(*) AS n FROM ev GROUP BY CUMULATE(ts, 1s, 4s)', [500, 2500, 1500, 3500]);
  assert.deepEqual(r.late.map((l) => [l.ref!.seq, l.windowStart]), [[2, undefined]]);
  assert.match(r.late[0]!.reason, /window \[1970-01-01T00:00:00.000Z, 1970-01-01T00:00:02.000Z\) closed/);
  for (const c of r.comparisons) assert.ok(c.equal, c.firstDifference);
  assert.equal(r.comparisons[0]!.oracleRows, 4); // ends 1s, 2s, 3s, 4s: counts 1, 1, 2, 3
});
