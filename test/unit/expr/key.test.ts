// Key encoding: equal SQL values give equal keys, different values different keys, for single
// VARCHAR/numeric keys (the fast paths) and composite keys with tricky values.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { struct, T, type Row, type SqlType, type Value } from '../../../src/catalog/types.js';
import { compileKey } from '../../../src/expr/key.js';
import { valuesEqual } from '../../../src/expr/values.js';
import { col, RUNS } from './support.js';

const tricky = fc.constantFrom('', 'null', 'NULL', 'N', '\u0001', '\u0001\u0001', '\u0001x', 's1:a', 'n1;', '|', ':', ';', '1', 'a', 'ab', 'é', '😀');
const strVal: fc.Arbitrary<Value> = fc.option(fc.oneof(tricky, fc.string({ maxLength: 4 })), { nil: null });
const numVal: fc.Arbitrary<Value> = fc.option(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, -0, 0.5, NaN, Infinity, -Infinity, 1e21)), { nil: null });
const boolVal: fc.Arbitrary<Value> = fc.option(fc.boolean(), { nil: null });

function sqlEqual(a: Value, b: Value): boolean {
  return a === null || b === null ? a === b : valuesEqual(a, b);
}

function checkInjective(types: SqlType[], arbs: fc.Arbitrary<Value>[]): void {
  const key = compileKey(types.map((t, i) => col(i, t)));
  const row = fc.tuple(...arbs).map((r): Row => [...r]);
  fc.assert(
    fc.property(row, row, (a, b) => {
      const same = a.every((v, i) => sqlEqual(v, b[i] ?? null));
      assert.equal(key.encode(a) === key.encode(b), same, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }),
    { numRuns: RUNS * 3 },
  );
}

describe('compileKey', () => {
  it('single VARCHAR key: NULL, empty and escape-prefixed strings stay apart', () => {
    checkInjective([T.varchar], [strVal]);
    const k = compileKey([col(0, T.varchar)]);
    const encoded = [null, '', 'null', '\u0001', '\u0001\u0001'].map((v) => k.encode([v]));
    assert.equal(new Set(encoded).size, 5);
    assert.equal(k.encode(['abc']), 'abc');
  });
  it('single numeric key: -0 meets 0, NaN meets NaN, NULL is apart', () => {
    checkInjective([T.double], [numVal]);
    const k = compileKey([col(0, T.double)]);
    assert.equal(k.encode([-0]), k.encode([0]));
    assert.notEqual(k.encode([null]), k.encode([0]));
  });
  it('composite keys are unambiguous', () => {
    checkInjective([T.varchar, T.varchar], [strVal, strVal]);
    checkInjective([T.varchar, T.int, T.boolean, T.varchar], [strVal, numVal, boolVal, strVal]);
    const st = struct([{ name: 'a', type: T.varchar }, { name: 'b', type: T.int }]);
    const stVal: fc.Arbitrary<Value> = fc.option(fc.record({ a: strVal, b: numVal }), { nil: null });
    checkInjective([st, T.varchar], [stVal, strVal]);
  });
  it('values returns the key values', () => {
    const k = compileKey([col(1, T.varchar), col(0, T.int)]);
    assert.deepEqual(k.values([7, 'x']), ['x', 7]);
    assert.deepEqual(compileKey([]).values([1]), []);
    assert.equal(compileKey([]).encode([1]), compileKey([]).encode([2]));
  });
});
