// JSON and CSV decoding: type conversions, NULLs, event time, and every error reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Column } from '../../../src/catalog/catalog.js';
import { struct, T } from '../../../src/catalog/types.js';
import type { Row } from '../../../src/catalog/types.js';
import { compileDecoder } from '../../../src/connectors/format/decode.js';
import { compileCsvDecoder, parseCsvHeader, splitCsvLine } from '../../../src/connectors/format/csv.js';
import { BLANK, DecodeError, type DecodeResult } from '../../../src/connectors/connector.js';

const cols: Column[] = [
  { name: 'b', type: T.boolean },
  { name: 'i', type: T.int },
  { name: 'big', type: T.bigint },
  { name: 'value', type: T.double },
  { name: 's', type: T.varchar },
  { name: 'ts', type: T.timestamp },
];

function row(r: DecodeResult): Row {
  if (r instanceof DecodeError) assert.fail(`unexpected error: ${r.error}`);
  return r;
}

function error(r: DecodeResult): string {
  if (!(r instanceof DecodeError)) assert.fail(`expected an error, got ${JSON.stringify(r)}`);
  return r.error;
}

const dec = compileDecoder(cols, 'ts');

test('decodes JSON text and objects into positional rows', () => {
  const text = '{"ts":"2024-05-20T10:00:00.123456","b":true,"i":42,"big":9007199254740991,"value":1.5,"s":"x"}';
  assert.deepEqual(row(dec(text)), [true, 42, 9007199254740991, 1.5, 'x', 1716199200123456]);
  assert.deepEqual(row(dec({ b: false, i: -3, big: 0, value: 2, s: '', ts: 1705305600017 })), [false, -3, 0, 2, '', 1705305600017000]);
});

test('missing fields and JSON null are NULL', () => {
  assert.deepEqual(row(dec('{"ts":0,"i":null}')), [null, null, null, null, null, 0]);
});

test('field names match exactly first, then ignoring case', () => {
  const d = compileDecoder([{ name: 'userid', type: T.varchar }, { name: 'UserId', type: T.varchar }], undefined);
  assert.deepEqual(row(d('{"UserId":"a"}')), ['a', 'a']);
  assert.deepEqual(row(d('{"userid":"x","UserId":"y"}')), ['x', 'y']);
  const c = compileDecoder([{ name: 'constructor', type: T.varchar }], undefined);
  assert.deepEqual(row(c('{}')), [null]);
});

test('lenient conversions', () => {
  assert.deepEqual(row(dec('{"ts":0,"i":"42","big":"-7","value":"2.5","s":12,"b":"TRUE"}')), [true, 42, -7, 2.5, '12', 0]);
  assert.deepEqual(row(dec('{"ts":"1705305600017","s":false,"i":4.0}')), [null, 4, null, null, 'false', 1705305600017000]);
  assert.deepEqual(row(dec('{"ts":"2024-06-27 15:43:43.315342"}')).slice(5), [Date.UTC(2024, 5, 27, 15, 43, 43) * 1000 + 315342]);
});

test('every error reason names the column and the value', () => {
  assert.match(error(dec('{"ts":0,')), /^not valid JSON: /);
  assert.equal(error(dec('42')), 'expected a JSON object, got 42');
  assert.equal(error(dec('[1,2]')), 'expected a JSON object, got [1,2]');
  assert.equal(error(dec('null')), 'expected a JSON object, got null');
  assert.equal(error(dec('{"i":1}')), "missing event time 'ts'");
  assert.equal(error(dec('{"ts":null}')), "missing event time 'ts'");
  assert.equal(error(dec('{"ts":0,"value":"abc"}')), `column 'value': expected DOUBLE, got "abc"`);
  assert.equal(error(dec('{"ts":0,"value":""}')), `column 'value': expected DOUBLE, got ""`);
  assert.equal(error(dec('{"ts":0,"i":4.5}')), `column 'i': expected INT, got 4.5 (not an integer)`);
  assert.equal(error(dec('{"ts":0,"i":"4.5"}')), `column 'i': expected INT, got "4.5" (not an integer)`);
  assert.equal(error(dec('{"ts":0,"i":3000000000}')), `column 'i': expected INT, got 3000000000 (outside INT's range -2147483648..2147483647)`);
  assert.equal(error(dec('{"ts":0,"big":1e300}')), `column 'big': expected BIGINT, got 1e+300 (outside ±9007199254740991, the integers held exactly)`);
  assert.equal(error(dec('{"ts":0,"b":1}')), `column 'b': expected BOOLEAN, got 1`);
  assert.equal(error(dec('{"ts":0,"s":{"a":1}}')), `column 's': expected VARCHAR, got {"a":1}`);
  assert.equal(error(dec('{"ts":0,"s":[1]}')), `column 's': expected VARCHAR, got [1]`);
  assert.equal(error(dec('{"ts":"yesterday"}')), `column 'ts': expected TIMESTAMP, got "yesterday"`);
  assert.equal(error(dec('{"ts":true}')), `column 'ts': expected TIMESTAMP, got true`);
  const long = 'x'.repeat(500);
  const e = error(dec(`{"ts":0,"value":"${long}"}`));
  assert.ok(e.length < 120 && e.endsWith('…'), e);
});

test('STRUCT columns decode nested objects by their fields', () => {
  const meta = struct([
    { name: 'session_id', type: T.varchar },
    { name: 'page', type: T.varchar },
    { name: 'depth', type: T.int },
  ]);
  const d = compileDecoder([{ name: 'user_id', type: T.varchar }, { name: 'metadata', type: meta }], undefined);
  assert.deepEqual(row(d('{"user_id":"User1","metadata":{"session_id":"s","page":"/search","extra":1}}')), [
    'User1',
    { session_id: 's', page: '/search', depth: null },
  ]);
  assert.deepEqual(row(d('{"metadata":null}')), [null, null]);
  assert.equal(error(d('{"metadata":{"depth":"deep"}}')), `column 'metadata.depth': expected INT, got "deep"`);
  assert.equal(error(d('{"metadata":5}')), `column 'metadata': expected STRUCT<session_id VARCHAR, page VARCHAR, depth INT>, got 5`);
});

test('CSV line splitting: quotes, escapes, commas in quotes, empty fields', () => {
  const out: Array<string | null> = [];
  const split = (line: string): Array<string | null> | number => {
    const n = splitCsvLine(line, out);
    return n < 0 ? n : out.slice(0, n);
  };
  assert.deepEqual(split('a,b,c'), ['a', 'b', 'c']);
  assert.deepEqual(split('"a,b","say ""hi""",c'), ['a,b', 'say "hi"', 'c']);
  assert.deepEqual(split('a,,"",'), ['a', null, '', null]);
  assert.deepEqual(split(''), [null]);
  assert.deepEqual(split('""""'), ['"']);
  assert.deepEqual(split('x,y\r'), ['x', 'y']);
  assert.equal(split('"open,b'), -1);
  assert.equal(split('"a"b,c'), -2);
  assert.deepEqual(parseCsvHeader('\ufeffsensor_id, temperature ,timestamp'), ['sensor_id', 'temperature', 'timestamp']);
});

test('CSV decoding maps header names and converts text', () => {
  const columns: Column[] = [
    { name: 'sensor_id', type: T.varchar },
    { name: 'temperature', type: T.double },
    { name: 'timestamp', type: T.timestamp },
    { name: 'ok', type: T.boolean },
    { name: 'absent', type: T.int },
  ];
  const d = compileCsvDecoder(columns, 'timestamp', ['Timestamp', 'sensor_id', 'temperature', 'ok']);
  assert.deepEqual(row(d('1705305600017,sensor_1,20.13,true')), ['sensor_1', 20.13, 1705305600017000, true, null]);
  assert.deepEqual(row(d('2024-05-20T10:00:00Z,"sensor, 2",,false')), ['sensor, 2', null, 1716199200000000, false, null]);
  assert.deepEqual(row(d('0,"",1,')), ['', 1, 0, null, null]);
  assert.equal(error(d(',sensor_1,20,')), "missing event time 'timestamp'");
  assert.equal(error(d('0,s,abc,')), `column 'temperature': expected DOUBLE, got "abc"`);
  assert.equal(error(d('0,"s,1')), 'malformed CSV: unterminated quoted field');
  assert.equal(error(d('0,"s"x,1')), 'malformed CSV: text after a closing quote');
});

test('CSV rows with too few or too many fields are malformed; blank lines are BLANK', () => {
  const columns: Column[] = [
    { name: 'a', type: T.varchar },
    { name: 'n', type: T.int },
  ];
  const d = compileCsvDecoder(columns, undefined, ['a', 'n', 'c']);
  assert.deepEqual(row(d('x,1,')), ['x', 1]);
  assert.equal(error(d('x,1')), "malformed CSV: expected 3 fields (the header's), found 2");
  assert.equal(error(d('0')), "malformed CSV: expected 3 fields (the header's), found 1");
  assert.equal(error(d('x,1,2,3')), "malformed CSV: expected 3 fields (the header's), found 4");
  assert.equal(error(d('"x,1",2')), "malformed CSV: expected 3 fields (the header's), found 2");
  for (const blank of ['', ' ', '\t \r', '\r']) assert.equal(d(blank), BLANK, JSON.stringify(blank));
  const one = compileCsvDecoder([{ name: 'a', type: T.varchar }], undefined, ['a']);
  assert.equal(error(one('x,y')), "malformed CSV: expected 1 field (the header's), found 2");
});

test('JSON: blank text is BLANK (skipped and counted), not a dead letter; other invalid text is', () => {
  for (const blank of ['', ' ', '\r', ' \t\r ']) assert.equal(dec(blank), BLANK, JSON.stringify(blank));
  assert.match(error(dec(' x ')), /^not valid JSON/);
});

test('NaN and ±Infinity are refused wherever a number enters: JSON numbers and text, CSV, every numeric type', () => {
  const finite = `expected a finite DOUBLE`;
  // 1e999 overflows to Infinity in JSON.parse and in the flat scanner alike; both paths refuse it.
  for (const [text, shown] of [
    ['{"ts":0,"value":1e999}', 'Infinity'],
    ['{"ts":0,"value":-1e999}', '-Infinity'],
    ['{"value":1e999,"ts":0,"b":null}', 'Infinity'],
    ['{"ts":0,"value":"NaN"}', '"NaN"'],
    ['{"ts":0,"value":"Infinity"}', '"Infinity"'],
    ['{"ts":0,"value":"-inf"}', '"-inf"'],
    ['{"ts":0,"value":"1e999"}', '"1e999"'],
  ]) {
    assert.equal(error(dec(text!)), `column 'value': ${finite}, got ${shown}`, text);
  }
  assert.equal(error(dec({ ts: 0, value: Number.NaN })), `column 'value': ${finite}, got NaN`);
  assert.equal(error(dec('{"ts":0,"i":1e999}')), `column 'i': expected INT, got Infinity (not a finite number)`);
  assert.equal(error(dec('{"ts":0,"big":"NaN"}')), `column 'big': expected BIGINT, got "NaN" (not a finite number)`);
  assert.equal(error(dec('{"ts":0,"s":1e999}')), `column 's': expected VARCHAR, got Infinity`);
  const nested = compileDecoder([{ name: 'm', type: struct([{ name: 'x', type: T.double }]) }], undefined);
  assert.equal(error(nested('{"m":{"x":-1e999}}')), `column 'm.x': ${finite}, got -Infinity`);
  const csv = compileCsvDecoder(cols, 'ts', ['ts', 'value', 'i']);
  assert.equal(error(csv('0,NaN,1')), `column 'value': ${finite}, got "NaN"`);
  assert.equal(error(csv('0,-Infinity,1')), `column 'value': ${finite}, got "-Infinity"`);
  assert.equal(error(csv('0,1.5,2.5')), `column 'i': expected INT, got "2.5" (not an integer)`);
  // Radix prefixes Number() would read are not numbers.
  assert.equal(error(csv('0,0x10,1')), `column 'value': expected DOUBLE, got "0x10"`);
  assert.equal(error(dec('{"ts":0,"i":"0b11"}')), `column 'i': expected INT, got "0b11"`);
  // Finite extremes still pass.
  assert.deepEqual(row(dec('{"ts":0,"value":1.7976931348623157e308,"big":-9007199254740991}')).slice(2, 4), [-9007199254740991, 1.7976931348623157e308]);
});

test('a value nested 5,000 deep, or huge, in a declared column is a dead letter with a short reason, not a stack overflow', () => {
  const d = 5000;
  const deepArray = '['.repeat(d) + ']'.repeat(d);
  const deepObject = '{"a":'.repeat(d) + '1' + '}'.repeat(d);
  const m = struct([{ name: 'x', type: T.int }]);
  const dec2 = compileDecoder([{ name: 'k', type: T.varchar }, { name: 'm', type: m }, { name: 's', type: T.varchar }], undefined);
  assert.equal(error(dec2(`{"k":"a","s":${deepArray}}`)), `column 's': expected VARCHAR, got ${'['.repeat(59)}…`);
  assert.equal(error(dec2(`{"k":"a","m":{"x":${deepObject}}}`)), `column 'm.x': expected INT, got ${'{"a":'.repeat(11)}{"a"…`);
  // Undeclared depth is never read: only the struct's declared fields are.
  assert.deepEqual(row(dec2(`{"k":"a","m":${deepObject},"s":"ok"}`)), ['a', { x: null }, 'ok']);
  const big = `[${Array.from({ length: 100_000 }, (_, i) => i).join(',')}]`;
  assert.equal(error(dec2(`{"s":${big}}`)), `column 's': expected VARCHAR, got [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22…`);
  // The rendering is JSON's, cut: keys quoted, strings escaped.
  assert.equal(error(dec2('{"s":{"q":"a\\"b","n":null,"t":true}}')), `column 's': expected VARCHAR, got {"q":"a\\"b","n":null,"t":true}`);
});
