// JSON-lines encoding and table value formatting.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Column } from '../../../src/catalog/catalog.js';
import { struct, T } from '../../../src/catalog/types.js';
import { compileEncoder, formatValueForTable } from '../../../src/connectors/format/encode.js';
import { formatTimestamp } from '../../../src/catalog/timestamp.js';
import { Op } from '../../../src/exec/operator.js';

const cols: Column[] = [
  { name: 'time', type: T.timestamp },
  { name: 'temperature', type: struct([{ name: 'count', type: T.bigint }, { name: 'mean', type: T.double }]) },
  { name: 'ok', type: T.boolean },
  { name: 'name', type: T.varchar },
];

test('one JSON object per row, keys in column order', () => {
  const enc = compileEncoder(cols, false);
  const line = enc([1716199210000000, { count: 3, mean: 41.5 }, true, 'a"b'], Op.Insert);
  assert.equal(line, '{"time":"2024-05-20T10:00:10.000Z","temperature":{"count":3,"mean":41.5},"ok":true,"name":"a\\"b"}');
  assert.deepEqual(JSON.parse(line), { time: '2024-05-20T10:00:10.000Z', temperature: { count: 3, mean: 41.5 }, ok: true, name: 'a"b' });
});

test('NULLs are null, non-finite doubles are strings (never null: IS NULL is false for them); micros keep six digits', () => {
  const enc = compileEncoder([{ name: 'd', type: T.double }, { name: 't', type: T.timestamp }, { name: 's', type: cols[1]!.type }], false);
  assert.equal(enc([Number.NaN, 1716199200123456, null], Op.Insert), '{"d":"NaN","t":"2024-05-20T10:00:00.123456Z","s":null}');
  assert.equal(enc([Number.POSITIVE_INFINITY, null, { count: null, mean: Number.NEGATIVE_INFINITY }], Op.Insert), '{"d":"Infinity","t":null,"s":{"count":null,"mean":"-Infinity"}}');
  assert.equal(enc([null, null, null], Op.Insert), '{"d":null,"t":null,"s":null}');
});

test('changelog rows carry the op first', () => {
  const enc = compileEncoder([{ name: 'n', type: T.int }], true);
  assert.equal(enc([1], Op.Insert), '{"op":"+I","n":1}');
  assert.equal(enc([1], Op.UpdateBefore), '{"op":"-U","n":1}');
  assert.equal(enc([2], Op.UpdateAfter), '{"op":"+U","n":2}');
  assert.equal(enc([2], Op.Delete), '{"op":"-D","n":2}');
  assert.equal(compileEncoder([], true)([], Op.Insert), '{"op":"+I"}');
  assert.equal(compileEncoder([], false)([], Op.Insert), '{}');
});

test('table values', () => {
  assert.equal(formatValueForTable(null, T.int), 'NULL');
  assert.equal(formatValueForTable(1716199200000000, T.timestamp), '2024-05-20T10:00:00.000Z');
  assert.equal(formatValueForTable({ count: 1, mean: 2 }, cols[1]!.type), '{"count":1,"mean":2}');
  assert.equal(formatValueForTable('a\nb', T.varchar), 'a\\nb');
  assert.equal(formatValueForTable(2.5, T.double), '2.5');
  assert.equal(formatValueForTable(false, T.boolean), 'false');
});

test('TIMESTAMP columns: the per-column memo of the last second writes exactly what formatTimestamp does, in and out of order, across seconds, days, years and signs', () => {
  const enc = compileEncoder([{ name: 't', type: T.timestamp }], false);
  let seed = 11;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const base = [Date.UTC(2024, 4, 20, 23, 59, 59) * 1000, 0, -1, Date.UTC(1969, 11, 31, 23, 59, 59) * 1000, Date.UTC(2255, 11, 31, 23, 59, 59) * 1000, Date.UTC(9999, 11, 31, 23, 59, 59) * 1000, Date.UTC(-50, 0, 1) * 1000, 1.5];
  for (let i = 0; i < 20_000; i++) {
    const b = base[i % base.length]!;
    // Mostly within a second or two of the previous value, sometimes whole milliseconds, sometimes far.
    const v = i % 97 === 0 ? Math.floor((rnd() - 0.5) * 1e17) : b + Math.floor((rnd() - 0.5) * 3_000_000) * (i % 3 === 0 ? 1000 : 1);
    assert.equal(enc([v], Op.Insert), `{"t":"${formatTimestamp(v)}"}`, String(v));
  }
});
