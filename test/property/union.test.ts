// Property tests of UNION ALL, the first multi-input operator: two sources (each with its own
// watermark delay, out-of-order and late rows), interleaved on a random schedule of random
// batch sizes, unioned and then windowed; random checkpoints, crashes and restores, sometimes a
// 1-byte state budget. The late rows must be exactly those the rules give (the union's watermark
// is the minimum of its inputs', restored from checkpoints), the output must equal DuckDB's
// UNION ALL over the admitted rows, and a union of updating results must be a well-formed
// changelog equal to DuckDB's answer. A failure prints the seed (SLUICE_PROPERTY_SEED replays
// it), SQL, schedule and input.

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
import { expectedUnionLate, makeSchedule, runScheduled, unionLateKeys, type UnionWindow } from './union-harness.js';
import { propertyRuns, SEED, delayArb, runShapeArb, type RunShape } from './run-shape.js';

const RUNS = propertyRuns(4);

const runArb = runShapeArb();

/** Sources a (v INT) and b (v BIGINT, d as DOUBLE too), each with its own delay, and `query` as the sink. */
function planUnion(query: string, delayA: number, delayB: number) {
  const sql =
    `CREATE SOURCE a (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delayA}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE SOURCE b (k VARCHAR, v BIGINT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delayB}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE SINK out AS ${query};`;
  const script = loadScriptText(sql, 'union.sql', process.cwd(), new Catalog());
  return { sql, plan: planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true }) };
}

/** Runs `query` over a and b on the run's schedule through crashes, and checks it against DuckDB (and the late rules, given a window). */
async function check(query: string, delays: { a: number; b: number }, inputs: { a: readonly Event[]; b: readonly Event[] }, run: RunShape, late: { window: UnionWindow; branches: Array<{ source: string; passes: (e: Event) => boolean }> } | undefined): Promise<void> {
  const { sql, plan } = planUnion(query, delays.a, delays.b);
  const schedule = makeSchedule(inputs, run.sizes, run.turns);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-union-prop-'));
  const store = run.duckdbStore ? await CheckpointStore.open(dir) : new MemoryCheckpointStore();
  const context = () =>
    `SQL:\n${sql}\nrun ${JSON.stringify(run)}\nschedule ${JSON.stringify(schedule)}\ninput a (${inputs.a.length}): ${JSON.stringify(inputs.a)}\ninput b (${inputs.b.length}): ${JSON.stringify(inputs.b)}`;
  try {
    const r = await runScheduled(plan, inputs, schedule, (n) => n % run.checkpointEvery === 0, run.crashAt, run.budget ? { stateMemory: { bytes: 1, dir } } : {}, store);
    if (late) {
      const expected = expectedUnionLate(inputs, delays, schedule, late.branches, late.window);
      assert.deepEqual(unionLateKeys(r.late), expected, `late rows differ from the rules (the union's watermark is the minimum of its inputs')\n${context()}`);
    }
    const comparisons = await compareWithOracle({ plan, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
    for (const c of comparisons) if (!c.equal) assert.fail(`union != DuckDB\n${context()}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
  } finally {
    if (store instanceof CheckpointStore) store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const WINDOWS: Record<string, UnionWindow> = {
  'TUMBLE(ts, 1s)': { kind: 'tumble', size: 1000 },
  'TUMBLE(ts, 2s)': { kind: 'tumble', size: 2000 },
  'HOP(ts, 500ms, 1500ms)': { kind: 'hop', slide: 500, size: 1500 },
  'HOP(ts, 1s, 2s)': { kind: 'hop', slide: 1000, size: 2000 },
};

/** The second branch: b, b filtered, or a again (the same source twice). */
const BRANCHES = {
  b: { sql: 'SELECT k, v, d, ts FROM b', source: 'b', passes: () => true },
  bFiltered: { sql: 'SELECT k, v, d, ts FROM b WHERE v > 10', source: 'b', passes: (e: Event) => e.v !== null && e.v > 10 },
  aAgain: { sql: "SELECT k, v, d, ts FROM a WHERE k <> 'b'", source: 'a', passes: (e: Event) => e.k !== null && e.k !== 'b' },
} as const;

test(`UNION ALL of two sources, then a window, through crashes, equals DuckDB; late rows follow the minimum watermark (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(delayArb, delayArb).chain(([da, db]) => fc.tuple(fc.constant({ a: da, b: db }), eventsArb(da), eventsArb(db))),
      fc.constantFrom(...Object.keys(WINDOWS)),
      fc.constantFrom<keyof typeof BRANCHES>('b', 'b', 'bFiltered', 'aAgain'),
      fc.boolean(),
      fc.boolean(),
      runArb,
      async ([delays, a, b], window, second, keyed, changes, run) => {
        const branch = BRANCHES[second];
        const k = keyed ? 'k, ' : '';
        const union = `SELECT k, v, d, ts FROM a UNION ALL ${branch.sql}`;
        const query = `SELECT ${k}window_start, window_end, COUNT(*) AS n, SUM(v) AS s, MAX(d) AS m, COUNT(DISTINCT v) AS dv FROM (${union}) GROUP BY ${k}${window}${changes ? ' EMIT CHANGES' : ''}`;
        const inputs = { a, b: second === 'aAgain' ? [] : b };
        await check(query, delays, inputs, run, { window: WINDOWS[window]!, branches: [{ source: 'a', passes: () => true }, branch] });
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
});

test(`UNION ALL of two updating results is a well-formed changelog equal to DuckDB, through crashes (${RUNS} cases)`, async () => {
  const QUERIES = [
    // The union itself: the same key live once per branch.
    'SELECT k, COUNT(*) AS n, SUM(v) AS s FROM a GROUP BY k UNION ALL SELECT k, COUNT(*), SUM(v) FROM b GROUP BY k',
    // A filter over it judges update pairs; a regroup retracts through it.
    'SELECT k, n FROM (SELECT k, COUNT(*) AS n, MAX(v) AS m FROM a GROUP BY k UNION ALL SELECT k, COUNT(*), MAX(v) FROM b GROUP BY k) WHERE n <> 2',
    'SELECT n, COUNT(*) AS c, SUM(s) AS total FROM (SELECT k, COUNT(*) AS n, SUM(v) AS s FROM a GROUP BY k UNION ALL SELECT k, COUNT(*), SUM(v) FROM b GROUP BY k) GROUP BY n',
    // An updating result and an append-only one.
    'SELECT k, SUM(n) AS total, COUNT(*) AS rows_in FROM (SELECT k, COUNT(*) AS n FROM a GROUP BY k UNION ALL SELECT k, 1 FROM b) GROUP BY k',
    // Windowed EMIT CHANGES on both sides.
    'SELECT k, window_start, COUNT(*) AS n FROM a GROUP BY k, TUMBLE(ts, 2s) EMIT CHANGES UNION ALL SELECT k, window_start, COUNT(*) FROM b GROUP BY k, TUMBLE(ts, 1s) EMIT CHANGES',
  ];
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(delayArb, delayArb).chain(([da, db]) => fc.tuple(fc.constant({ a: da, b: db }), eventsArb(da), eventsArb(db))),
      fc.constantFrom(...QUERIES),
      runArb,
      async ([delays, a, b], query, run) => {
        await check(query, delays, { a, b }, run, undefined);
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
});
