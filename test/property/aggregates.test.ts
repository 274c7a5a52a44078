// Property tests of the aggregates of issue 13 (FIRST_VALUE ... APPROX_QUANTILE) against DuckDB's
// functions of the same name (oracle/expr-sql.ts): random events (out of order within the
// watermark delay, late beyond it, duplicates, NULLs, many ties in event time and in value),
// every window kind and no window, EMIT FINAL and CHANGES, TUMBLE and HOP over a source
// without a watermark (windows that never close), random batch sizes, checkpoints,
// crashes and restores, sometimes a 1-byte state budget (every batch spills and partials merge
// back). A second test regroups an updating result, so the accumulators retract; its output
// must be a well-formed changelog (compareWithOracle checks it). A failure prints the seed
// (SLUICE_PROPERTY_SEED replays it), SQL, run shape and input.

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
import { eventsArb, type Event } from './events.js';
import { makeSchedule, runScheduled } from './union-harness.js';
import { propertyRuns, SEED, delayArb, runShapeArb, type RunShape } from './run-shape.js';

const RUNS = propertyRuns(4);

/** Over the append-only source: every new aggregate, some twice with other argument types. */
const AGGS = [
  'FIRST_VALUE(v)',
  'LAST_VALUE(d)',
  'FIRST_VALUE(k)',
  'LATEST_BY_OFFSET(v)',
  'ARG_MIN(k, v)',
  'ARG_MAX(v, d)',
  'MAX_BY(k, v)',
  'MIN_BY(d, k)',
  "STRING_AGG(k, '-')",
  "LISTAGG(CAST(v AS VARCHAR), ', ')",
  'ARRAY_AGG(v)',
  'ARRAY_AGG(k)',
  'BOOL_AND(v > 10)',
  'BOOL_OR(d < 0)',
  'VAR_POP(d)',
  'VAR_SAMP(v)',
  'VARIANCE(d)',
  'STDDEV_POP(v)',
  'APPROX_COUNT_DISTINCT(v)',
  'APPROX_COUNT_DISTINCT(k)',
  'MEDIAN(d)',
  'MEDIAN(DISTINCT v)',
  'QUANTILE_CONT(v, 0.25)',
  'PERCENTILE_CONT(0.3) WITHIN GROUP (ORDER BY d DESC)',
  'PERCENTILE_CONT(0.6) WITHIN GROUP (ORDER BY v)',
  'APPROX_QUANTILE(d, 0.5)',
  'APPROX_QUANTILE(v, 0.75)',
];

const WINDOWS = ['', 'TUMBLE(ts, 1s)', 'TUMBLE(ts, 2s)', 'HOP(ts, 500ms, 1500ms)', 'HOP(ts, 1s, 3s)', 'SESSION(ts, 700ms)', 'CUMULATE(ts, 1s, 3s)'];

/** `delay` undefined: a source without a WATERMARK (windows never close and update). */
function plan(query: string, delay: number | undefined) {
  const watermark = delay === undefined ? '' : `, WATERMARK FOR ts AS ts - INTERVAL '${delay}' MILLISECOND`;
  const sql =
    `CREATE SOURCE a (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP${watermark}) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE SINK out AS ${query};`;
  const script = loadScriptText(sql, 'aggregates.sql', process.cwd(), new Catalog());
  return { sql, plan: planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true }) };
}

async function check(query: string, delay: number | undefined, events: readonly Event[], run: RunShape): Promise<void> {
  const { sql, plan: p } = plan(query, delay);
  const inputs = { a: events };
  const schedule = makeSchedule(inputs, run.sizes, run.turns);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-aggs-prop-'));
  const store = run.duckdbStore ? await CheckpointStore.open(dir) : new MemoryCheckpointStore();
  const context = () => `SQL:\n${sql}\nrun ${JSON.stringify(run)}\ninput (${events.length}): ${JSON.stringify(events)}`;
  try {
    const r = await runScheduled(p, inputs, schedule, (n) => n % run.checkpointEvery === 0, run.crashAt, run.budget ? { stateMemory: { bytes: 1, dir } } : {}, store);
    const comparisons = await compareWithOracle({ plan: p, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
    for (const c of comparisons) if (!c.equal) assert.fail(`aggregates != DuckDB\n${context()}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
  } finally {
    if (store instanceof CheckpointStore) store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test(`the new aggregates over every window kind and none, through crashes and spills, equal DuckDB (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(delayArb, fc.boolean()).chain(([delay, ties]) => fc.tuple(fc.constant(delay), eventsArb(delay, ties))),
      fc.constantFrom(...WINDOWS),
      fc.subarray(AGGS, { minLength: 1, maxLength: 6 }),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
      runShapeArb(),
      async ([delay, events], window, aggs, keyed, changes, watermark, run) => {
        const k = keyed ? 'k, ' : '';
        const bounds = window === '' ? '' : 'window_start, window_end, ';
        const groupBy = [...(keyed ? ['k'] : []), ...(window === '' ? [] : [window])];
        // Without a watermark (TUMBLE and HOP only), windows never close: EMIT CHANGES.
        const noWatermark = !watermark && (window.startsWith('TUMBLE') || window.startsWith('HOP'));
        const emit = window !== '' && (changes || noWatermark) ? ' EMIT CHANGES' : '';
        const query = `SELECT ${k}${bounds}COUNT(*) AS n, ${aggs.map((a, i) => `${a} AS a${i}`).join(', ')} FROM a${groupBy.length > 0 ? ` GROUP BY ${groupBy.join(', ')}` : ''}${emit}`;
        await check(query, noWatermark ? undefined : delay, events, run);
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
});

/** Over an updating result: the accumulators see -U/+U pairs and retract. */
const RETRACTING = [
  'ARG_MIN(k, s)',
  'ARG_MAX(k, s)',
  'MIN_BY(s, k)',
  'MEDIAN(s)',
  'MEDIAN(DISTINCT n)',
  'QUANTILE_CONT(s, 0.75)',
  'PERCENTILE_CONT(0.2) WITHIN GROUP (ORDER BY s DESC)',
  'APPROX_QUANTILE(s, 0.5)',
  'BOOL_AND(s > 20)',
  'BOOL_OR(n > 2)',
  'VAR_POP(s)',
  'VAR_SAMP(s)',
  'STDDEV_POP(m)',
];

test(`the new aggregates over an updating input retract exactly: a well-formed changelog equal to DuckDB, through crashes (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(delayArb, fc.boolean()).chain(([delay, ties]) => fc.tuple(fc.constant(delay), eventsArb(delay, ties))),
      fc.subarray(RETRACTING, { minLength: 1, maxLength: 5 }),
      fc.constantFrom('n', '', 'n > 1'),
      runShapeArb(),
      async ([delay, events], aggs, key, run) => {
        const inner = 'SELECT k, COUNT(*) AS n, SUM(v) AS s, MAX(d) AS m FROM a GROUP BY k';
        const keyCol = key === '' ? '' : `${key} AS g, `;
        const query = `SELECT ${keyCol}COUNT(*) AS c, ${aggs.map((a, i) => `${a} AS a${i}`).join(', ')} FROM (${inner})${key === '' ? '' : ` GROUP BY ${key}`}`;
        await check(query, delay, events, run);
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
});

/** Exact quantile_disc: the value at rank ceil(q * n) - 1 of the sorted values. */
function quantileDisc(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)]!;
}

test(`the sketches past their exact thresholds, through crashes and 1-byte budgets, stay within their documented error (${Math.ceil(RUNS / 5)} cases)`, async () => {
  const BASE = Date.UTC(2024, 4, 20, 10, 0, 0);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), runShapeArb(), async (seed, run) => {
      // 3,000 rows in two 10 s windows: about 1,300 to 1,700 distinct v each (HyperLogLog registers),
      // d over six orders of magnitude and both signs (DDSketch buckets), 200 ms out of order.
      let x = seed;
      const rand = (): number => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return (x >>> 0) / 2 ** 32;
      };
      const events: Event[] = Array.from({ length: 3000 }, (_, i) => ({ k: 'a', v: i, d: (rand() - 0.2) * 10 ** Math.floor(rand() * 6), ms: BASE + 200 + i * 6 - Math.floor(rand() * 200) }));
      const query = 'SELECT window_start, COUNT(*) AS n, APPROX_COUNT_DISTINCT(v) AS dv, APPROX_QUANTILE(d, 0.9) AS p90, APPROX_QUANTILE(d, 0.1) AS p10 FROM a GROUP BY TUMBLE(ts, 10s)';
      const { plan: p } = plan(query, 500);
      const big = { ...run, sizes: run.sizes.map((s) => s * 40) };
      const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-aggs-sketch-'));
      try {
        const r = await runScheduled(p, { a: events }, makeSchedule({ a: events }, big.sizes, big.turns), (n) => n % run.checkpointEvery === 0, run.crashAt, run.budget ? { stateMemory: { bytes: 1, dir } } : {}, new MemoryCheckpointStore());
        assert.equal(r.late.length, 0, 'nothing is late');
        const out = [...r.sinkOutputs.values()][0]!;
        assert.equal(out.rows.length, 2);
        for (const row of out.rows) {
          const start = row[0] as number;
          const inWindow = events.filter((e) => e.ms * 1000 >= start && e.ms * 1000 < start + 10_000_000);
          assert.equal(row[1], inWindow.length);
          const dv = row[2] as number;
          assert.ok(Math.abs(dv - inWindow.length) <= 4 * 0.0163 * inWindow.length, `APPROX_COUNT_DISTINCT ${dv} of ${inWindow.length} (seed ${seed})`);
          const ds = inWindow.map((e) => e.d!);
          for (const [at, q] of [[3, 0.9], [4, 0.1]] as const) {
            const want = quantileDisc(ds, q);
            assert.ok(Math.abs((row[at] as number) - want) <= 0.01 * Math.abs(want), `APPROX_QUANTILE(d, ${q}) ${row[at]} vs ${want} (seed ${seed}, run ${JSON.stringify(run)})`);
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: Math.ceil(RUNS / 5), ...SEED },
  );
});
