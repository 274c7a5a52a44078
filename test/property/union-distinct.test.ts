// Property tests of UNION (distinct): two sources (own watermark delays, out-of-order, late,
// duplicate and NULL rows), on a random schedule of random batch sizes, through random
// checkpoints, crashes, restores and 1-byte state budgets. Append-only without an event time
// (first occurrence, state kept), with one (rows forgotten behind the union's watermark: the late
// rows must be exactly those behind the minimum of the inputs' watermarks as they arrive), over
// updating results (a count per row, +I/-D), mixed chains with UNION ALL, windows before and after
// it, a GROUP BY after it. The output must be a well-formed changelog equal to DuckDB's
// SELECT DISTINCT over the UNION ALL of the admitted rows. A failure prints the seed
// (SLUICE_PROPERTY_SEED replays it), SQL, schedule and input.

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
import { expectedUnionLate, makeSchedule, runScheduled, unionLateKeys } from './union-harness.js';
import { propertyRuns, SEED, delayArb, runShapeArb, type RunShape } from './run-shape.js';

const RUNS = propertyRuns(2);

const runArb = runShapeArb();

/**
 * Each query and its late rows: 'none' (nothing is late), 'distinct' (exactly the rows behind
 * the minimum of a's and b's watermarks, as the union forgets rows there), or 'window' (a window
 * upstream drops rows: checked by the oracle only).
 */
const QUERIES: ReadonlyArray<{ sql: string; late: 'none' | 'distinct' | 'window' }> = [
  { sql: 'SELECT k, v FROM a UNION SELECT k, v FROM b', late: 'none' },
  { sql: 'SELECT d FROM a UNION DISTINCT SELECT d FROM b', late: 'none' },
  { sql: 'SELECT k, ts FROM a UNION SELECT k, ts FROM b', late: 'distinct' },
  { sql: 'SELECT k, v, ts FROM a UNION SELECT k, v, ts FROM b UNION ALL SELECT k, v, ts FROM b', late: 'distinct' },
  { sql: 'SELECT k FROM a UNION ALL SELECT k FROM b UNION SELECT k FROM a WHERE v > 10', late: 'none' },
  // A window after it: rows it passes are at or after its watermark, so the window drops none.
  { sql: 'SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s FROM (SELECT k, v, ts FROM a UNION SELECT k, v, ts FROM b) GROUP BY k, TUMBLE(ts, 1s)', late: 'distinct' },
  // Updating inputs: a count per distinct row, -D when its last copy goes; then a GROUP BY over it.
  { sql: 'SELECT k, COUNT(*) AS n FROM a GROUP BY k UNION SELECT k, COUNT(*) AS n FROM b GROUP BY k', late: 'none' },
  { sql: 'SELECT n, COUNT(*) AS keys FROM (SELECT k, COUNT(*) AS n FROM a GROUP BY k UNION SELECT k, COUNT(*) AS n FROM b GROUP BY k) GROUP BY n', late: 'none' },
  // Windowed inputs over their window columns: rows forgotten as their windows' results pass.
  {
    sql: 'SELECT k, window_start, window_time FROM (SELECT k, window_start, window_time, COUNT(*) AS n FROM a GROUP BY k, TUMBLE(ts, 1s)) UNION SELECT k, window_start, window_time FROM (SELECT k, window_start, window_time, MAX(v) AS m FROM b GROUP BY k, TUMBLE(ts, 1s))',
    late: 'window',
  },
];

function planDistinct(query: string, delayA: number, delayB: number) {
  const sql =
    `CREATE SOURCE a (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delayA}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE SOURCE b (k VARCHAR, v BIGINT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delayB}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE SINK out AS ${query};`;
  const script = loadScriptText(sql, 'union.sql', process.cwd(), new Catalog());
  return { sql, plan: planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true }) };
}

async function check(query: (typeof QUERIES)[number], delays: { a: number; b: number }, inputs: { a: readonly Event[]; b: readonly Event[] }, run: RunShape): Promise<void> {
  const { sql, plan } = planDistinct(query.sql, delays.a, delays.b);
  const schedule = makeSchedule(inputs, run.sizes, run.turns);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-distinct-prop-'));
  const store = run.duckdbStore ? await CheckpointStore.open(dir) : new MemoryCheckpointStore();
  const context = () =>
    `SQL:\n${sql}\nrun ${JSON.stringify(run)}\nschedule ${JSON.stringify(schedule)}\ninput a (${inputs.a.length}): ${JSON.stringify(inputs.a)}\ninput b (${inputs.b.length}): ${JSON.stringify(inputs.b)}`;
  try {
    const r = await runScheduled(plan, inputs, schedule, (n) => n % run.checkpointEvery === 0, run.crashAt, run.budget ? { stateMemory: { bytes: 1, dir } } : {}, store);
    if (query.late === 'none') assert.deepEqual(unionLateKeys(r.late), [], `nothing is late\n${context()}`);
    if (query.late === 'distinct') {
      // Late for the union: behind the minimum of both inputs' watermarks (a 1 ms window's end is t + 1 <= W, i.e. t < W).
      const branches = [{ source: 'a', passes: () => true }, { source: 'b', passes: () => true }];
      const expected = expectedUnionLate(inputs, delays, schedule, branches, { kind: 'tumble', size: 1 });
      assert.deepEqual(unionLateKeys(r.late), expected, `late rows differ from the rule (behind the union's watermark)\n${context()}`);
    }
    const comparisons = await compareWithOracle({ plan, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
    for (const c of comparisons) if (!c.equal) assert.fail(`UNION != DuckDB\n${context()}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
  } finally {
    if (store instanceof CheckpointStore) store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test(`UNION (distinct) of streams, event-timed streams, windowed and updating results, through crashes and spills, equals DuckDB's SELECT DISTINCT; late rows follow the union's watermark (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(delayArb, delayArb, fc.boolean(), fc.boolean()).chain(([da, db, ta, tb]) => fc.tuple(fc.constant({ a: da, b: db }), eventsArb(da, ta), eventsArb(db, tb))),
      fc.integer({ min: 0, max: QUERIES.length - 1 }),
      runArb,
      async ([delays, a, b], q, run) => {
        await check(QUERIES[q]!, delays, { a, b }, run);
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
});
