// Property tests of GROUPING SETS, ROLLUP and CUBE against DuckDB's: random events (out of order
// within the watermark delay, late beyond it, duplicates, NULL keys, so a NULL key meets a
// rolled-up NULL), random sets over a windowed (TUMBLE, HOP, CUMULATE, in GROUP BY or as table
// functions; EMIT FINAL and CHANGES) or unwindowed (updating) aggregate, the latter also over an
// updating input (retractions undo each set's group), on random batch sizes,
// through random checkpoints, crashes, restores and 1-byte state budgets. The output must be a
// well-formed changelog equal to DuckDB's GROUP BY GROUPING SETS over the admitted rows, with
// GROUPING() equal to DuckDB's, and the late rows exactly those the README's rule names. A
// failure prints the seed (SLUICE_PROPERTY_SEED replays it), SQL, schedule and input.

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
import { expectedLate, type RefWindow } from './late-reference.js';
import { makeSchedule, runScheduled, unionLateKeys } from './union-harness.js';
import { propertyRuns, SEED, delayArb, runShapeArb, type RunShape } from './run-shape.js';

const RUNS = propertyRuns(2);

/** Two keys: k (NULL in some rows) and `v > 20` (NULL where v is). */
const GROUPINGS = ['GROUPING SETS ((k, v > 20), (k), ())', 'ROLLUP(k, v > 20)', 'CUBE(k, v > 20)', 'k, ROLLUP(v > 20)', 'GROUPING SETS ((k), (v > 20))', 'ROLLUP(k)'];
const AGGS = ['COUNT(*)', 'SUM(v)', 'MIN(d)', 'MAX(k)', 'AVG(d)', 'COUNT(DISTINCT v)'];

const windowArb = fc.oneof(
  fc.record({ kind: fc.constant('tumble' as const), size: fc.constantFrom(1000, 2000) }),
  fc.record({ kind: fc.constant('hop' as const), slide: fc.constant(1000), size: fc.constantFrom(2000, 3000) }),
  fc.record({ kind: fc.constant('cumulate' as const), step: fc.constant(500), size: fc.constantFrom(1000, 2000) }),
  fc.record({ kind: fc.constant('tvf' as const), size: fc.constantFrom(1000, 2000), fn: fc.constantFrom('TUMBLE', 'HOP', 'CUMULATE') }),
  fc.record({ kind: fc.constant('none' as const) }),
  // Over an updating input: every change of the inner result retracts from each set's group.
  fc.record({ kind: fc.constant('changelog' as const) }),
);

const queryArb = fc.record({
  window: windowArb,
  grouping: fc.constantFrom(...GROUPINGS),
  aggs: fc.subarray(AGGS, { minLength: 1, maxLength: 3 }),
  filter: fc.constantFrom('', '', 'WHERE d IS NULL OR d < 500'),
  having: fc.constantFrom('', '', ' HAVING COUNT(*) > 1'),
  changes: fc.boolean(),
  /** Select GROUPING(...) (else rolled-up rows and NULL-key rows look alike, and only their counts tell them apart). */
  grouping_fn: fc.boolean(),
});

type QueryShape = typeof queryArb extends fc.Arbitrary<infer T> ? T : never;

function buildSql(q: QueryShape, delayMs: number): string {
  const source = `CREATE SOURCE a (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delayMs}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');`;
  const w = q.window;
  let from = 'a';
  let win = '';
  if (w.kind === 'tumble') win = `TUMBLE(ts, ${w.size}ms), `;
  if (w.kind === 'hop') win = `HOP(ts, ${w.slide}ms, ${w.size}ms), `;
  if (w.kind === 'cumulate') win = `CUMULATE(ts, ${w.step}ms, ${w.size}ms), `;
  if (w.kind === 'tvf') {
    // HOP slides by half the size, CUMULATE steps by a quarter.
    from = w.fn === 'HOP' ? `HOP(a, ts, ${w.size / 2}ms, ${w.size}ms)` : w.fn === 'CUMULATE' ? `CUMULATE(a, ts, ${w.size / 4}ms, ${w.size}ms)` : `TUMBLE(a, ts, ${w.size}ms)`;
    win = 'window_start, window_end, ';
  }
  if (w.kind === 'changelog') from = '(SELECT k, MAX(v) AS v, MIN(d) AS d, COUNT(*) AS n FROM a GROUP BY k)';
  const windowCols = w.kind === 'none' || w.kind === 'changelog' ? '' : 'window_start, window_end, ';
  const keys = q.grouping.includes('v > 20') ? 'k, v > 20 AS hi, ' : 'k, ';
  const fns = q.grouping_fn ? (q.grouping.includes('v > 20') ? 'GROUPING(k) AS gk, GROUPING_ID(k, v > 20) AS g2, ' : 'GROUPING(k) AS gk, ') : '';
  const aggs = q.aggs.map((x, i) => `${x} AS a${i}`).join(', ');
  const emit = w.kind !== 'none' && w.kind !== 'changelog' && q.changes ? ' EMIT CHANGES' : '';
  return `${source}\nCREATE SINK out AS SELECT ${keys}${windowCols}${fns}${aggs} FROM ${from} ${q.filter} GROUP BY ${win}${q.grouping}${q.having}${emit};`;
}

const FILTERS: Record<string, (e: Event) => boolean> = { '': () => true, 'WHERE d IS NULL OR d < 500': (e) => e.d === null || e.d < 500 };

function refWindow(q: QueryShape): RefWindow | undefined {
  const w = q.window;
  if (w.kind === 'tvf' && w.fn === 'HOP') return { kind: 'hop', slide: w.size / 2, size: w.size };
  if (w.kind === 'tvf' && w.fn === 'CUMULATE') return { kind: 'cumulate', step: w.size / 4, size: w.size };
  if (w.kind === 'tumble' || w.kind === 'tvf') return { kind: 'tumble', size: w.size };
  if (w.kind === 'hop') return { kind: 'hop', slide: w.slide, size: w.size };
  if (w.kind === 'cumulate') return { kind: 'cumulate', step: w.step, size: w.size };
  return undefined;
}

async function check(q: QueryShape, delay: number, events: readonly Event[], run: RunShape): Promise<void> {
  const sql = buildSql(q, delay);
  const script = loadScriptText(sql, 'grouping.sql', process.cwd(), new Catalog());
  const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true });
  const inputs = { a: events };
  const schedule = makeSchedule(inputs, run.sizes, run.turns);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-grouping-prop-'));
  const store = run.duckdbStore ? await CheckpointStore.open(dir) : new MemoryCheckpointStore();
  const context = () => `SQL:\n${sql}\nrun ${JSON.stringify(run)}\nschedule ${JSON.stringify(schedule)}\ninput (${events.length}): ${JSON.stringify(events)}`;
  try {
    const r = await runScheduled(plan, inputs, schedule, (n) => n % run.checkpointEvery === 0, run.crashAt, run.budget ? { stateMemory: { bytes: 1, dir } } : {}, store);
    const rw = refWindow(q);
    const expected = rw === undefined ? [] : expectedLate(events, delay, rw, FILTERS[q.filter]!, true).map((s) => `a:${s}`);
    assert.deepEqual(unionLateKeys(r.late), expected, `late rows differ from the rule (each late row reported once, whatever the number of sets)\n${context()}`);
    const comparisons = await compareWithOracle({ plan, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
    for (const c of comparisons) if (!c.equal) assert.fail(`grouping sets != DuckDB\n${context()}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
  } finally {
    if (store instanceof CheckpointStore) store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test(`GROUPING SETS, ROLLUP and CUBE over windows (final and changes) and unwindowed, through crashes and 1-byte budgets, equal DuckDB's; NULL keys stay apart from rolled-up NULLs (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      delayArb.chain((d) => fc.tuple(fc.constant(d), eventsArb(d))),
      queryArb,
      runShapeArb(),
      async ([delay, events], q, run) => {
        await check(q, delay, events, run);
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
});

test('a NULL key and the rolled-up NULL of the same window are two rows, told apart by GROUPING', async () => {
  const t = Date.UTC(2024, 4, 20, 10, 0, 0);
  const events: Event[] = [
    { k: null, v: 1, d: null, ms: t + 100 },
    { k: 'a', v: 2, d: null, ms: t + 200 },
    { k: null, v: 3, d: null, ms: t + 5000 },
  ];
  const sql = `CREATE SOURCE a (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'datagen', generator = 'sensors');
CREATE SINK out AS SELECT k, GROUPING(k) AS g, COUNT(*) AS n, SUM(v) AS s FROM a GROUP BY TUMBLE(ts, 1s), ROLLUP(k);`;
  const script = loadScriptText(sql, 'grouping.sql', process.cwd(), new Catalog());
  const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true });
  const r = await runScheduled(plan, { a: events }, [{ source: 'a', size: 3 }], () => false, []);
  const rows = r.sinkOutputs.get(plan.sinks[0]!)!.rows.map((row) => JSON.stringify(row)).sort();
  assert.deepEqual(rows, ['["a",0,1,2]', '[null,0,1,1]', '[null,0,1,3]', '[null,1,1,3]', '[null,1,2,3]']);
});
