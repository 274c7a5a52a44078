// Property test of windows over a source without a WATERMARK (issue 12 §3.4): no window ever
// closes, so each TUMBLE/HOP/CUMULATE (GROUP BY and table-function forms) is an updating result.
// Random keys (NULL too), out-of-order and far-behind rows, duplicates, random batch sizes,
// checkpoints, crashes and restores, 1-byte state budgets: nothing may be late, the changelog
// must be well formed (-U followed by its +U), and its upsert view must equal DuckDB's answer
// over every row. A failure prints the seed (SLUICE_PROPERTY_SEED replays it), SQL and input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { Catalog } from '../../src/catalog/catalog.js';
import { loadScriptText } from '../../src/cli/load.js';
import { planSinks } from '../../src/plan/job.js';
import { compareWithOracle, renderComparison } from '../../src/oracle/index.js';
import { CheckpointStore, MemoryCheckpointStore } from '../../src/state/checkpoint.js';
import { eventsArb } from './events.js';
import { makeSchedule, runScheduled } from './union-harness.js';

const RUNS = Math.ceil(Number(process.env['SLUICE_PROPERTY_RUNS'] ?? 200) / 2);
const SEED = process.env['SLUICE_PROPERTY_SEED'] ? { seed: Number(process.env['SLUICE_PROPERTY_SEED']) } : {};

const QUERIES = [
  'SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS s, MAX(d) AS m FROM a GROUP BY k, TUMBLE(ts, 1s)',
  'SELECT window_start, window_end, window_time, COUNT(DISTINCT v) AS dv, AVG(d) AS av FROM a GROUP BY HOP(ts, 500ms, 1500ms)',
  'SELECT k, window_end, COUNT(*) AS n, MIN(v) AS lo FROM a GROUP BY k, CUMULATE(ts, 500ms, 2s)',
  'SELECT k, window_start, window_end, COUNT(*) AS n FROM a GROUP BY k, TUMBLE(ts, 1s, 250ms) HAVING COUNT(*) <> 2',
  'SELECT k, window_start, window_end, SUM(v) AS s FROM TUMBLE(a, ts, 2s) GROUP BY k, window_start, window_end',
  'SELECT window_start, window_end, COUNT(*) AS n FROM HOP(a, ts, 1s, 2s) WHERE v > 10 GROUP BY window_start, window_end',
  'SELECT k, window_start, window_end, STDDEV(d) AS sd FROM CUMULATE(a, ts, 1s, 3s) GROUP BY k, window_start, window_end',
];

const runArb = fc.record({
  sizes: fc.array(fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 25 })), { minLength: 1, maxLength: 5 }),
  checkpointEvery: fc.integer({ min: 1, max: 4 }),
  crashAt: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 3 }),
  budget: fc.boolean(),
  duckdbStore: fc.boolean(),
});

test(`windows without a watermark: updating results equal to DuckDB, nothing late, through crashes and 1-byte budgets (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(eventsArb(1000), fc.constantFrom(...QUERIES.keys()), runArb, async (events, qi, run) => {
      const query = QUERIES[qi]!;
      const sql =
        "CREATE SOURCE a (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP) WITH (connector = 'datagen', generator = 'sensors');\n" +
        `CREATE SINK out AS ${query};`;
      const script = loadScriptText(sql, 'no-watermark.sql', process.cwd(), new Catalog());
      const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true });
      const inputs = { a: events };
      const schedule = makeSchedule(inputs, run.sizes, [0]);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-nowm-prop-'));
      const store = run.duckdbStore ? await CheckpointStore.open(dir) : new MemoryCheckpointStore();
      const context = () => `SQL:\n${sql}\nrun ${JSON.stringify(run)}\ninput (${events.length}): ${JSON.stringify(events)}`;
      try {
        const r = await runScheduled(plan, inputs, schedule, (n) => n % run.checkpointEvery === 0, run.crashAt, run.budget ? { stateMemory: { bytes: 1, dir } } : {}, store);
        assert.deepEqual(r.late, [], `no row is late without a watermark\n${context()}`);
        const comparisons = await compareWithOracle({ plan, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
        for (const c of comparisons) if (!c.equal) assert.fail(`window without a watermark != DuckDB\n${context()}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
      } finally {
        if (store instanceof CheckpointStore) store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: RUNS, ...SEED },
  );
});
