// The `generate:` column expressions: what each generator parses to, and every mistake reported
// at its offset in the expression with a hint.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GenExprError, parseGenExpr } from '../../../src/testkit/generate/expr.js';

test('one_of takes values and expands ranges of names and integers', () => {
  assert.deepEqual(parseGenExpr('one_of(Sensor1..Sensor3)'), { kind: 'one_of', values: ['Sensor1', 'Sensor2', 'Sensor3'], at: 0 });
  assert.deepEqual(parseGenExpr("one_of(a, 'b c', 3, 2.5, null, true, 1..2)"), { kind: 'one_of', values: ['a', 'b c', 3, 2.5, null, true, 1, 2], at: 0 });
});

test('between, keys, always and not_null', () => {
  assert.deepEqual(parseGenExpr('between(0, 100)'), { kind: 'between', lo: 0, hi: 100, at: 0 });
  assert.deepEqual(parseGenExpr(' between(-1.5, 2) '), { kind: 'between', lo: -1.5, hi: 2, at: 1 });
  assert.deepEqual(parseGenExpr('keys(5)'), { kind: 'keys', count: 5, at: 0 });
  assert.deepEqual(parseGenExpr('always(x)'), { kind: 'always', value: 'x', at: 0 });
  assert.deepEqual(parseGenExpr('not_null(one_of(a))'), { kind: 'not_null', inner: { kind: 'one_of', values: ['a'], at: 9 }, at: 0 });
});

function errorOf(src: string): GenExprError {
  try {
    parseGenExpr(src);
  } catch (e) {
    assert.ok(e instanceof GenExprError, `not a GenExprError: ${String(e)}`);
    return e;
  }
  assert.fail(`'${src}' parsed`);
}

test('mistakes name their offset, length and a hint', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['oneof(a, b)', 0, /expected a generator, found 'oneof'/],
    ['between(0)', 0, /between takes 2 arguments, got 1/],
    ['between(10, 1)', 8, /between\(10, 1\) is empty/],
    ['between(a, 1)', 8, /between needs a number as its lower bound/],
    ['one_of(Sensor1..Probe5)', 7, /is not a range/],
    ['one_of(Sensor5..Sensor1)', 7, /is empty/],
    ['one_of(a b)', 9, /expected ',' or '\)', found 'b'/],
    ["one_of('a)", 7, /unterminated string/],
    ['keys(0)', 5, /keys needs a whole number from 1 to 10000/],
    ['one_of(a) extra', 10, /unexpected 'extra' after the generator/],
    ['one_of(a', 8, /expected ',' or '\)', found the end/],
    ['one_of(a; b)', 8, /unexpected character ';'/],
  ];
  for (const [src, offset, message] of cases) {
    const e = errorOf(src);
    assert.match(e.message, message, src);
    assert.equal(e.offset, offset, `${src}: offset`);
    assert.ok(e.length >= 1, `${src}: length`);
  }
  assert.match(errorOf('oneof(a)').hint ?? '', /one_of, between, keys, always, not_null/);
});
