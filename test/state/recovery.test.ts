// Property: checkpoints at random batches, crashes at random points (no clean shutdown) and
// restores from the last checkpoint give DuckDB's answer over the admitted rows, for windowed,
// session, non-windowed and LAG queries with DISTINCT, late rows and EMIT CHANGES. A failure
// prints the seed, the SQL, the batches, the checkpoint and crash points and the first difference.
// The same under tiny memory budgets, so window partials, LAG's waiting rows, session timers and
// keyed state (GROUP BY, sessions, LAG history) spill to the DuckDB tier on every batch, with
// checkpoints in memory or in DuckDB.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Catalog } from '../../src/catalog/catalog.js';
import { loadScriptText } from '../../src/cli/load.js';
import { planSinks } from '../../src/plan/job.js';
import { compareWithOracle, renderComparison } from '../../src/oracle/index.js';
import { runWithCrashes, type Event } from './harness.js';
import { CheckpointStore } from '../../src/state/checkpoint.js';

const RUNS = Math.ceil(Number(process.env['SLUICE_PROPERTY_RUNS'] ?? 200) / 2);
const BASE_MS = Date.UTC(2024, 4, 20, 10, 0, 0);
const DELAY = 1000;

const eventsArb = fc
  .array(
    fc.record({
      k: fc.constantFrom('a', 'b', 'c', null),
      v: fc.option(fc.integer({ min: -20, max: 60 }), { freq: 6 }),
      d: fc.option(fc.double({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }), { freq: 6 }),
      step: fc.constantFrom(0, 250, 500, 1000, 1700),
      jitter: fc.constantFrom(0, 250, 1000),
      late: fc.integer({ min: 0, max: 20 }),
    }),
    { minLength: 1, maxLength: 150 },
  )
  .map((raw) => {
    let t = 0;
    return raw.map((r): Event => {
      t += r.step;
      const ms = t - r.jitter - (r.late === 0 ? 6000 : 0);
      return { k: r.k, v: r.v, d: r.d, ms: BASE_MS + ms };
    });
  });

const QUERIES = [
  'SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s, COUNT(DISTINCT v) AS dv, MAX(d) AS m FROM ev GROUP BY k, TUMBLE(ts, 2s)',
  'SELECT k, window_start, COUNT(*) AS n, AVG(d) AS a FROM ev GROUP BY k, HOP(ts, 1s, 3s)',
  'SELECT k, window_start, window_end, COUNT(*) AS n, MIN(v) AS lo, STDDEV(d) AS sd FROM ev GROUP BY k, SESSION(ts, 1500ms)',
  'SELECT k, window_start, window_end, COUNT(*) AS n FROM ev GROUP BY k, SESSION(ts, 1s) EMIT CHANGES',
  'SELECT k, window_start, SUM(v) AS s FROM ev GROUP BY k, TUMBLE(ts, 2s) EMIT CHANGES',
  'SELECT k, COUNT(*) AS n, SUM(d) AS s, COUNT(DISTINCT v) AS dv FROM ev GROUP BY k',
  'SELECT n, COUNT(*) AS c FROM (SELECT k, COUNT(*) AS n FROM ev GROUP BY k) GROUP BY n',
  'SELECT k, v, ts, prev FROM (SELECT k, v, ts, LAG(v, 2, -1) OVER (PARTITION BY k ORDER BY ts) AS prev FROM ev)',
];

test(`random checkpoints, crashes and restores equal DuckDB (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      eventsArb,
      fc.constantFrom(...QUERIES),
      fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 4 }),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
      fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 0, maxLength: 5 }),
      async (events, query, batches, ckptPattern, crashAt) => {
        const sql =
          `CREATE SOURCE ev (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${DELAY}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
          `CREATE SINK out AS ${query};`;
        const script = loadScriptText(sql, 'recovery.sql', process.cwd(), new Catalog());
        const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true });
        const r = await runWithCrashes(plan, events, batches, (n) => ckptPattern[n % ckptPattern.length]!, crashAt);
        const comparisons = await compareWithOracle({ plan, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
        for (const c of comparisons) {
          if (!c.equal) {
            assert.fail(
              `after ${r.crashes} crashes and ${r.restores} restores, streaming != DuckDB\nSQL:\n${sql}\nbatch sizes: ${batches.join(',')}, checkpoint pattern: ${ckptPattern.map(Number).join('')}, crashes after batches: ${crashAt.join(',')}\n` +
                `input (${events.length} events): ${JSON.stringify(events.slice(0, 60))}\n${renderComparison([c])}`,
            );
          }
        }
      },
    ),
    { numRuns: RUNS, ...(process.env['SLUICE_PROPERTY_SEED'] ? { seed: Number(process.env['SLUICE_PROPERTY_SEED']) } : {}) },
  );
});

const SPILL_QUERIES = [
  'SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s, COUNT(DISTINCT v) AS dv, MAX(d) AS m, AVG(d) AS a FROM ev GROUP BY k, TUMBLE(ts, 2s)',
  'SELECT k, window_start, COUNT(*) AS n, STDDEV(d) AS sd, MIN(v) AS lo FROM ev GROUP BY k, HOP(ts, 1s, 3s)',
  'SELECT window_start, COUNT(DISTINCT k) AS keys, SUM(d) AS s FROM ev GROUP BY TUMBLE(ts, 1s)',
  'SELECT k, COUNT(*) AS n, SUM(d) AS s, COUNT(DISTINCT v) AS dv FROM ev GROUP BY k',
  'SELECT n, COUNT(*) AS c FROM (SELECT k, COUNT(*) AS n FROM ev GROUP BY k) GROUP BY n',
  'SELECT k, window_start, window_end, COUNT(*) AS n, MIN(v) AS lo, STDDEV(d) AS sd FROM ev GROUP BY k, SESSION(ts, 1500ms)',
  'SELECT k, window_start, window_end, COUNT(*) AS n FROM ev GROUP BY k, SESSION(ts, 1s) EMIT CHANGES',
  'SELECT k, v, ts, prev FROM (SELECT k, v, ts, LAG(v, 2, -1) OVER (PARTITION BY k ORDER BY ts) AS prev FROM ev)',
  'SELECT k, window_start, n FROM (SELECT k, window_start, window_end, COUNT(*) AS n FROM ev GROUP BY k, TUMBLE(ts, 1s)) GROUP BY k, window_start, n',
];

test(`a tiny memory budget (spill on every batch), with crashes and restores, equals DuckDB (${Math.ceil(RUNS / 2)} cases)`, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-spill-'));
  await fc.assert(
    fc.asyncProperty(
      eventsArb,
      fc.constantFrom(...SPILL_QUERIES),
      fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 4 }),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
      fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 0, maxLength: 3 }),
      fc.constantFrom(1, 400, 4000),
      fc.boolean(),
      async (events, query, batches, ckptPattern, crashAt, budget, durable) => {
        const sql =
          `CREATE SOURCE ev (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${DELAY}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
          `CREATE SINK out AS ${query};`;
        const script = loadScriptText(sql, 'spill.sql', process.cwd(), new Catalog());
        const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true });
        // durable: checkpoints in a DuckDB store, which keeps spilled rows in its own tables.
        const store = durable ? await CheckpointStore.open(mkdtempSync(path.join(dir, 'ckpt-'))) : undefined;
        let r;
        try {
          r = await runWithCrashes(plan, events, batches, (n) => ckptPattern[n % ckptPattern.length]!, crashAt, { stateMemory: { bytes: budget, dir } }, store);
        } finally {
          store?.close();
        }
        const comparisons = await compareWithOracle({ plan, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
        for (const c of comparisons) {
          if (!c.equal) {
            assert.fail(
              `budget ${budget} B, ${durable ? 'DuckDB' : 'memory'} checkpoints, ${r.crashes} crashes: streaming != DuckDB\nSQL:\n${sql}\nbatch sizes: ${batches.join(',')}, checkpoint pattern: ${ckptPattern.map(Number).join('')}, crashes after batches: ${crashAt.join(',')}\n` +
                `input (${events.length} events): ${JSON.stringify(events.slice(0, 60))}\n${renderComparison([c])}`,
            );
          }
        }
      },
    ),
    { numRuns: Math.ceil(RUNS / 2), ...(process.env['SLUICE_PROPERTY_SEED'] ? { seed: Number(process.env['SLUICE_PROPERTY_SEED']) } : {}) },
  );
});
