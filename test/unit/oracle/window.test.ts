// TUMBLE and HOP window aggregates and window expansion against hand-computed engine output,
// including late exclusion (whole-row and per-window) and mismatch reporting.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T, type Row } from '../../../src/catalog/types.js';
import { Op } from '../../../src/exec/operator.js';
import { compareWithOracle, renderComparison, type OracleInput } from '../../../src/oracle/index.js';
import { SEC, T0, agg, col, filter, lateEvent, lit, plan, rows, sink, source, windowAgg, windowExpand } from './fixtures.js';

const src = source(1, [
  ['sensor', T.varchar],
  ['ts', T.timestamp],
  ['value', T.double],
]);
const positive = filter(2, src, { kind: 'compare', op: '>', left: col(2, 'value', T.double), right: lit(0, T.double), type: T.boolean });
const tumble = windowAgg(3, positive, { kind: 'tumble', sizeMicros: 10 * SEC }, 1, [['sensor', col(0, 'sensor', T.varchar)]], [
  ['cnt', agg('count_star', T.bigint)],
  ['total', agg('sum', T.double, col(2, 'value', T.double))],
  ['mean', agg('avg', T.double, col(2, 'value', T.double))],
]);
const tumblePlan = plan(src, positive, tumble, sink(4, tumble, 'agg'));

const input = rows([
  ['a', T0 + 1 * SEC, 1.0],
  ['a', T0 + 2 * SEC, 2.0],
  ['b', T0 + 3 * SEC, 5.0],
  ['a', T0 + 12 * SEC, 4.0],
  ['a', T0 + 4 * SEC, -1.0],
  ['b', T0 + 15 * SEC, 0.1],
  ['a', T0 + 5 * SEC, 10.0], // seq 6: dropped late by the window operator
]);

const w = (s: number): [number, number] => [T0 + s * SEC, T0 + (s + 10) * SEC];
const expected: Row[] = [
  ['a', ...w(0), 2, 3, 1.5],
  ['a', ...w(10), 1, 4, 4],
  ['b', ...w(0), 1, 5, 5],
  ['b', ...w(10), 1, 0.1, 0.1],
];

function tumbleInput(engine: Row[], late = [lateEvent(3, 6, T0)]): OracleInput {
  return { plan: tumblePlan, sourceRows: new Map([[1, input]]), late, sinkOutputs: new Map([[4, { rows: engine, ops: null }]]) };
}

test('tumble: equal when the engine is right, late row excluded', async () => {
  const [c] = await compareWithOracle(tumbleInput(expected));
  assert.ok(c);
  assert.equal(c.equal, true, c.firstDifference);
  assert.equal(c.sink, 'agg');
  assert.equal(c.oracleRows, 4);
  assert.match(c.sql, /NOT EXISTS/);
  assert.equal(renderComparison([c]), 'agg: equal (4 rows)');
});

test('tumble: without the late report the oracle counts the late row', async () => {
  const [c] = await compareWithOracle(tumbleInput(expected, []));
  assert.ok(c);
  assert.equal(c.equal, false);
  assert.deepEqual(c.onlyEngine, [expected[0]]);
  assert.deepEqual(c.onlyOracle, [['a', ...w(0), 3, 13, 13 / 3]]);
});

test('tumble: one value off is reported with both rows and the differing column', async () => {
  const wrong = expected.map((r) => [...r]);
  wrong[1]![3] = 2;
  const [c] = await compareWithOracle(tumbleInput(wrong));
  assert.ok(c);
  assert.equal(c.equal, false);
  assert.deepEqual(c.onlyEngine, [['a', ...w(10), 2, 4, 4]]);
  assert.deepEqual(c.onlyOracle, [['a', ...w(10), 1, 4, 4]]);
  assert.equal(
    c.firstDifference,
    "engine row {sensor: 'a', window_start: 2024-05-20T10:00:10.000Z, window_end: 2024-05-20T10:00:20.000Z, cnt: 2, total: 4, mean: 4} " +
      'has no match in DuckDB; nearest DuckDB row differs in cnt: 1',
  );
  const text = renderComparison([c]);
  assert.match(text, /agg: DIFFERENT \(engine 4 rows, DuckDB 4 rows; 1 only in engine, 1 only in DuckDB\)/);
  assert.match(text, /- +engine +'a' +2024-05-20T10:00:10\.000Z/);
  assert.match(text, /\+ +duckdb +'a' +2024-05-20T10:00:10\.000Z/);
});

test('tumble: a missing row and a duplicated row', async () => {
  const [missing] = await compareWithOracle(tumbleInput(expected.slice(1)));
  assert.ok(missing);
  assert.equal(missing.equal, false);
  assert.deepEqual(missing.onlyEngine, []);
  assert.deepEqual(missing.onlyOracle, [expected[0]]);
  assert.match(missing.firstDifference ?? '', /^DuckDB row \{sensor: 'a', window_start: 2024-05-20T10:00:00\.000Z.* has no match in engine/);

  const [dup] = await compareWithOracle(tumbleInput([...expected, expected[2]!]));
  assert.ok(dup);
  assert.equal(dup.equal, false);
  assert.deepEqual(dup.onlyEngine, [expected[2]]);
  assert.deepEqual(dup.onlyOracle, []);
  assert.match(dup.firstDifference ?? '', /^engine has 2 copies of row \{sensor: 'b'.*, DuckDB has 1$/);
});

test('tumble: DOUBLE columns compare within a relative 1e-9', async () => {
  const close = expected.map((r) => [...r]);
  close[3]![4] = 0.1 * (1 + 1e-11);
  close[0]![5] = 1.5 + 1e-10;
  const [c] = await compareWithOracle(tumbleInput(close));
  assert.equal(c?.equal, true, c?.firstDifference);
  const far = expected.map((r) => [...r]);
  far[3]![4] = 0.1 * (1 + 1e-6);
  const [d] = await compareWithOracle(tumbleInput(far));
  assert.equal(d?.equal, false);
  assert.match(d?.firstDifference ?? '', /differs in total: 0\.1$/);
});

test('tumble: a changelog is consolidated before comparing; a bad retraction is an error', async () => {
  const early: Row = ['a', ...w(0), 1, 1, 1];
  const engine = [early, early, ...expected];
  const ops = [Op.Insert, Op.UpdateBefore, Op.UpdateAfter, Op.Insert, Op.Insert, Op.Insert];
  const [c] = await compareWithOracle({ ...tumbleInput([]), sinkOutputs: new Map([[4, { rows: engine, ops }]]) });
  assert.ok(c);
  assert.equal(c.equal, true, c.firstDifference);
  assert.equal(c.engineRows, 4);

  const [bad] = await compareWithOracle({
    ...tumbleInput([]),
    sinkOutputs: new Map([[4, { rows: [early, ...expected], ops: [Op.Delete, Op.Insert, Op.Insert, Op.Insert, Op.Insert] }]]),
  });
  assert.ok(bad);
  assert.equal(bad.equal, false);
  assert.equal(bad.changelogErrors.length, 1);
  assert.match(bad.changelogErrors[0] ?? '', /changelog entry #0 \(-D \{sensor: 'a'.*\) retracts a row that was never emitted/);
  assert.match(renderComparison([bad]), /changelog error:/);
});

test('tumble: windows before the epoch floor correctly', async () => {
  const s = source(1, [['ts', T.timestamp]]);
  const a = windowAgg(2, s, { kind: 'tumble', sizeMicros: 10 * SEC }, 0, [], [['cnt', agg('count_star', T.bigint)]]);
  const p = plan(s, a, sink(3, a));
  const engine: Row[] = [
    [-10 * SEC, 0, 2],
    [0, 10 * SEC, 1],
  ];
  const [c] = await compareWithOracle({
    plan: p,
    sourceRows: new Map([[1, rows([[-1], [-10 * SEC], [0]])]]),
    late: [],
    sinkOutputs: new Map([[3, { rows: engine, ops: null }]]),
  });
  assert.equal(c?.equal, true, c?.firstDifference);
});

const hopSrc = source(1, [
  ['sensor', T.varchar],
  ['ts', T.timestamp],
]);
const hop = windowAgg(2, hopSrc, { kind: 'hop', slideMicros: 5 * SEC, sizeMicros: 10 * SEC }, 1, [['sensor', col(0, 'sensor', T.varchar)]], [
  ['cnt', agg('count_star', T.bigint)],
]);
const hopPlan = plan(hopSrc, hop, sink(3, hop, 'hop'));
const hopRows = rows([
  ['a', T0 + 1 * SEC],
  ['a', T0 + 6 * SEC],
  ['a', T0 + 12 * SEC],
]);
const hw = (s: number): [number, number] => [T0 + s * SEC, T0 + (s + 10) * SEC];

async function hopCompare(engine: Row[], late: ReturnType<typeof lateEvent>[]) {
  const [c] = await compareWithOracle({ plan: hopPlan, sourceRows: new Map([[1, hopRows]]), late, sinkOutputs: new Map([[3, { rows: engine, ops: null }]]) });
  assert.ok(c);
  return c;
}

test('hop: a row counts in every window that contains it', async () => {
  const c = await hopCompare([['a', ...hw(-5), 1], ['a', ...hw(0), 2], ['a', ...hw(5), 2], ['a', ...hw(10), 1]], []);
  assert.equal(c.equal, true, c.firstDifference);
});

test('hop: a per-window late drop removes the row from that window only', async () => {
  const c = await hopCompare([['a', ...hw(-5), 1], ['a', ...hw(0), 1], ['a', ...hw(5), 2], ['a', ...hw(10), 1]], [lateEvent(2, 1, T0)]);
  assert.equal(c.equal, true, c.firstDifference);
  const wrong = await hopCompare([['a', ...hw(-5), 1], ['a', ...hw(0), 2], ['a', ...hw(5), 2], ['a', ...hw(10), 1]], [lateEvent(2, 1, T0)]);
  assert.deepEqual(wrong.onlyEngine, [['a', ...hw(0), 2]]);
  assert.deepEqual(wrong.onlyOracle, [['a', ...hw(0), 1]]);
});

test('hop: a late drop without a window start removes the whole row', async () => {
  const c = await hopCompare([['a', ...hw(-5), 1], ['a', ...hw(0), 1], ['a', ...hw(5), 1], ['a', ...hw(10), 1]], [lateEvent(2, 1)]);
  assert.equal(c.equal, true, c.firstDifference);
});

test('windowExpand: HOP gives one row per window, hidden $ref left out', async () => {
  const s = source(1, [
    ['id', T.int],
    ['ts', T.timestamp],
  ]);
  const x = windowExpand(2, s, { kind: 'hop', slideMicros: 5 * SEC, sizeMicros: 10 * SEC }, 1);
  const p = plan(s, x, sink(3, x, 'expanded'));
  const engine: Row[] = [
    [1, T0 + 7 * SEC, T0, T0 + 10 * SEC],
    [1, T0 + 7 * SEC, T0 + 5 * SEC, T0 + 15 * SEC],
    [2, T0 + 10 * SEC, T0 + 5 * SEC, T0 + 15 * SEC],
    [2, T0 + 10 * SEC, T0 + 10 * SEC, T0 + 20 * SEC],
  ];
  const [c] = await compareWithOracle({
    plan: p,
    sourceRows: new Map([[1, rows([[1, T0 + 7 * SEC], [2, T0 + 10 * SEC]])]]),
    late: [],
    sinkOutputs: new Map([[3, { rows: engine, ops: null }]]),
  });
  assert.equal(c?.equal, true, c?.firstDifference);
  assert.deepEqual(
    c?.columns.map((k) => k.name),
    ['id', 'ts', 'window_start', 'window_end'],
  );
});
