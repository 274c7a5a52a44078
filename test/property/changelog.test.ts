// Property tests of updating results under filters: non-monotone HAVING (a group that passes,
// then fails, then passes again) on unwindowed, windowed (EMIT CHANGES) and session
// aggregates, and outer filters over updating results (subqueries, views, stacked filters,
// projections that keep, drop or compute the key), with random batch sizes, crashes and
// restores, and sometimes a 1-byte state budget. Every output must be a well-formed changelog
// whose upsert view (what a compacted topic holds) and consolidated rows both equal DuckDB's
// batch answer (oracle/changelog-check.ts via compareWithOracle). A failure prints the seed
// (SLUICE_PROPERTY_SEED replays it), SQL, run and input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { compareWithOracle, renderComparison } from '../../src/oracle/index.js';
import { Op } from '../../src/exec/operator.js';
import { streamKey } from '../../src/plan/stream-key.js';
import { planOverEvents, runWithCrashes } from '../state/harness.js';
import { eventsArb, type Event } from './events.js';

const RUNS = Math.ceil(Number(process.env['SLUICE_PROPERTY_RUNS'] ?? 200) / 2);
const SEED = process.env['SLUICE_PROPERTY_SEED'] ? { seed: Number(process.env['SLUICE_PROPERTY_SEED']) } : {};

/** The updating inner results: each selects n (a count), s (a sum) and r (a range) per group. */
const INNER = {
  grouped: { sql: 'SELECT k, COUNT(*) AS n, SUM(v) AS s, MAX(v) - MIN(v) AS r FROM ev GROUP BY k', key: 'k' },
  global: { sql: 'SELECT COUNT(*) AS n, SUM(v) AS s, MAX(v) - MIN(v) AS r FROM ev', key: undefined },
  tumble: { sql: 'SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS s, MAX(v) - MIN(v) AS r FROM ev GROUP BY k, TUMBLE(ts, 2s) EMIT CHANGES', key: 'k, window_start' },
  hop: { sql: 'SELECT window_start, window_end, COUNT(*) AS n, SUM(v) AS s, MAX(v) - MIN(v) AS r FROM ev GROUP BY HOP(ts, 1s, 3s) EMIT CHANGES', key: 'window_start' },
  session: { sql: 'SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS s, MAX(v) - MIN(v) AS r FROM ev GROUP BY k, SESSION(ts, 1500ms) EMIT CHANGES', key: 'k, window_start' },
  // A changelog of a changelog: groups of groups by their count.
  regrouped: { sql: 'SELECT n, COUNT(*) AS c, SUM(s) AS s, MAX(s) - MIN(s) AS r FROM (SELECT k, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY k) GROUP BY n', key: 'n' },
} as const;
type Inner = keyof typeof INNER;

/** Conditions that hold, fail and hold again as a group grows: none is monotone. */
const condArb = (n: string, s: string, r: string) =>
  fc.oneof(
    fc.integer({ min: 1, max: 4 }).map((x) => `${n} < ${x}`),
    fc.integer({ min: 1, max: 3 }).map((x) => `${n} <> ${x}`),
    fc.tuple(fc.integer({ min: -50, max: 100 }), fc.integer({ min: 0, max: 150 })).map(([a, w]) => `${s} BETWEEN ${a} AND ${a + w}`),
    fc.integer({ min: 0, max: 100 }).map((d) => `${r} < ${d}`),
    fc.tuple(fc.integer({ min: -20, max: 120 }), fc.integer({ min: 1, max: 3 })).map(([x, m]) => `(${s} IS NULL OR ${s} > ${x}) AND ${n} <> ${m}`),
    fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 2, max: 5 })).map(([d, m]) => `${r} >= ${d} OR ${n} >= ${m}`),
  );

/** HAVING on the aggregate itself, written with aggregate calls. */
const havingArb = fc.tuple(fc.constantFrom<Inner>('grouped', 'global', 'tumble', 'hop', 'session'), condArb('COUNT(*)', 'SUM(v)', 'MAX(v) - MIN(v)')).map(([inner, cond]) => {
  const base = INNER[inner].sql;
  const emit = base.endsWith(' EMIT CHANGES');
  const body = emit ? base.slice(0, -' EMIT CHANGES'.length) : base;
  return `${body} HAVING ${cond}${emit ? ' EMIT CHANGES' : ''}`;
});

/** An outer query over an updating result: one or two filters, and a projection that keeps, drops or computes the key. */
const outerArb = fc
  .tuple(
    fc.constantFrom<Inner>('grouped', 'global', 'tumble', 'hop', 'session', 'regrouped'),
    condArb('n', 's', 'r'),
    fc.option(condArb('n', 's', 'r'), { freq: 3 }),
    fc.constantFrom('keep', 'drop', 'compute'),
  )
  .map(([inner, c1, c2, proj]) => {
    const { sql, key } = INNER[inner];
    const from = c2 === null ? `(${sql})` : `(SELECT * FROM (${sql}) WHERE ${c2})`;
    const list = proj === 'keep' || key === undefined ? '*' : proj === 'drop' ? 'n, s' : `${key}, n * 2 AS n2, s`;
    return `SELECT ${list} FROM ${from} WHERE ${c1}`;
  });

const runArb = fc.record({
  batches: fc.array(fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 30 })), { minLength: 1, maxLength: 4 }),
  checkpointEvery: fc.integer({ min: 1, max: 4 }),
  crashAt: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 3 }),
  tinyBudget: fc.boolean(),
});
type RunShape = typeof runArb extends fc.Arbitrary<infer T> ? T : never;

/** What the cases exercised, so that the properties cannot hold vacuously. */
interface Seen {
  keyed: number;
  /** Outputs where a filter turned an update pair into -D (the aggregate under it never deletes). */
  splitPairs: number;
  crashes: number;
}

async function check(query: string, events: readonly Event[], run: RunShape, seen: Seen): Promise<void> {
  const delay = 1000;
  const { sql, plan } = planOverEvents(query, delay);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-changelog-prop-'));
  const context = () => `SQL:\n${sql}\nrun ${JSON.stringify(run)}\ninput (${events.length} events): ${JSON.stringify(events)}`;
  try {
    const extra = run.tinyBudget ? { stateMemory: { bytes: 1, dir } } : {};
    const r = await runWithCrashes(plan, events, run.batches, (n) => n % run.checkpointEvery === 0, run.crashAt, extra);
    const key = streamKey(plan, plan.sinks[0]!);
    if (key !== undefined) seen.keyed++;
    seen.crashes += r.crashes;
    const out = r.sinkOutputs.get(plan.sinks[0]!)!;
    // Over an append-only input, aggregates other than sessions never delete: a -D is a filter's split pair.
    if (!/SESSION|GROUP BY n/.test(query) && out.ops.includes(Op.Delete)) seen.splitPairs++;
    const comparisons = await compareWithOracle({ plan, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
    for (const c of comparisons) if (!c.equal) assert.fail(`streaming changelog is wrong\n${context()}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertExercised(seen: Seen): void {
  assert.ok(seen.keyed > RUNS / 4, `cases with a key (upsert view checked): ${seen.keyed}`);
  assert.ok(seen.splitPairs > 0, 'no case turned an update pair into -D or +I');
  assert.ok(seen.crashes > 0, 'no case crashed and restored');
}

test(`non-monotone HAVING keeps the changelog well formed and equal to DuckDB (${RUNS} cases)`, async () => {
  const seen: Seen = { keyed: 0, splitPairs: 0, crashes: 0 };
  await fc.assert(
    fc.asyncProperty(havingArb, eventsArb(1000), runArb, async (query, events, run) => check(query, events, run, seen)),
    { numRuns: RUNS, ...SEED },
  );
  assertExercised(seen);
});

test(`outer filters over updating results keep the changelog well formed and equal to DuckDB (${RUNS} cases)`, async () => {
  const seen: Seen = { keyed: 0, splitPairs: 0, crashes: 0 };
  await fc.assert(
    fc.asyncProperty(outerArb, eventsArb(1000), runArb, async (query, events, run) => check(query, events, run, seen)),
    { numRuns: RUNS, ...SEED },
  );
  assertExercised(seen);
});
