// The function registry: lookup, typing errors and DuckDB-exact values of each function.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, type Value } from '../../../src/catalog/types.js';
import type { BoundExpr } from '../../../src/expr/bound.js';
import { compileExpr } from '../../../src/expr/compile.js';
import { functionNames, lookupFunction } from '../../../src/expr/functions.js';
import { call, dbl, int, lit, str } from './support.js';

const ev = (fn: string, ...args: BoundExpr[]): Value => compileExpr(call(fn, ...args))([]);

describe('function registry', () => {
  it('is case-insensitive with aliases and lists names', () => {
    assert.equal(lookupFunction('CEILING')?.name, 'ceil');
    assert.equal(lookupFunction('Substr')?.name, 'substring');
    assert.equal(lookupFunction('nope'), undefined);
    assert.ok(functionNames().includes('coalesce'));
  });
  it('reports typing errors', () => {
    assert.deepEqual(lookupFunction('round')!.resolve([T.varchar]), { error: 'ROUND expects a number, got VARCHAR' });
    assert.deepEqual(lookupFunction('abs')!.resolve([]), { error: 'ABS takes 1 argument, got 0' });
    assert.deepEqual(lookupFunction('round')!.resolve([T.int]), T.int);
    assert.deepEqual(lookupFunction('floor')!.resolve([T.int]), T.double);
  });
  it('numbers', () => {
    assert.deepEqual([2.5, -2.5, 0.285, -0.4].map((x) => ev('round', dbl(x))), [3, -3, 0, -0]);
    assert.equal(ev('round', dbl(0.285), int(2)), 0.28);
    assert.equal(ev('round', dbl(2.675), int(2)), 2.68);
    assert.equal(ev('round', dbl(15), int(-1)), 20);
    assert.equal(ev('round', int(55), int(-2)), 100);
    assert.equal(ev('round', int(-55), int(-1)), -60);
    assert.equal(ev('sqrt', dbl(-1)), null);
    assert.equal(ev('ln', dbl(0)), null);
    assert.equal(ev('power', int(2), int(10)), 1024);
    assert.equal(ev('sign', dbl(-0)), 0);
    assert.equal(ev('mod', int(-7), int(3)), -1);
    assert.equal(ev('mod', int(7), int(0)), null);
    assert.equal(ev('greatest', int(1), int(null), int(3)), 3);
    assert.equal(ev('least', str('a'), str('B')), 'B');
  });
  it('strings', () => {
    assert.equal(ev('length', str('😀a')), 2);
    assert.equal(ev('upper', str('straße')), 'STRAẞE');
    assert.equal(ev('trim', str('\t a \t')), '\t a \t');
    assert.equal(ev('trim', str('  a b  ')), 'a b');
    assert.equal(ev('trim', str('xxaxx'), str('x')), 'a');
    assert.equal(ev('substring', str('hello'), int(2), int(3)), 'ell');
    assert.equal(ev('substring', str('hello'), int(0), int(2)), 'h');
    assert.equal(ev('substring', str('hello'), int(-3)), 'llo');
    assert.equal(ev('substring', str('hello'), int(2), int(-1)), 'h');
    assert.equal(ev('substring', str('😀abc'), int(2), int(2)), 'ab');
    assert.equal(ev('replace', str('aaa'), str('a'), str('bb')), 'bbbbbb');
    assert.equal(ev('replace', str('abc'), str(''), str('x')), 'abc');
    assert.equal(ev('concat', str('a'), str(null), int(1), dbl(1.5), lit(true, T.boolean)), 'a11.5true');
    assert.equal(ev('concat', str(null)), '');
    assert.equal(ev('starts_with', str('abc'), str('ab')), true);
    assert.equal(ev('contains', str('abc'), str(null)), null);
  });
  it('NULL handling', () => {
    assert.equal(ev('coalesce', int(null), int(2), int(3)), 2);
    assert.equal(ev('ifnull', str(null), str('x')), 'x');
    assert.equal(ev('nullif', int(1), int(1)), null);
    assert.equal(ev('nullif', int(1), int(null)), 1);
    assert.equal(ev('nullif', dbl(NaN), dbl(NaN)), null);
  });
  it('time', () => {
    const ts = lit(1_716_199_872_345_678, T.timestamp);
    assert.equal(ev('epoch_ms', ts), 1_716_199_872_345);
    assert.equal(ev('epoch_ms', lit(-500, T.timestamp)), 0);
    assert.equal(ev('epoch_ms', lit(1_705_305_600_017, T.bigint)), 1_705_305_600_017_000);
    assert.equal(ev('date_trunc', str('minute'), ts), 1_716_199_860_000_000);
    assert.equal(ev('date_trunc', str('second'), lit(-500, T.timestamp)), -1_000_000);
    assert.equal(ev('date_trunc', str('month'), ts), 1_714_521_600_000_000);
    assert.equal(ev('date_trunc', str('fortnight'), ts), null);
    assert.deepEqual([ev('hour', ts), ev('minute', ts), ev('second', ts)], [10, 11, 12]);
  });
});
