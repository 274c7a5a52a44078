// compileExpr for every expression kind: three-valued logic, arithmetic, comparison, LIKE, IN,
// BETWEEN, CASE, CAST (with DuckDB's formatting and rounding), fields and struct construction.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { struct, T, type Row, type SqlType, type Value } from '../../../src/catalog/types.js';
import type { BoundExpr } from '../../../src/expr/bound.js';
import { compileExpr, compilePredicate } from '../../../src/expr/compile.js';
import { formatDouble, formatTimestampSql } from '../../../src/expr/format.js';
import { bool, col, dbl, int, lit, str } from './support.js';

const ev = (e: BoundExpr, row: Row = []): Value => compileExpr(e)(row);
const logic = (op: 'AND' | 'OR', ...operands: BoundExpr[]): BoundExpr => ({ kind: 'logic', op, operands, type: T.boolean });
const arith = (op: '+' | '-' | '*' | '/' | '%', left: BoundExpr, right: BoundExpr, type: SqlType): BoundExpr => ({ kind: 'arith', op, left, right, type });
const cmp = (op: '=' | '<>' | '<' | '<=' | '>' | '>=', left: BoundExpr, right: BoundExpr): BoundExpr => ({ kind: 'compare', op, left, right, type: T.boolean });
const cast = (operand: BoundExpr, type: SqlType): BoundExpr => ({ kind: 'cast', operand, type });
const TRI = [true, false, null] as const;

describe('three-valued logic', () => {
  it('AND and OR follow the SQL truth tables', () => {
    const and: Record<string, boolean | null> = {};
    const or: Record<string, boolean | null> = {};
    for (const a of TRI) for (const b of TRI) {
      and[`${a} ${b}`] = ev(logic('AND', bool(a), bool(b))) as boolean | null;
      or[`${a} ${b}`] = ev(logic('OR', bool(a), bool(b))) as boolean | null;
    }
    assert.deepEqual(and, {
      'true true': true, 'true false': false, 'true null': null,
      'false true': false, 'false false': false, 'false null': false,
      'null true': null, 'null false': false, 'null null': null,
    });
    assert.deepEqual(or, {
      'true true': true, 'true false': true, 'true null': true,
      'false true': true, 'false false': false, 'false null': null,
      'null true': true, 'null false': null, 'null null': null,
    });
  });
  it('n-ary AND/OR and NOT', () => {
    assert.equal(ev(logic('AND', bool(true), bool(null), bool(false))), false);
    assert.equal(ev(logic('AND', bool(true), bool(null), bool(true))), null);
    assert.equal(ev(logic('OR', bool(false), bool(null), bool(false))), null);
    assert.equal(ev(logic('OR', bool(null), bool(false), bool(true))), true);
    const not = (b: boolean | null): Value => ev({ kind: 'unary', op: 'NOT', operand: bool(b), type: T.boolean });
    assert.deepEqual([not(true), not(false), not(null)], [false, true, null]);
  });
  it('a predicate holds only for TRUE', () => {
    const p = compilePredicate(cmp('>', col(0, T.int), int(5)));
    assert.deepEqual([p([6]), p([5]), p([null])], [true, false, false]);
  });
  it('IS [NOT] NULL', () => {
    assert.equal(ev({ kind: 'isNull', operand: int(null), negated: false, type: T.boolean }), true);
    assert.equal(ev({ kind: 'isNull', operand: int(0), negated: true, type: T.boolean }), true);
  });
});

describe('arithmetic', () => {
  it('propagates NULL', () => {
    assert.equal(ev(arith('+', int(1), int(null), T.int)), null);
    assert.equal(ev(arith('*', int(null), int(2), T.int)), null);
  });
  it('/ is DOUBLE division with IEEE results for zero divisors, like DuckDB 1.5', () => {
    assert.equal(ev(arith('/', int(7), int(2), T.double)), 3.5);
    assert.equal(ev(arith('/', int(1), int(0), T.double)), Infinity);
    assert.equal(ev(arith('/', int(-1), int(0), T.double)), -Infinity);
    assert.ok(Number.isNaN(ev(arith('/', int(0), int(0), T.double))));
  });
  it('% takes the sign of the dividend; integer % 0 is NULL, double % 0 is NaN', () => {
    assert.equal(ev(arith('%', int(-7), int(3), T.int)), -1);
    assert.equal(ev(arith('%', int(7), int(-3), T.int)), 1);
    assert.equal(ev(arith('%', int(5), int(0), T.int)), null);
    assert.ok(Object.is(ev(arith('%', int(-5), int(5), T.int)), 0));
    assert.equal(ev(arith('%', dbl(-7.5), dbl(2), T.double)), -1.5);
    assert.ok(Number.isNaN(ev(arith('%', dbl(5), dbl(0), T.double))));
  });
  it('TIMESTAMP +- INTERVAL stays in micros', () => {
    const ts = lit(1_716_199_200_000_000, T.timestamp);
    const iv = lit(1_500, T.interval);
    assert.equal(ev(arith('+', ts, iv, T.timestamp)), 1_716_199_200_001_500);
    assert.equal(ev(arith('-', ts, iv, T.timestamp)), 1_716_199_199_998_500);
  });
  it('unary minus', () => {
    const neg = (e: BoundExpr): Value => ev({ kind: 'unary', op: '-', operand: e, type: e.type });
    assert.ok(Object.is(neg(int(0)), 0));
    assert.equal(neg(int(3)), -3);
    assert.equal(neg(int(null)), null);
  });
  it('|| is NULL when either side is NULL and casts non-strings', () => {
    const cc = (l: BoundExpr, r: BoundExpr): Value => ev({ kind: 'concat', left: l, right: r, type: T.varchar });
    assert.equal(cc(str('a'), str(null)), null);
    assert.equal(cc(int(1), str('a')), '1a');
    assert.equal(cc(str('x='), dbl(2)), 'x=2.0');
  });
});

describe('comparison', () => {
  it('numbers, column vs literal both ways, NULLs', () => {
    const c = col(0, T.int);
    assert.deepEqual([3, 5, 7, null].map((v) => ev(cmp('<', c, int(5)), [v])), [true, false, false, null]);
    assert.deepEqual([3, 5, 7, null].map((v) => ev(cmp('<', int(5), c), [v])), [false, false, true, null]);
    assert.deepEqual([3, 5, 7].map((v) => ev(cmp('>=', c, int(5)), [v])), [false, true, true]);
    assert.equal(ev(cmp('=', c, int(null)), [1]), null);
  });
  it('doubles: NaN equals NaN and is greater than everything', () => {
    assert.equal(ev(cmp('=', dbl(NaN), dbl(NaN))), true);
    assert.equal(ev(cmp('>', dbl(NaN), dbl(Infinity))), true);
    assert.equal(ev(cmp('<', dbl(1), dbl(NaN))), true);
    assert.equal(ev(cmp('=', dbl(0), dbl(-0))), true);
  });
  it('strings in UTF-8 byte order, booleans false < true', () => {
    assert.equal(ev(cmp('<', str('B'), str('a'))), true);
    assert.equal(ev(cmp('<', str('a'), str('ab'))), true);
    assert.equal(ev(cmp('<', str('\uffff'), str('😀'))), true);
    assert.equal(ev(cmp('<', bool(false), bool(true))), true);
    assert.equal(ev(cmp('<>', str('x'), str('x'))), false);
  });
});

describe('IN, BETWEEN, LIKE, CASE', () => {
  const inList = (x: BoundExpr, list: BoundExpr[], negated = false): Value => ev({ kind: 'in', operand: x, list, negated, type: T.boolean });
  it('IN with a NULL in the list and no match is NULL', () => {
    assert.equal(inList(int(1), [int(1), int(null)]), true);
    assert.equal(inList(int(2), [int(1), int(null)]), null);
    assert.equal(inList(int(2), [int(1), int(3)]), false);
    assert.equal(inList(int(null), [int(1)]), null);
    assert.equal(inList(int(2), [int(1), int(null)], true), null);
    assert.equal(inList(int(2), [int(1)], true), true);
    assert.equal(inList(dbl(NaN), [dbl(NaN)]), true);
    // non-literal list
    assert.equal(compileExpr({ kind: 'in', operand: int(2), list: [col(0, T.int), col(1, T.int)], negated: false, type: T.boolean })([1, 3]), false);
    assert.equal(compileExpr({ kind: 'in', operand: int(2), list: [col(0, T.int), col(1, T.int)], negated: false, type: T.boolean })([null, 2]), true);
  });
  it('BETWEEN is (x >= lo AND x <= hi) in three-valued logic', () => {
    const btw = (x: number | null, lo: number | null, hi: number | null, negated = false): Value =>
      ev({ kind: 'between', operand: int(x), low: int(lo), high: int(hi), negated, type: T.boolean });
    assert.equal(btw(2, 1, 3), true);
    assert.equal(btw(1, 1, 1), true);
    assert.equal(btw(0, 1, 3), false);
    assert.equal(btw(null, 1, 3), null);
    assert.equal(btw(5, null, 3), false);
    assert.equal(btw(2, null, 3), null);
    assert.equal(btw(5, 1, 3, true), true);
    assert.equal(btw(2, null, 3, true), null);
  });
  it('LIKE and ILIKE: % and _, regex specials literal, no escape character', () => {
    const like = (s: string | null, p: BoundExpr, ci = false, negated = false): Value =>
      ev({ kind: 'like', operand: str(s), pattern: p, negated, caseInsensitive: ci, type: T.boolean });
    assert.equal(like('abc', str('a%')), true);
    assert.equal(like('abc', str('%c')), true);
    assert.equal(like('abc', str('%b%')), true);
    assert.equal(like('abc', str('abc')), true);
    assert.equal(like('abc', str('a_c')), true);
    assert.equal(like('a😀c', str('a_c')), true);
    assert.equal(like('a\nc', str('a_c')), true);
    assert.equal(like('a.c', str('a.c')), true);
    assert.equal(like('abc', str('a.c')), false);
    assert.equal(like('a(b)+', str('a(b)+')), true);
    assert.equal(like('a%', str('a\\%')), false);
    assert.equal(like('ABC', str('a%')), false);
    assert.equal(like('ABC', str('a%'), true), true);
    assert.equal(like('abc', str('a%'), false, true), false);
    assert.equal(like(null, str('a%')), null);
    assert.equal(like('a', str(null)), null);
    const dyn = compileExpr({ kind: 'like', operand: col(0, T.varchar), pattern: col(1, T.varchar), negated: false, caseInsensitive: false, type: T.boolean });
    assert.deepEqual([dyn(['ab', 'a_']), dyn(['ab', 'b%']), dyn(['ab', null])], [true, false, null]);
  });
  it('CASE takes the first TRUE branch; no ELSE gives NULL', () => {
    const e: BoundExpr = {
      kind: 'case',
      whens: [
        { when: cmp('>', col(0, T.int), int(10)), then: str('big') },
        { when: cmp('>', col(0, T.int), int(5)), then: str('mid') },
      ],
      else: undefined,
      type: T.varchar,
    };
    const f = compileExpr(e);
    assert.deepEqual([f([11]), f([6]), f([1]), f([null])], ['big', 'mid', null, null]);
    const withElse = compileExpr({ ...e, else: str('small') });
    assert.deepEqual([withElse([11]), withElse([null])], ['big', 'small']);
  });
});

describe('CAST', () => {
  it('to VARCHAR as DuckDB prints', () => {
    assert.equal(ev(cast(dbl(1.5), T.varchar)), '1.5');
    assert.equal(ev(cast(dbl(2), T.varchar)), '2.0');
    assert.equal(ev(cast(int(42), T.varchar)), '42');
    assert.equal(ev(cast(bool(true), T.varchar)), 'true');
    assert.equal(ev(cast(lit(1_716_199_200_123_000, T.timestamp), T.varchar)), '2024-05-20 10:00:00.123');
    assert.equal(ev(cast(int(null), T.varchar)), null);
  });
  it('formats doubles like Python repr (DuckDB)', () => {
    const cases: [number, string][] = [
      [1e20, '1e+20'], [1e-5, '1e-05'], [1e-4, '0.0001'], [0.1, '0.1'], [1e15, '1000000000000000.0'],
      [1e16, '1e+16'], [1.2345678901234568e17, '1.2345678901234568e+17'], [-1.5e-7, '-1.5e-07'],
      [5e-324, '5e-324'], [1e100, '1e+100'], [NaN, 'nan'], [-Infinity, '-inf'], [-0, '-0.0'], [123456.789, '123456.789'],
    ];
    for (const [x, s] of cases) assert.equal(formatDouble(x), s, String(x));
  });
  it('formats timestamps, including before 1970 and BC', () => {
    assert.equal(formatTimestampSql(-500_000), '1969-12-31 23:59:59.5');
    assert.equal(formatTimestampSql(0), '1970-01-01 00:00:00');
    assert.equal(formatTimestampSql(-62_135_596_800_000_000), '0001-01-01 00:00:00');
    assert.equal(formatTimestampSql(1_716_199_200_123_456), '2024-05-20 10:00:00.123456');
  });
  it('DOUBLE to integer rounds half to even; out of range is NULL', () => {
    const toInt = (x: number): Value => ev(cast(dbl(x), T.int));
    assert.deepEqual([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 2.4999].map(toInt), [0, 2, 2, 4, 0, -2, -2, 2]);
    assert.equal(toInt(1e10), null);
    assert.equal(toInt(NaN), null);
    assert.equal(ev(cast(dbl(1e10), T.bigint)), 1e10);
  });
  it('VARCHAR to numbers, booleans and timestamps; bad text is NULL (TRY_CAST)', () => {
    const to = (s: string, t: SqlType): Value => ev(cast(str(s), t));
    assert.equal(to(' 12 ', T.int), 12);
    assert.equal(to('12.5', T.int), 13);
    assert.equal(to('-2.5', T.int), -3);
    assert.equal(to('1e3', T.int), 1000);
    assert.equal(to('0x1F', T.int), 31);
    assert.equal(to('1_000', T.int), 1000);
    assert.equal(to('abc', T.int), null);
    assert.equal(to('2147483648', T.int), null);
    assert.equal(to('2147483648', T.bigint), 2147483648);
    assert.equal(to('.5', T.double), 0.5);
    assert.equal(to('-inf', T.double), -Infinity);
    assert.equal(to('0x1F', T.double), null);
    assert.equal(to('yes', T.boolean), true);
    assert.equal(to('F', T.boolean), false);
    assert.equal(to(' true ', T.boolean), null);
    assert.equal(to('2024-05-20 10:00:00.123', T.timestamp), 1_716_199_200_123_000);
    assert.equal(to('2024-05-20T10:00:00.5Z', T.timestamp), 1_716_199_200_500_000);
    assert.equal(to('2024-05-20', T.timestamp), 1_716_163_200_000_000);
    assert.equal(to('2024-02-30', T.timestamp), null);
    assert.equal(to('2024-05-20 24:00:00', T.timestamp), 1_716_249_600_000_000);
  });
});

describe('structs', () => {
  const st = struct([{ name: 'page', type: T.varchar }, { name: 'constructor', type: T.int }]);
  it('builds objects and reads fields; a NULL struct gives NULL fields', () => {
    const build = compileExpr({ kind: 'struct', fields: [{ name: 'a', value: int(1) }, { name: 'b', value: col(0, T.varchar) }], type: T.int });
    assert.deepEqual(build(['x']), { a: 1, b: 'x' });
    const page = compileExpr({ kind: 'field', operand: col(0, st), field: 'page', type: T.varchar });
    assert.equal(page([{ page: '/search' }]), '/search');
    assert.equal(page([null]), null);
    const ctor = compileExpr({ kind: 'field', operand: col(0, st), field: 'constructor', type: T.int });
    assert.equal(ctor([{ page: 'x' }]), null);
    assert.equal(ctor([{ page: 'x', constructor: 3 }]), 3);
  });
});
