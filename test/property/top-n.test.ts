// Property tests of Top-N and deduplication (ROW_NUMBER, RANK, DENSE_RANK ... WHERE rn <= N):
// window Top-N over window table functions and windowed aggregates, keep-first deduplication,
// keep-last and updating Top-N over streams and changelogs, and SELECT DISTINCT over windows.
// Two sources (own watermark delays, out-of-order, late, duplicate, NULL and tied rows) on a
// random schedule of random batch sizes, through random checkpoints, crashes, restores and
// 1-byte state budgets. The output must be a well-formed changelog equal to DuckDB's own ranking
// functions over the admitted rows (ties broken by the remaining columns, NULLs last), and the
// late rows exactly those the rules name. A failure prints the seed (SLUICE_PROPERTY_SEED
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
import { expectedUnionLate, makeSchedule, runScheduled, unionLateKeys, type UnionWindow } from './union-harness.js';
import { propertyRuns, SEED, delayArb, runShapeArb, type RunShape } from './run-shape.js';

const RUNS = propertyRuns(2);

/**
 * Events with some moved to just behind the watermark (by 1 ms to 1 s past the delay), so rows
 * land in windows that closed at exactly their end and at event times the watermark just passed:
 * eventsArb's late rows are far behind it, and its jittered rows never behind it.
 */
const nearLateArb = (delayMs: number, ties: boolean) =>
  eventsArb(delayMs, ties).chain((events) =>
    fc.array(fc.constantFrom(0, 0, 0, 0, 1, 250, 500, 1000), { minLength: events.length, maxLength: events.length }).map((shifts) =>
      events.map((e, i) => (shifts[i]! > 0 ? { ...e, ms: e.ms - delayMs - shifts[i]! } : e)),
    ),
  );

/**
 * Each query and its late rows: 'none', 'window' (a window upstream drops rows: checked by the
 * oracle only) or a rule: the rows of `sources` behind the minimum of their watermarks for
 * `window` (a 1 ms TUMBLE: event time behind the watermark).
 */
interface Case {
  readonly sql: string;
  readonly late: 'none' | 'window' | { readonly sources: readonly string[]; readonly window: UnionWindow };
}

const A_ONLY = { sources: ['a'], window: { kind: 'tumble', size: 1 } } as const;

const QUERIES: readonly Case[] = [
  // Window Top-N over a window table function: rows of a closed window are late.
  {
    sql: 'SELECT * FROM (SELECT k, v, d, window_start, window_end, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY v DESC) AS rn FROM TUMBLE(a, ts, 1s)) WHERE rn <= 2',
    late: { sources: ['a'], window: { kind: 'tumble', size: 1000 } },
  },
  {
    sql: 'SELECT k, v, window_end FROM (SELECT k, v, ts, window_start, window_end, DENSE_RANK() OVER (PARTITION BY window_start, window_end, k ORDER BY d ASC) AS r FROM HOP(a, ts, 500ms, 1s)) WHERE r < 3',
    late: { sources: ['a'], window: { kind: 'hop', slide: 500, size: 1000 } },
  },
  // Window Top-N over a windowed aggregate (RANK keeps every tie), rank not selected.
  {
    sql: 'SELECT k, window_start, n FROM (SELECT *, RANK() OVER (PARTITION BY window_start, window_end ORDER BY n DESC) AS r FROM (SELECT k, window_start, window_end, COUNT(*) AS n, MAX(v) AS m FROM a GROUP BY k, TUMBLE(ts, 1s))) WHERE r <= 2',
    late: 'window',
  },
  // Keep first: each k's earliest row once the watermark passes it; rows behind it are late.
  { sql: 'SELECT k, v, d, ts FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) AS rn FROM a) WHERE rn = 1', late: A_ONLY },
  {
    sql: 'SELECT k, ts, rn FROM (SELECT k, v, ts, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts ASC) AS rn FROM (SELECT k, v, ts FROM a UNION ALL SELECT k, v, ts FROM b)) WHERE rn <= 1 AND v > 0',
    late: { sources: ['a', 'b'], window: { kind: 'tumble', size: 1 } },
  },
  // Keep last: updating, nothing late.
  { sql: 'SELECT * FROM (SELECT k, v, ts, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts DESC) AS rn FROM a) WHERE rn = 1', late: 'none' },
  // Updating Top-N over a stream: ranks move (-U/+U), rows enter (+I) and leave (-D).
  { sql: 'SELECT k, v, d, rn FROM (SELECT k, v, d, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC, d) AS rn FROM a) WHERE rn <= 3', late: 'none' },
  { sql: 'SELECT k, v, rn FROM (SELECT k, v, RANK() OVER (PARTITION BY k ORDER BY v) AS rn FROM b) WHERE rn = 2', late: 'none' },
  // Updating Top-N over changelogs: retractions bring rows back into the top.
  { sql: 'SELECT k, s, rn FROM (SELECT k, s, ROW_NUMBER() OVER (ORDER BY s DESC) AS rn FROM (SELECT k, SUM(v) AS s FROM a GROUP BY k)) WHERE rn <= 2', late: 'none' },
  {
    sql: 'SELECT * FROM (SELECT k, n, DENSE_RANK() OVER (ORDER BY n) AS r FROM (SELECT k, COUNT(*) AS n FROM a GROUP BY k UNION ALL SELECT k, COUNT(*) AS n FROM b GROUP BY k)) WHERE r <= 2',
    late: 'none',
  },
  // SELECT DISTINCT with a window's bounds: state ends with the window (a windowed GROUP BY, or a distinct node timed by window_end).
  { sql: 'SELECT DISTINCT k, window_start, window_end FROM TUMBLE(a, ts, 1s)', late: 'window' },
  { sql: 'SELECT DISTINCT window_end, k, window_start FROM HOP(a, ts, 500ms, 1s)', late: 'window' },
  { sql: 'SELECT DISTINCT window_start, window_end, n > 1 AS many FROM (SELECT k, window_start, window_end, COUNT(*) AS n FROM a GROUP BY k, TUMBLE(ts, 1s))', late: 'window' },
];

function planTopN(query: string, delayA: number, delayB: number) {
  const sql =
    `CREATE SOURCE a (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delayA}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE SOURCE b (k VARCHAR, v BIGINT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delayB}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE SINK out AS ${query};`;
  const script = loadScriptText(sql, 'top-n.sql', process.cwd(), new Catalog());
  return { sql, plan: planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true }) };
}

export async function checkTopN(query: Case, delays: { a: number; b: number }, inputs: { a: readonly Event[]; b: readonly Event[] }, run: RunShape): Promise<void> {
  const { sql, plan } = planTopN(query.sql, delays.a, delays.b);
  // Only the sources the query reads take turns (a reader that never opens would hold the schedule).
  const read = new Set(plan.nodes.flatMap((n) => (n.kind === 'source' ? [n.source.name] : [])));
  const used: Record<string, readonly Event[]> = Object.fromEntries(Object.entries(inputs).filter(([name]) => read.has(name)));
  const schedule = makeSchedule(used, run.sizes, run.turns);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-topn-prop-'));
  const store = run.duckdbStore ? await CheckpointStore.open(dir) : new MemoryCheckpointStore();
  const context = () =>
    `SQL:\n${sql}\nrun ${JSON.stringify(run)}\nschedule ${JSON.stringify(schedule)}\ninput a (${inputs.a.length}): ${JSON.stringify(inputs.a)}\ninput b (${inputs.b.length}): ${JSON.stringify(inputs.b)}`;
  try {
    const r = await runScheduled(plan, used, schedule, (n) => n % run.checkpointEvery === 0, run.crashAt, run.budget ? { stateMemory: { bytes: 1, dir } } : {}, store);
    if (query.late === 'none') assert.deepEqual(unionLateKeys(r.late), [], `nothing is late\n${context()}`);
    else if (query.late !== 'window') {
      const branches = query.late.sources.map((source) => ({ source, passes: () => true }));
      const expected = expectedUnionLate(used, delays, schedule, branches, query.late.window);
      // A window Top-N names the (row, window) pair; a TUMBLE row has one window, which the rule leaves out.
      const actual = unionLateKeys(r.late).map((k) => (query.late !== 'none' && query.late !== 'window' && query.late.window.kind === 'tumble' ? k.replace(/@.*$/, '') : k)).sort();
      assert.deepEqual(actual, expected, `late rows differ from the rule\n${context()}`);
    }
    const comparisons = await compareWithOracle({ plan, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
    for (const c of comparisons) if (!c.equal) assert.fail(`Top-N != DuckDB\n${context()}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
  } finally {
    if (store instanceof CheckpointStore) store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test(`Top-N and deduplication (window, keep first, keep last, updating over streams and changelogs) and SELECT DISTINCT over windows, through crashes and spills, equal DuckDB's ranking functions; late rows follow the rules (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(delayArb, delayArb, fc.boolean(), fc.boolean()).chain(([da, db, ta, tb]) => fc.tuple(fc.constant({ a: da, b: db }), nearLateArb(da, ta), nearLateArb(db, tb))),
      fc.integer({ min: 0, max: QUERIES.length - 1 }),
      runShapeArb(),
      async ([delays, a, b], q, run) => {
        await checkTopN(QUERIES[q]!, delays, { a, b }, run);
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
});

// Ties at the watermark: many rows of one key at one event time, spread over batches, so a
// candidate released at the watermark itself (rather than once it has passed) loses to a better
// equal-time row still to come.
const TIES: readonly Case[] = [
  { sql: 'SELECT k, v, d, ts FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) AS rn FROM a) WHERE rn = 1', late: A_ONLY },
  { sql: 'SELECT * FROM (SELECT k, v, d, window_start, window_end, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY k) AS rn FROM TUMBLE(a, ts, 1s)) WHERE rn <= 2', late: { sources: ['a'], window: { kind: 'tumble', size: 1000 } } },
];

test(`keep-first deduplication and window Top-N with ties at the watermark equal DuckDB (${propertyRuns(4)} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(0, 250).chain((da) => fc.tuple(fc.constant({ a: da, b: 0 }), nearLateArb(da, true))),
      fc.integer({ min: 0, max: TIES.length - 1 }),
      runShapeArb(),
      async ([delays, a], q, run) => {
        await checkTopN(TIES[q]!, delays, { a, b: [] }, run);
      },
    ),
    { numRuns: propertyRuns(4), ...SEED },
  );
});
