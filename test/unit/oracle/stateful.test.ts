// SESSION windows, unwindowed GROUP BY (a changelog) and LAG against hand-computed engine output.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T, type Row } from '../../../src/catalog/types.js';
import { Op } from '../../../src/exec/operator.js';
import { compareWithOracle, type OracleInput, type SinkComparison } from '../../../src/oracle/index.js';
import { SEC, T0, agg, col, filter, groupAgg, lag, lateEvent, lit, plan, rows, sessionAgg, sink, source } from './fixtures.js';
import type { PhysicalPlan } from '../../../src/plan/physical.js';

async function one(p: PhysicalPlan, src: Row[], engine: Row[], opts: Partial<OracleInput> = {}, ops: Op[] | null = null): Promise<SinkComparison> {
  const sinkId = p.sinks[0]!;
  const [c] = await compareWithOracle({
    plan: p,
    sourceRows: new Map([[1, src]]),
    late: [],
    sinkOutputs: new Map([[sinkId, { rows: engine, ops }]]),
    ...opts,
  });
  assert.ok(c);
  return c;
}

const sSrc = source(1, [
  ['user', T.varchar],
  ['ts', T.timestamp],
  ['amount', T.int],
]);
const sess = sessionAgg(2, sSrc, 5 * SEC, 1, [['user', col(0, 'user', T.varchar)]], [
  ['n', agg('count_star', T.bigint)],
  ['total', agg('sum', T.bigint, col(2, 'amount', T.int))],
  ['biggest', agg('max', T.int, col(2, 'amount', T.int))],
]);
const sessPlan = plan(sSrc, sess, sink(3, sess, 'sessions'));
const sessRows = rows([
  ['a', T0 + 0 * SEC, 1],
  ['a', T0 + 8 * SEC, 4], // exactly gap after the row at 3s: a new session
  ['b', T0 + 1 * SEC, 10],
  ['a', T0 + 3 * SEC, 2],
  ['a', T0 + 20 * SEC, 8],
]);
const s = (from: number, to: number): [number, number] => [T0 + from * SEC, T0 + to * SEC];

test('session: gaps and islands, a gap of exactly `gap` starts a new session', async () => {
  const c = await one(sessPlan, sessRows, [
    ['a', ...s(0, 8), 2, 3, 2],
    ['a', ...s(8, 13), 1, 4, 4],
    ['a', ...s(20, 25), 1, 8, 8],
    ['b', ...s(1, 6), 1, 10, 10],
  ]);
  assert.equal(c.equal, true, c.firstDifference);
});

test('session: a late row is left out, which changes the session bounds', async () => {
  const engine: Row[] = [
    ['a', ...s(0, 5), 1, 1, 1],
    ['a', ...s(8, 13), 1, 4, 4],
    ['a', ...s(20, 25), 1, 8, 8],
    ['b', ...s(1, 6), 1, 10, 10],
  ];
  const c = await one(sessPlan, sessRows, engine, { late: [lateEvent(2, 3)] });
  assert.equal(c.equal, true, c.firstDifference);
  const d = await one(sessPlan, sessRows, engine);
  assert.deepEqual(d.onlyEngine, [['a', ...s(0, 5), 1, 1, 1]]);
  assert.deepEqual(d.onlyOracle, [['a', ...s(0, 8), 2, 3, 2]]);
});

const gSrc = source(1, [
  ['user', T.varchar],
  ['amount', T.int],
]);
const grouped = groupAgg(2, gSrc, [['user', col(0, 'user', T.varchar)]], [
  ['n', agg('count', T.bigint, col(1, 'amount', T.int))],
  ['total', agg('sum', T.bigint, col(1, 'amount', T.int))],
  ['distinct_amounts', agg('count', T.bigint, col(1, 'amount', T.int), true)],
  ['sd', agg('stddev', T.double, col(1, 'amount', T.int))],
]);
const groupPlan = plan(gSrc, grouped, sink(3, grouped, 'totals'));

test('groupAgg: the consolidated changelog equals GROUP BY', async () => {
  const src = rows([
    ['a', 5],
    ['b', 7],
    ['a', 5],
    ['a', null],
  ]);
  const engine: Row[] = [
    ['a', 1, 5, 1, null],
    ['b', 1, 7, 1, null],
    ['a', 1, 5, 1, null],
    ['a', 2, 10, 1, 0],
  ];
  const ops = [Op.Insert, Op.Insert, Op.UpdateBefore, Op.UpdateAfter];
  const c = await one(groupPlan, src, engine, {}, ops);
  assert.equal(c.equal, true, c.firstDifference);
  assert.equal(c.engineRows, 2);
  const stale = await one(groupPlan, src, engine.slice(0, 2), {}, ops.slice(0, 2));
  assert.deepEqual(stale.onlyEngine, [['a', 1, 5, 1, null]]);
  assert.deepEqual(stale.onlyOracle, [['a', 2, 10, 1, 0]]);
});

test('groupAgg: a global aggregate over no rows has no group, as in the engine', async () => {
  const none = filter(2, gSrc, lit(false, T.boolean));
  const total = groupAgg(3, none, [], [
    ['n', agg('count_star', T.bigint)],
    ['total', agg('sum', T.bigint, col(1, 'amount', T.int))],
  ]);
  const p = plan(gSrc, none, total, sink(4, total, 'global'));
  const c = await one(p, rows([['a', 1]]), []);
  assert.equal(c.equal, true, c.firstDifference);
  assert.equal(c.oracleRows, 0);
  const all = groupAgg(2, gSrc, [], [['n', agg('count_star', T.bigint)]]);
  const q = plan(gSrc, all, sink(3, all, 'global'));
  const d = await one(q, rows([['a', 1], ['b', 2]]), [[2]]);
  assert.equal(d.equal, true, d.firstDifference);
});

const lSrc = source(1, [
  ['sensor', T.varchar],
  ['ts', T.timestamp],
  ['value', T.double],
]);
const lagged = lag(2, lSrc, 1, [col(0, 'sensor', T.varchar)], [
  ['prev', col(2, 'value', T.double), 1, lit(-1, T.double)],
  ['prev2', col(2, 'value', T.double), 2, undefined],
]);
const lagPlan = plan(lSrc, lagged, sink(3, lagged, 'deltas'));

test('lag: ordered by event time then arrival, per partition, late rows excluded', async () => {
  const src = rows([
    ['a', T0 + 2 * SEC, 2],
    ['a', T0 + 1 * SEC, 1],
    ['b', T0 + 1 * SEC, 10],
    ['a', T0 + 2 * SEC, 3], // same time as seq 0: after it
    ['a', T0 + 0 * SEC, 99], // dropped late by the lag operator
  ]);
  const engine: Row[] = [
    ['a', T0 + 1 * SEC, 1, -1, null],
    ['a', T0 + 2 * SEC, 2, 1, null],
    ['a', T0 + 2 * SEC, 3, 2, 1],
    ['b', T0 + 1 * SEC, 10, -1, null],
  ];
  const c = await one(lagPlan, src, engine, { late: [lateEvent(2, 4)] });
  assert.equal(c.equal, true, c.firstDifference);
  const swapped = await one(lagPlan, src, [engine[0]!, ['a', T0 + 2 * SEC, 2, 3, 1], ['a', T0 + 2 * SEC, 3, 2, null], engine[3]!], {
    late: [lateEvent(2, 4)],
  });
  assert.equal(swapped.equal, false);
  assert.equal(swapped.onlyEngine.length, 2);
});

test('late drops without provenance are refused', async () => {
  await assert.rejects(
    compareWithOracle({
      plan: lagPlan,
      sourceRows: new Map([[1, rows([['a', T0, 1]])]]),
      late: [{ operator: 2, ref: undefined, eventTime: T0, watermark: T0, windowStart: undefined, reason: 'late' }],
      sinkOutputs: new Map(),
    }),
    /without provenance/,
  );
});

test('a source without $ref numbers its rows by arrival', async () => {
  const bare = source(1, [['user', T.varchar], ['amount', T.int]], false);
  const g = groupAgg(2, bare, [['user', col(0, 'user', T.varchar)]], [['n', agg('count_star', T.bigint)]]);
  const p = plan(bare, g, sink(3, g));
  const c = await one(p, [['a', 1], ['a', 2]], [['a', 2]]);
  assert.equal(c.equal, true, c.firstDifference);
});

test('groupAgg over a changelog: the inner aggregate is consolidated state', async () => {
  const perUser = groupAgg(2, gSrc, [['user', col(0, 'user', T.varchar)]], [['n', agg('count_star', T.bigint)]]);
  const histogram = groupAgg(3, perUser, [['n', col(1, 'n', T.bigint)]], [['users', agg('count_star', T.bigint)]]);
  const p = plan(gSrc, perUser, histogram, sink(4, histogram, 'histogram'));
  const engine: Row[] = [
    [1, 1],
    [1, 1],
    [1, 2],
    [1, 2],
    [1, 1],
    [2, 1],
  ];
  const ops = [Op.Insert, Op.UpdateBefore, Op.UpdateAfter, Op.UpdateBefore, Op.UpdateAfter, Op.Insert];
  const c = await one(p, rows([['a', 1], ['b', 2], ['a', 3]]), engine, {}, ops);
  assert.equal(c.equal, true, c.firstDifference);
  assert.equal(c.engineRows, 2);
});
