// Projections with structs, nested timestamps and the expression kinds the DuckDB printer
// covers, end to end through DuckDB; plus the printer's spelling of literals and casts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T, struct, type Row } from '../../../src/catalog/types.js';
import type { BoundExpr } from '../../../src/expr/bound.js';
import { compareWithOracle } from '../../../src/oracle/index.js';
import { exprSql, literalSql } from '../../../src/oracle/expr-sql.js';
import { SEC, T0, col, lit, plan, project, rows, sink, source } from './fixtures.js';

const src = source(1, [
  ['name', T.varchar],
  ['ts', T.timestamp],
  ['x', T.int],
  ['y', T.double],
  ['meta', struct([{ name: 'page', type: T.varchar }, { name: 'at', type: T.timestamp }])],
]);
const name = col(0, 'name', T.varchar);
const ts = col(1, 'ts', T.timestamp);
const x = col(2, 'x', T.int);
const y = col(3, 'y', T.double);
const meta = col(4, 'meta', src.schema[4]!.type);
const B = T.boolean;

const loc = struct([
  { name: 'x', type: T.int },
  { name: 'y', type: T.double },
]);
const exprs: [string, BoundExpr, boolean?][] = [
  ['pt', { kind: 'struct', fields: [{ name: 'name', value: name }, { name: 'loc', value: { kind: 'struct', fields: [{ name: 'x', value: x }, { name: 'y', value: y }], type: loc } }, { name: 'at', value: ts }], type: struct([{ name: 'name', type: T.varchar }, { name: 'loc', type: loc }, { name: 'at', type: T.timestamp }]) }],
  ['page', { kind: 'field', operand: meta, field: 'page', type: T.varchar }],
  ['twice', { kind: 'arith', op: '*', left: x, right: lit(2, T.int), type: T.int }],
  ['half', { kind: 'arith', op: '/', left: y, right: lit(2, T.int), type: T.double }],
  ['ratio', { kind: 'arith', op: '/', left: { kind: 'unary', op: '-', operand: x, type: T.int }, right: lit(0, T.int), type: T.double }],
  ['rem', { kind: 'arith', op: '%', left: x, right: lit(-2, T.int), type: T.int }],
  ['later', { kind: 'arith', op: '+', left: ts, right: lit(90 * SEC, T.interval), type: T.timestamp }],
  ['tag', { kind: 'concat', left: name, right: lit("'s", T.varchar), type: T.varchar }],
  ['big', { kind: 'logic', op: 'AND', operands: [{ kind: 'compare', op: '>=', left: x, right: lit(2, T.int), type: B }, { kind: 'isNull', operand: y, negated: true, type: B }], type: B }],
  ['kind', { kind: 'case', whens: [{ when: { kind: 'in', operand: name, list: [lit('a', T.varchar), lit('b', T.varchar)], negated: false, type: B }, then: lit('ab', T.varchar) }, { when: { kind: 'like', operand: name, pattern: lit('C%', T.varchar), negated: false, caseInsensitive: true, type: B }, then: lit('c', T.varchar) }], else: undefined, type: T.varchar }],
  ['mid', { kind: 'between', operand: y, low: lit(0, T.double), high: lit(1.5, T.double), negated: false, type: B }],
  ['num', { kind: 'cast', operand: name, type: T.int }],
  ['ts_text', { kind: 'cast', operand: ts, type: T.varchar }],
  ['up', { kind: 'call', fn: 'upper', args: [name], type: T.varchar }],
  ['safe', { kind: 'call', fn: 'coalesce', args: [y, lit(0, T.double)], type: T.double }],
  ['$ref', col(5, '$ref', T.varchar), true],
];
const proj = project(2, src, exprs);
const p = plan(src, proj, sink(3, proj, 'shaped'));

const input = rows([
  ['a', T0, 3, 1.5, { page: '/home', at: T0 - SEC }],
  ['cat', T0 + 1, -5, null, null],
  ['42', T0 + 2 * SEC, null, 0.25, { page: null, at: null }],
]);

const engine: Row[] = [
  [{ name: 'a', loc: { x: 3, y: 1.5 }, at: T0 }, '/home', 6, 0.75, -Infinity, 1, T0 + 90 * SEC, "a's", true, 'ab', true, null, '2024-05-20 10:00:00', 'A', 1.5],
  [{ name: 'cat', loc: { x: -5, y: null }, at: T0 + 1 }, null, -10, null, Infinity, -1, T0 + 1 + 90 * SEC, "cat's", false, 'c', null, null, '2024-05-20 10:00:00.000001', 'CAT', 0],
  [{ name: '42', loc: { x: null, y: 0.25 }, at: T0 + 2 * SEC }, null, null, 0.125, null, null, T0 + 92 * SEC, "42's", null, null, true, 42, '2024-05-20 10:00:02', '42', 0.25],
];

test('project: structs, nested timestamps and every expression kind agree with DuckDB', async () => {
  const [c] = await compareWithOracle({ plan: p, sourceRows: new Map([[1, input]]), late: [], sinkOutputs: new Map([[3, { rows: engine, ops: null }]]) });
  assert.ok(c);
  assert.equal(c.equal, true, `${c.firstDifference}\n${c.sql}`);
  assert.equal(c.columns.length, exprs.length - 1);
});

test('project: a wrong nested struct field is a difference shown with ISO timestamps', async () => {
  const wrong = engine.map((r) => [...r]);
  wrong[0]![0] = { name: 'a', loc: { x: 3, y: 1.5 }, at: T0 + SEC };
  const [c] = await compareWithOracle({ plan: p, sourceRows: new Map([[1, input]]), late: [], sinkOutputs: new Map([[3, { rows: wrong, ops: null }]]) });
  assert.equal(c?.equal, false);
  assert.match(c?.firstDifference ?? '', /nearest DuckDB row differs in pt: \{name: 'a', loc: \{x: 3, y: 1\.5\}, at: 2024-05-20T10:00:00\.000Z\}$/);
});

test('expr-sql: literals are typed, strings escaped, casts are TRY_CAST', () => {
  assert.equal(literalSql("it's", T.varchar), "'it''s'");
  assert.equal(literalSql(T0, T.timestamp), `make_timestamp(CAST(${T0} AS BIGINT))`);
  assert.equal(literalSql(5 * SEC, T.interval), 'to_microseconds(CAST(5000000 AS BIGINT))');
  assert.equal(literalSql(1.5, T.double), 'CAST(1.5 AS DOUBLE)');
  assert.equal(literalSql(Number.NaN, T.double), "CAST('NaN' AS DOUBLE)");
  assert.equal(literalSql(null, T.int), 'CAST(NULL AS INTEGER)');
  assert.equal(literalSql({ a: 1 }, struct([{ name: 'a', type: T.bigint }])), 'struct_pack("a" := CAST(1 AS BIGINT))');
  const c = (i: number): string => `c${i}`;
  assert.equal(exprSql({ kind: 'cast', operand: col(0, 'v', T.varchar), type: T.double }, c), 'TRY_CAST(c0 AS DOUBLE)');
  assert.equal(exprSql({ kind: 'field', operand: col(0, 's', T.varchar), field: 'my "f"', type: T.int }, c), `struct_extract(c0, 'my "f"')`);
});
