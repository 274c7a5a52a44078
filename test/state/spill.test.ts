// The DuckDB tier with many keys: a 1-byte budget spills every batch, so window partials, LAG's
// waiting rows, session timers and keyed state (GROUP BY, sessions, LAG history) go back and
// forth through DuckDB, with crashes and restores from a DuckDB checkpoint store (spilled rows
// copied inside DuckDB); the result must equal DuckDB's batch answer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Catalog } from '../../src/catalog/catalog.js';
import { loadScriptText } from '../../src/cli/load.js';
import { planSinks } from '../../src/plan/job.js';
import { compareWithOracle, renderComparison } from '../../src/oracle/index.js';
import { CheckpointStore } from '../../src/state/checkpoint.js';
import { runWithCrashes, type Event } from './harness.js';

const BASE = Date.UTC(2024, 4, 20, 10, 0, 0);
const EVENTS: Event[] = Array.from({ length: 400 }, (_, i) => ({ k: `k${(i * 7) % 23}`, v: i % 13, d: i / 3, ms: BASE + i * 300 - (i % 5) * 200 }));

const QUERIES = [
  'SELECT k, COUNT(*) AS n, SUM(d) AS s, COUNT(DISTINCT v) AS dv FROM ev GROUP BY k',
  'SELECT k, window_start, window_end, COUNT(*) AS n FROM ev GROUP BY k, SESSION(ts, 1s) EMIT CHANGES',
  'SELECT k, window_start, window_end, COUNT(*) AS n, MAX(d) AS m FROM ev GROUP BY k, SESSION(ts, 2s)',
  'SELECT k, v, ts, prev FROM (SELECT k, v, ts, LAG(v, 2, -1) OVER (PARTITION BY k ORDER BY ts) AS prev FROM ev)',
  'SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s, COUNT(DISTINCT v) AS dv FROM ev GROUP BY k, HOP(ts, 1s, 3s)',
];

for (const query of QUERIES) {
  test(`spilling every batch with DuckDB checkpoints and crashes equals DuckDB: ${query}`, async () => {
    const sql =
      `CREATE SOURCE ev (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
      `CREATE SINK out AS ${query};`;
    const script = loadScriptText(sql, 'spill.sql', process.cwd(), new Catalog());
    const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-spill-keyed-'));
    const store = await CheckpointStore.open(dir);
    try {
      const r = await runWithCrashes(plan, EVENTS, [7, 3, 11], (n) => n % 3 === 0, [5, 9, 14, 30], { stateMemory: { bytes: 1, dir } }, store);
      assert.equal(r.crashes, 4);
      const comparisons = await compareWithOracle({ plan, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
      for (const c of comparisons) assert.ok(c.equal, renderComparison([c]));
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
