// Property tests of the over-window functions: LAG/LEAD (also over ORDER BY ts DESC),
// FIRST_VALUE/LAST_VALUE and SUM/AVG/MIN/MAX/COUNT over ROWS, RANGE and UNBOUNDED frames (and
// SQL's default frame), several in one SELECT, over one source with out-of-order, late,
// duplicate and NULL rows and many ties in event time, on a random schedule of random batch
// sizes, with random checkpoints, crashes and restores and sometimes a 1-byte state budget
// (every partition and waiting row spills). Late rows must be exactly those behind the
// watermark, and the output must equal DuckDB's window functions of the same names over the
// admitted rows, ties ordered by arrival. A failure prints the seed (SLUICE_PROPERTY_SEED
// replays it), SQL, schedule and input.

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
import { makeSchedule, runScheduled, unionLateKeys, type Step } from './union-harness.js';
import { propertyRuns, SEED, delayArb, runShapeArb, type RunShape } from './run-shape.js';

const RUNS = propertyRuns(4);

const W = 'PARTITION BY k ORDER BY ts';

/** Each query reads `a` (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP). */
export const OVER_QUERIES: readonly string[] = [
  // LEAD: a row waits for its following rows (or takes its default at the end).
  `SELECT k, v, ts, LEAD(v) OVER (${W}) AS nx, LEAD(d, 2, -1.5) OVER (${W}) AS nx2 FROM a`,
  // DESC: LAG DESC is LEAD ASC and the reverse.
  `SELECT k, v, ts, LAG(v, 1, 0) OVER (PARTITION BY k ORDER BY ts DESC) AS nx, LEAD(v) OVER (PARTITION BY k ORDER BY ts DESC) AS pv FROM a`,
  // Frames over rows: moving sums and averages, FIRST/LAST_VALUE of the last 2.
  `SELECT k, v, d, ts, SUM(v) OVER (${W} ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s3, AVG(d) OVER (${W} ROWS 4 PRECEDING) AS a5, COUNT(*) OVER (${W} ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS c2, FIRST_VALUE(v) OVER (${W} ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS f3, LAST_VALUE(d) OVER (${W} ROWS 3 PRECEDING) AS l FROM a`,
  // Frames over time: peers included.
  `SELECT k, v, ts, MIN(v) OVER (${W} RANGE BETWEEN INTERVAL '1' SECOND PRECEDING AND CURRENT ROW) AS mn, MAX(d) OVER (${W} RANGE BETWEEN INTERVAL '500' MILLISECOND PRECEDING AND CURRENT ROW) AS mx, COUNT(v) OVER (${W} RANGE BETWEEN INTERVAL '1' SECOND PRECEDING AND CURRENT ROW) AS c, FIRST_VALUE(v) OVER (${W} RANGE BETWEEN INTERVAL '1' SECOND PRECEDING AND CURRENT ROW) AS f, LAST_VALUE(v) OVER (${W} RANGE BETWEEN CURRENT ROW AND CURRENT ROW) AS l FROM a`,
  // UNBOUNDED PRECEDING, ROWS and RANGE, and the default frame (RANGE UNBOUNDED PRECEDING).
  `SELECT k, v, ts, SUM(v) OVER (${W}) AS s, COUNT(*) OVER (${W}) AS c, MAX(v) OVER (${W} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS m, AVG(d) OVER (${W} RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS av, FIRST_VALUE(d) OVER (${W}) AS f, LAST_VALUE(v) OVER (${W}) AS l FROM a`,
  // Everything at once, LAG and LEAD included, then a filter on the results.
  `SELECT * FROM (SELECT k, v, ts, LAG(v) OVER (${W}) AS pv, LEAD(v, 1, 0) OVER (${W}) AS nx, AVG(v) OVER (${W} ROWS 2 PRECEDING) AS av, SUM(d) OVER (${W} RANGE BETWEEN INTERVAL '2' SECOND PRECEDING AND CURRENT ROW) AS sd FROM a) WHERE nx > pv OR av IS NULL`,
  // No PARTITION BY, and an expression partition.
  `SELECT k, v, ts, SUM(v) OVER (ORDER BY ts ROWS 3 PRECEDING) AS s, LEAD(k) OVER (ORDER BY ts) AS nk FROM a`,
  `SELECT k, v, ts, COUNT(*) OVER (PARTITION BY v % 3 ORDER BY ts RANGE BETWEEN INTERVAL '750' MILLISECOND PRECEDING AND CURRENT ROW) AS c, LAG(k, 2) OVER (PARTITION BY v % 3 ORDER BY ts) AS pk FROM a`,
];

function planOver(query: string, delay: number) {
  const sql =
    `CREATE SOURCE a (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delay}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE SINK out AS ${query};`;
  const script = loadScriptText(sql, 'over.sql', process.cwd(), new Catalog());
  return { sql, plan: planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true }) };
}

/** Late rows by brute force: behind the source's watermark (largest event time so far minus the delay) as it arrives. */
function expectedLate(events: readonly Event[], delay: number, schedule: readonly Step[]): string[] {
  let max = -Infinity;
  const out: string[] = [];
  let seq = 0;
  for (const step of schedule) {
    for (let i = 0; i < step.size && seq < events.length; i++, seq++) {
      const e = events[seq]!;
      if (e.ms < max - delay) out.push(`a:${seq}`);
      max = Math.max(max, e.ms);
    }
  }
  return out.sort();
}

export async function checkOver(query: string, delay: number, events: readonly Event[], run: RunShape): Promise<void> {
  const { sql, plan } = planOver(query, delay);
  const inputs = { a: events };
  const schedule = makeSchedule(inputs, run.sizes, run.turns);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-over-prop-'));
  const store = run.duckdbStore ? await CheckpointStore.open(dir) : new MemoryCheckpointStore();
  const context = () => `SQL:\n${sql}\nrun ${JSON.stringify(run)}\nschedule ${JSON.stringify(schedule)}\ninput (${events.length}): ${JSON.stringify(events)}`;
  try {
    const r = await runScheduled(plan, inputs, schedule, (n) => n % run.checkpointEvery === 0, run.crashAt, run.budget ? { stateMemory: { bytes: 1, dir } } : {}, store);
    assert.deepEqual(unionLateKeys(r.late), expectedLate(events, delay, schedule), `late rows differ from the rule (behind the watermark)\n${context()}`);
    const comparisons = await compareWithOracle({ plan, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
    for (const c of comparisons) if (!c.equal) assert.fail(`over-window != DuckDB\n${context()}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
  } finally {
    if (store instanceof CheckpointStore) store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const inputsArb = fc.tuple(delayArb, fc.boolean()).chain(([delay, ties]) => fc.tuple(fc.constant(delay), eventsArb(delay, ties)));

test(`over-window functions (LAG/LEAD, DESC, FIRST/LAST_VALUE, ROWS/RANGE/UNBOUNDED frames) through crashes and spills equal DuckDB; late rows follow the watermark (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(inputsArb, fc.integer({ min: 0, max: OVER_QUERIES.length - 1 }), runShapeArb(), async ([delay, events], q, run) => {
      await checkOver(OVER_QUERIES[q]!, delay, events, run);
    }),
    { numRuns: RUNS, ...SEED },
  );
});

test(`over-window functions with many ties in event time and a 1-byte budget equal DuckDB, ties in arrival order (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      delayArb.chain((delay) => fc.tuple(fc.constant(delay), eventsArb(delay, true))),
      fc.integer({ min: 0, max: OVER_QUERIES.length - 1 }),
      runShapeArb().map((r) => ({ ...r, budget: true })),
      async ([delay, events], q, run) => {
        await checkOver(OVER_QUERIES[q]!, delay, events, run);
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
});
