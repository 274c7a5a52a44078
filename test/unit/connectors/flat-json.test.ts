// The decoder's flat-object scanner (format/flat-json.ts) against JSON.parse: for any text, the
// decoder must give what decoding JSON.parse's object gives (the same row, -0 and all, or the
// same error), whether the scanner read the text or gave up on it. Texts are flat and nested
// objects with schema fields, other-case and unknown keys, duplicates, numbers written every
// JSON way, escapes, random whitespace, and broken copies of all of these.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Column } from '../../../src/catalog/catalog.js';
import { T } from '../../../src/catalog/types.js';
import { compileDecoder } from '../../../src/connectors/format/decode.js';
import { compileFlatScanner } from '../../../src/connectors/format/flat-json.js';
import { showValue } from '../../../src/connectors/format/convert.js';
import { DecodeError, type DecodeResult } from '../../../src/connectors/connector.js';
import { RUNS } from '../expr/support.js';

const cols: Column[] = [
  { name: 'sensor', type: T.varchar },
  { name: 'value', type: T.double },
  { name: 'n', type: T.int },
  { name: 'ok', type: T.boolean },
  { name: 'ts', type: T.timestamp },
];
const decode = compileDecoder(cols, 'ts');

/** What JSON.parse's path gives: the object decoded, or JSON.parse's own error. */
function viaParse(text: string): DecodeResult {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    return new DecodeError(`not valid JSON: ${(e as Error).message}`);
  }
  // A JSON string at the top: decode() would take it for text and parse it again.
  if (typeof o === 'string') return new DecodeError(`expected a JSON object, got ${showValue(o)}`);
  return decode(o as Record<string, unknown>);
}

/** JSON numbers in every form: sign, zero, digits, fraction, exponent; short and long mantissas. */
const numberText = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9][0-9]{0,20}$/)),
    fc.option(fc.stringMatching(/^[0-9]{1,18}$/), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{1,3}$/)), { nil: undefined }),
  )
  .map(([neg, int, frac, exp]) => `${neg ? '-' : ''}${int}${frac !== undefined ? `.${frac}` : ''}${exp ? exp.join('') : ''}`);

const space = fc.stringMatching(/^[ \t\n\r]{0,3}$/);
const str = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('sensor-1', 'a"b', 'back\\slash', 'tab\there', '\u2028', ''));
/** A value's JSON text. */
const valueText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: numberText },
  { weight: 3, arbitrary: str.map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null') },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
);
const key = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('sensor', 'value', 'n', 'ok', 'ts') },
  { weight: 1, arbitrary: fc.constantFrom('Sensor', 'VALUE', 'Ts', '__proto__', 'constructor', 'sens\\u006fr') },
  { weight: 1, arbitrary: fc.string() },
);
/** An object's text with random whitespace around every token; keys may repeat. */
const objectText = fc
  .tuple(fc.array(fc.tuple(key, valueText, space, space, space, space), { maxLength: 7 }), space, space)
  .map(([fields, a, b]) => {
    const body = fields.map(([k, v, s1, s2, s3, s4]) => `${s1}${k.includes('\\u') ? `"${k}"` : JSON.stringify(k)}${s2}:${s3}${v}${s4}`).join(',');
    return `${a}{${body}}${b}`;
  });
/** A broken copy: a character deleted, replaced or inserted. */
const broken = fc.tuple(objectText, fc.nat(), fc.constantFrom('', '"', ',', '}', '{', ':', '\\', '0', 'x', ' ', '\u0001')).map(([t, at, c]) => {
  const i = t.length === 0 ? 0 : at % t.length;
  return at % 3 === 0 ? t.slice(0, i) + t.slice(i + 1) : at % 3 === 1 ? t.slice(0, i) + c + t.slice(i + 1) : t.slice(0, i) + c + t.slice(i);
});

test('the decoder gives for any text what JSON.parse then decoding gives (property)', () => {
  fc.assert(
    fc.property(fc.oneof(objectText, broken, valueText), (text) => {
      assert.deepStrictEqual(decode(text), viaParse(text), text);
    }),
    { numRuns: RUNS * 20 },
  );
});

test('plain records take the scanner: whitespace, any field order, unknown keys; the values exact', () => {
  const scan = compileFlatScanner(cols.map((c) => c.name))!;
  const out: unknown[] = [];
  const ok = (text: string): unknown[] => {
    assert.equal(scan(text, out), true, text);
    return [...out];
  };
  assert.deepEqual(ok('{"sensor":"s-1","value":21.5,"n":3,"ok":true,"ts":1716199200000}'), ['s-1', 21.5, 3, true, 1716199200000]);
  assert.deepEqual(ok(' {\n  "ts": 1, "extra": "x", "ok": false,\t"n": -0, "value": null, "other": 2.5e3, "sensor": "a b"\r\n} '), ['a b', null, -0, false, 1]);
  assert.ok(Object.is(ok('{"sensor":"","value":-0.0,"n":0,"ok":null,"ts":0}')[1], -0));
  // Long mantissas and exponents go through the runtime's parse: still exact.
  assert.deepEqual(ok('{"sensor":"x","value":0.1234567890123456789,"n":1e2,"ok":true,"ts":12345678901234567890}'), ['x', 0.1234567890123456789, 100, true, 12345678901234567890]);
  // What it leaves to JSON.parse.
  for (const text of [
    '{"sensor":"a\\"b","value":1,"n":1,"ok":true,"ts":1}',
    '{"sensor":"s","value":1,"n":1,"ok":true}',
    '{"Sensor":"s","value":1,"n":1,"ok":true,"ts":1}',
    '{"sensor":"s","value":1,"n":1,"ok":true,"ts":1,"ts":2}',
    '{"sensor":"s","value":1,"n":1,"ok":true,"ts":1,"nested":{"a":1}}',
    '{"sensor":"s","value":01,"n":1,"ok":true,"ts":1}',
    '{"sensor":"s","value":1,"n":1,"ok":true,"ts":1,}',
    '{"sensor":"s","value":1,"n":1,"ok":true,"ts":1} x',
    '[1]',
    '{"sensor":"s","value":1,"n":1,"ok":trux,"ts":1}',
    '{"sensor":"s","value":1,"n":1,"ok":fals,"ts":1}',
    '{"sensor":"s","value":nul,"n":1,"ok":true,"ts":1}',
    '{"sensor":"s","value":1.,"n":1,"ok":true,"ts":1}',
    '{"sensor":"s","value":-,"n":1,"ok":true,"ts":1}',
    '{"sensor":"s","value":1e,"n":1,"ok":true,"ts":1}',
    '{"sensor":"s","value":1,"n":1,"ok":true,"ts":1',
    // A raw control character inside a string: invalid JSON.
    '{"sensor":"s\u0001","value":1,"n":1,"ok":true,"ts":1}',
  ]) {
    assert.equal(scan(text, out), false, text);
    assert.deepStrictEqual(decode(text), viaParse(text), text);
  }
  assert.equal(compileFlatScanner(['a', 'constructor']), undefined, 'Object.prototype names are read by the getters');
});

test('numbers read from the text equal JSON.parse to the last bit, around the exact-mantissa limit (property)', () => {
  const digits = (min: number, max: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
  const text = fc
    .tuple(fc.boolean(), fc.oneof(fc.constant('0'), fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 18)).map(([d, r]) => `${d}${r}`)), fc.option(digits(1, 19), { nil: undefined }))
    .map(([neg, int, frac]) => `${neg ? '-' : ''}${int}${frac !== undefined ? `.${frac}` : ''}`);
  fc.assert(
    fc.property(text, (t) => {
      const r = decode(`{"sensor":"x","value":${t},"n":1,"ok":true,"ts":1}`);
      assert.ok(!(r instanceof DecodeError), t);
      assert.ok(Object.is(r[1], JSON.parse(t)), `${t}: ${String(r[1])} vs ${String(JSON.parse(t))}`);
    }),
    { numRuns: RUNS * 30 },
  );
});

test('wide schemas (keys looked up in a map past the expected one) decode as JSON.parse does (property)', () => {
  const names = Array.from({ length: 40 }, (_, i) => `c${i}`);
  const wide: Column[] = names.map((name, i) => ({ name, type: i % 2 === 0 ? T.double : T.varchar }));
  const decodeWide = compileDecoder(wide, undefined);
  const wideKey = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...names) },
    { weight: 1, arbitrary: fc.constantFrom('C3', 'C12', 'x', 'c40', 'c', '') },
  );
  const wideValue = fc.oneof(numberText, str.map((s) => JSON.stringify(s)), fc.constantFrom('null', 'true'));
  const text = fc.array(fc.tuple(wideKey, wideValue), { maxLength: 50 }).map((fields) => `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
  fc.assert(
    fc.property(text, (t) => {
      let o: unknown;
      try {
        o = JSON.parse(t);
      } catch {
        return;
      }
      assert.deepStrictEqual(decodeWide(t), decodeWide(o as Record<string, unknown>), t);
    }),
    { numRuns: RUNS * 10 },
  );
  // All 40 fields in reverse order: the scanner reads them all (no give-up), the same row.
  const out: unknown[] = [];
  const reversed = `{${[...names].reverse().map((n, i) => `"${n}":${i}`).join(',')}}`;
  assert.equal(compileFlatScanner(names)!(reversed, out), true);
  assert.deepEqual(out, names.map((_, i) => 39 - i));
});

test('a 20,000-column record whose keys are all in another case decodes in linear time (it was quadratic: minutes per record)', { timeout: 120_000 }, () => {
  const n = 20_000;
  const wide: Column[] = Array.from({ length: n }, (_, i) => ({ name: `c${i}`, type: T.double }));
  const decodeWide = compileDecoder(wide, undefined);
  const text = `{${Array.from({ length: n }, (_, i) => `"C${i}":${i}`).join(',')}}`;
  const r = decodeWide(text);
  assert.ok(!(r instanceof DecodeError));
  assert.equal(r.length, n);
  assert.equal(r[n - 1], n - 1);
  // Reverse order through the scanner.
  const rev = `{${Array.from({ length: n }, (_, i) => `"c${n - 1 - i}":${i}`).join(',')}}`;
  const r2 = decodeWide(rev);
  assert.ok(!(r2 instanceof DecodeError));
  assert.equal(r2[0], n - 1);
});
