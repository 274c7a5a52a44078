// The pure parts of the oracle: tolerant multiset diff, first-difference
// text, the rendered report, and the SQL a plan translates to.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T, struct, type Row } from '../../../src/catalog/types.js';
import { defaultTables, renderComparison, translatePlan, type SinkComparison } from '../../../src/oracle/index.js';
import { describeFirstDifference, diffMultisets } from '../../../src/oracle/compare.js';
import { formatMicros } from '../../../src/oracle/values.js';
import { SEC, T0, agg, col, groupAgg, plan, sink, source, windowAgg } from './fixtures.js';

const cols = [
  { name: 'k', type: T.varchar },
  { name: 'v', type: T.double },
  { name: 's', type: struct([{ name: 'd', type: T.double }, { name: 'n', type: T.bigint }]) },
];

test('diff: DOUBLE within tolerance (also in structs), NaN equals NaN, NULL equals NULL only', () => {
  const engine: Row[] = [
    ['a', 1 + 1e-12, { d: 2, n: 1 }],
    ['b', Number.NaN, { d: 1e-13, n: 2 }],
    ['c', null, null],
    ['d', 0, { d: 1, n: 3 }],
  ];
  const oracle: Row[] = [
    ['a', 1, { d: 2 * (1 + 1e-10), n: 1 }],
    ['b', Number.NaN, { d: 0, n: 2 }],
    ['c', null, null],
    ['d', null, { d: 1, n: 3 }],
  ];
  const d = diffMultisets(engine, oracle, cols);
  assert.deepEqual(d.onlyEngine, [['d', 0, { d: 1, n: 3 }]]);
  assert.deepEqual(d.onlyOracle, [['d', null, { d: 1, n: 3 }]]);
  assert.equal(
    describeFirstDifference(d, engine, oracle, cols),
    "engine row {k: 'd', v: 0, s: {d: 1, n: 3}} has no match in DuckDB; nearest DuckDB row differs in v: NULL",
  );
  const exact = diffMultisets([['x', 1, { d: 1, n: 1 }]], [['x', 1, { d: 1, n: 2 }]], cols);
  assert.equal(exact.onlyEngine.length, 1);
});

test('formatMicros: ISO UTC, milliseconds or microseconds', () => {
  assert.equal(formatMicros(T0), '2024-05-20T10:00:00.000Z');
  assert.equal(formatMicros(T0 + 1_234_567), '2024-05-20T10:00:01.234567Z');
  assert.equal(formatMicros(-1), '1969-12-31T23:59:59.999999Z');
});

test('render: a table of differing rows, engine-only `-`, DuckDB-only `+`, colored on request', () => {
  const c: SinkComparison = {
    sink: 'agg',
    equal: false,
    sql: '',
    engineRows: 2,
    oracleRows: 2,
    onlyEngine: [['a', 1.5, null]],
    onlyOracle: [['a', 2.5, null]],
    firstDifference: 'x',
    columns: cols,
    changelogErrors: [],
  };
  assert.equal(
    renderComparison([c]),
    [
      'agg: DIFFERENT (engine 2 rows, DuckDB 2 rows; 1 only in engine, 1 only in DuckDB)',
      '  first difference: x',
      '     side    k    v    s',
      "  -  engine  'a'  1.5  NULL",
      "  +  duckdb  'a'  2.5  NULL",
    ].join('\n'),
  );
  const colored = renderComparison([c], { color: true });
  assert.match(colored, /\x1b\[31m {2}- {2}engine/);
  assert.match(colored, /\x1b\[32m {2}\+ {2}duckdb/);
  const many = { ...c, onlyEngine: Array.from({ length: 25 }, (_, i): Row => ['a', i, null]), onlyOracle: [] };
  assert.match(renderComparison([many]), /\.\.\. and 5 more differing rows$/);
});

test('translatePlan: one WITH query per sink over src_<id>, late_<id> only when given', () => {
  const s = source(0, [
    ['k', T.varchar],
    ['ts', T.timestamp],
  ]);
  const w = windowAgg(1, s, { kind: 'tumble', sizeMicros: 10 * SEC }, 1, [['k', col(0, 'k', T.varchar)]], [['n', agg('count_star', T.bigint)]]);
  const g = groupAgg(3, s, [], [['n', agg('count_star', T.bigint)]]);
  const p = plan(s, w, sink(2, w, 'windows'), g, sink(4, g, 'total'));
  const plain = translatePlan(p, 2);
  assert.match(plain, /FROM "src_0" AS i/);
  assert.doesNotMatch(plain, /late_/);
  assert.match(plain, /SELECT c0 AS "k", epoch_us\(c1\) AS "window_start", epoch_us\(c2\) AS "window_end", c3 AS "n"\nFROM n2$/);
  assert.match(translatePlan(p, 2, defaultTables([1])), /NOT EXISTS \(SELECT 1 FROM "late_1" AS l WHERE l\.seq = w\.__seq AND \(l\.window_start IS NULL OR l\.window_start = w\.__ws\)\)/);
  const total = translatePlan(p, 4);
  assert.match(total, /HAVING count\(\*\) > 0/);
  assert.doesNotMatch(total, /n1/);
});
