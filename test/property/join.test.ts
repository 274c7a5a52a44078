// Property tests of the interval join (INNER, LEFT, RIGHT and FULL): two sources (each with its own watermark delay,
// out-of-order, duplicate and late rows, NULL keys, few keys or many), interleaved on a random
// schedule of random batch sizes (so their watermarks advance at different speeds), joined on
// a key and a time bound (inclusive, strict, one-sided, mirrored, with a residual, expression
// and multi-column keys, a self-join), sometimes followed by a window; random checkpoints,
// crashes and restores, sometimes a 1-byte state budget (every waiting key spills). The late
// rows must be exactly those behind their own source's watermark, and the output must equal
// DuckDB's JOIN over the admitted rows. A failure prints the seed (SLUICE_PROPERTY_SEED replays
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
import { makeSchedule, runScheduled, unionLateKeys, type Step } from './union-harness.js';
import { propertyRuns, SEED, delayArb, runShapeArb, type RunShape } from './run-shape.js';

const RUNS = propertyRuns(2);

const runArb = runShapeArb();

const ms = (n: number) => `INTERVAL '${n}' MILLISECOND`;

/** Each query and whether it reads b (a self-join reads a twice). */
const QUERIES: ReadonlyArray<{ sql: string; readsB: boolean }> = [
  // Inclusive BETWEEN, the shape.
  { sql: `SELECT a.k, a.v, b.v AS bv, a.ts, b.ts AS bts FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts - ${ms(1000)} AND a.ts + ${ms(500)}`, readsB: true },
  // Aliases, strict and inclusive bounds written either way round, a residual.
  { sql: `SELECT x.k, x.ts, y.d, y.ts AS yts FROM a AS x JOIN b y ON y.k = x.k AND y.ts > x.ts - ${ms(750)} AND x.ts + ${ms(1000)} >= y.ts AND x.v < y.v`, readsB: true },
  // Both bounds after the left row (lower > 0), exclusive upper.
  { sql: `SELECT a.k, a.ts, b.ts AS bts, b.v FROM a INNER JOIN b ON a.k = b.k AND b.ts >= a.ts + ${ms(250)} AND b.ts < a.ts + ${ms(2000)}`, readsB: true },
  // Both bounds before the left row, stated on a's time (d in [-1500, -250]).
  { sql: `SELECT a.k, a.ts, b.ts AS bts FROM a JOIN b ON b.k = a.k AND a.ts BETWEEN b.ts + ${ms(250)} AND b.ts + ${ms(1500)}`, readsB: true },
  // Expression key, two keys of different integer types, equal times.
  { sql: `SELECT a.k, a.v, a.ts FROM a JOIN b ON a.k || '!' = b.k || '!' AND a.v = b.v AND b.ts = a.ts`, readsB: true },
  { sql: `SELECT a.k, b.k AS bk, a.ts, b.d FROM a JOIN b ON a.v % 3 = b.v % 3 AND b.ts BETWEEN a.ts AND a.ts + ${ms(250)}`, readsB: true },
  // A self-join.
  { sql: `SELECT a.k, a.v, a2.v AS v2, a.ts FROM a JOIN a AS a2 ON a.k = a2.k AND a2.ts BETWEEN a.ts AND a.ts + ${ms(1000)}`, readsB: false },
  // A window after the join, on the left's event time.
  {
    sql: `SELECT k, window_start, window_end, COUNT(*) AS n, SUM(bv) AS s, MAX(bts) AS m FROM (SELECT a.k, a.ts, b.v AS bv, b.ts AS bts FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts - ${ms(1000)} AND a.ts + ${ms(1000)}) GROUP BY k, TUMBLE(ts, 1s)`,
    readsB: true,
  },
  { sql: `SELECT window_start, COUNT(*) AS n FROM (SELECT a.ts FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts - ${ms(500)} AND a.ts + ${ms(2000)}) GROUP BY HOP(ts, 500ms, 1500ms)`, readsB: true },
  // LEFT joins: unmatched left rows (NULL keys, NULL partners, residual failing) padded with NULLs once they expire.
  { sql: `SELECT a.k, a.v, b.v AS bv, a.ts, b.ts AS bts FROM a LEFT JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts - ${ms(1000)} AND a.ts + ${ms(500)}`, readsB: true },
  { sql: `SELECT x.k, x.v, x.ts, y.v AS yv, y.ts AS yts FROM a AS x LEFT OUTER JOIN b y ON y.k = x.k AND y.ts > x.ts - ${ms(750)} AND x.ts + ${ms(1000)} >= y.ts AND x.v < y.v`, readsB: true },
  { sql: `SELECT a.k, a.ts, b.ts AS bts FROM a LEFT JOIN b ON b.k = a.k AND a.ts BETWEEN b.ts + ${ms(250)} AND b.ts + ${ms(1500)}`, readsB: true },
  { sql: `SELECT a.k, a.v, a2.v AS v2, a.ts FROM a LEFT JOIN a AS a2 ON a.k = a2.k AND a2.ts BETWEEN a.ts + ${ms(1)} AND a.ts + ${ms(1000)}`, readsB: false },
  {
    sql: `SELECT k, window_start, COUNT(*) AS n, COUNT(bts) AS matched, SUM(bv) AS s FROM (SELECT a.k, a.ts, b.v AS bv, b.ts AS bts FROM a LEFT JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts - ${ms(1000)} AND a.ts + ${ms(1000)}) GROUP BY k, TUMBLE(ts, 1s)`,
    readsB: true,
  },
  // RIGHT joins: unmatched right rows padded once they expire; the output keeps b's event time, so a window can follow.
  { sql: `SELECT a.k, a.v, b.k AS bk, b.v AS bv, a.ts, b.ts AS bts FROM a RIGHT JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts - ${ms(1000)} AND a.ts + ${ms(500)}`, readsB: true },
  { sql: `SELECT x.k, x.ts, y.k AS yk, y.v AS yv, y.ts AS yts FROM a AS x RIGHT OUTER JOIN b y ON y.k = x.k AND y.ts >= x.ts + ${ms(250)} AND y.ts < x.ts + ${ms(2000)} AND x.v < y.v`, readsB: true },
  { sql: `SELECT a.k, a.v, a2.k AS k2, a2.v AS v2, a2.ts FROM a RIGHT JOIN a AS a2 ON a.k = a2.k AND a2.ts BETWEEN a.ts + ${ms(1)} AND a.ts + ${ms(1000)}`, readsB: false },
  {
    sql: `SELECT bk, window_start, COUNT(*) AS n, COUNT(ats) AS matched, SUM(av) AS s FROM (SELECT b.k AS bk, b.ts, a.v AS av, a.ts AS ats FROM a RIGHT JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts - ${ms(1000)} AND a.ts + ${ms(1000)}) GROUP BY bk, TUMBLE(ts, 1s)`,
    readsB: true,
  },
  // FULL joins: unmatched rows of both sides padded, each once, when it expires.
  { sql: `SELECT a.k, a.v, b.k AS bk, b.v AS bv, a.ts, b.ts AS bts FROM a FULL JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts - ${ms(1000)} AND a.ts + ${ms(500)}`, readsB: true },
  { sql: `SELECT x.k, x.ts, y.k AS yk, y.ts AS yts FROM a AS x FULL OUTER JOIN b y ON y.k = x.k AND x.ts BETWEEN y.ts + ${ms(250)} AND y.ts + ${ms(1500)} AND x.v <> y.v`, readsB: true },
  { sql: `SELECT a.k, a.ts, a2.k AS k2, a2.ts AS ts2 FROM a FULL JOIN a AS a2 ON a.k = a2.k AND a2.ts BETWEEN a.ts - ${ms(500)} AND a.ts - ${ms(1)}`, readsB: false },
];

function planJoin(query: string, delayA: number, delayB: number) {
  const sql =
    `CREATE SOURCE a (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delayA}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE SOURCE b (k VARCHAR, v BIGINT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delayB}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE SINK out AS ${query};`;
  const script = loadScriptText(sql, 'join.sql', process.cwd(), new Catalog());
  return { sql, plan: planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true }) };
}

/**
 * The rows the join drops as late, by brute force from the rule in exec/time.ts: a row is late
 * when its event time is behind its own source's watermark (largest event time so far minus the
 * delay) as it arrives. Nothing after the join is late. Keys `source:seq`, sorted.
 */
function expectedJoinLate(inputs: Readonly<Record<string, readonly Event[]>>, delays: Readonly<Record<string, number>>, schedule: readonly Step[]): string[] {
  const maxTs = new Map<string, number>();
  const seqs = new Map<string, number>();
  const out: string[] = [];
  for (const step of schedule) {
    const events = inputs[step.source]!;
    const from = seqs.get(step.source) ?? 0;
    const to = Math.min(events.length, from + step.size);
    for (let seq = from; seq < to; seq++) {
      const e = events[seq]!;
      const m = maxTs.get(step.source);
      if (m !== undefined && e.ms < m - delays[step.source]!) out.push(`${step.source}:${seq}`);
      maxTs.set(step.source, Math.max(m ?? e.ms, e.ms));
    }
    seqs.set(step.source, to);
  }
  return out.sort();
}

async function check(query: string, delays: { a: number; b: number }, inputs: { a: readonly Event[]; b: readonly Event[] }, run: RunShape): Promise<void> {
  const { sql, plan } = planJoin(query, delays.a, delays.b);
  const schedule = makeSchedule(inputs, run.sizes, run.turns);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-join-prop-'));
  const store = run.duckdbStore ? await CheckpointStore.open(dir) : new MemoryCheckpointStore();
  const context = () =>
    `SQL:\n${sql}\nrun ${JSON.stringify(run)}\nschedule ${JSON.stringify(schedule)}\ninput a (${inputs.a.length}): ${JSON.stringify(inputs.a)}\ninput b (${inputs.b.length}): ${JSON.stringify(inputs.b)}`;
  try {
    const r = await runScheduled(plan, inputs, schedule, (n) => n % run.checkpointEvery === 0, run.crashAt, run.budget ? { stateMemory: { bytes: 1, dir } } : {}, store);
    assert.deepEqual(unionLateKeys(r.late), expectedJoinLate(inputs, delays, schedule), `late rows differ from the rule (behind their own source's watermark)\n${context()}`);
    const comparisons = await compareWithOracle({ plan, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
    for (const c of comparisons) if (!c.equal) assert.fail(`join != DuckDB\n${context()}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
  } finally {
    if (store instanceof CheckpointStore) store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The RIGHT and FULL queries, which get cases of their own (a rule broken on one side only shows on few inputs). */
const OUTER = QUERIES.flatMap((q, i) => (/ (RIGHT|FULL) /.test(q.sql) ? [i] : []));

const inputsArb = fc.tuple(delayArb, delayArb, fc.boolean(), fc.boolean()).chain(([da, db, ta, tb]) => fc.tuple(fc.constant({ a: da, b: db }), eventsArb(da, ta), eventsArb(db, tb)));

test(`INNER, LEFT, RIGHT and FULL interval joins of two sources (then sometimes a window), through crashes and spills, equals DuckDB; late rows follow each side's own watermark (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(inputsArb, fc.integer({ min: 0, max: QUERIES.length - 1 }), runArb, async ([delays, a, b], q, run) => {
      const query = QUERIES[q]!;
      await check(query.sql, delays, { a, b: query.readsB ? b : [] }, run);
    }),
    { numRuns: RUNS, ...SEED },
  );
});

test(`RIGHT and FULL interval joins: each unmatched row padded exactly once, when it expires, equals DuckDB through crashes and spills (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(inputsArb, fc.constantFrom(...OUTER), runArb, async ([delays, a, b], q, run) => {
      const query = QUERIES[q]!;
      await check(query.sql, delays, { a, b: query.readsB ? b : [] }, run);
    }),
    { numRuns: RUNS, ...SEED },
  );
});
