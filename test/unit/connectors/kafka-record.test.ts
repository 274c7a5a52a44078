// The Kafka record decoder without a broker: the same rules for bad input as files. Non-finite
// numbers in values and keys are dead letters, a blank value is BLANK (skipped and counted), a
// tombstone (no value at all) a dead letter.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KafkaMessage } from 'kafkajs';
import type { Column } from '../../../src/catalog/catalog.js';
import { T } from '../../../src/catalog/types.js';
import { BLANK, DecodeError, type DecodeResult } from '../../../src/connectors/connector.js';
import { compileKafkaDecoder, KafkaRecord } from '../../../src/connectors/kafka/record.js';

function record(key: string | null, value: string | null): KafkaRecord {
  const message = { key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value), offset: '7', timestamp: '1716199200000', attributes: 0, headers: {} } as KafkaMessage;
  return new KafkaRecord('t', 0, message);
}

function decodeWith(columns: Column[], key: string | null, value: string | null): DecodeResult {
  const rec = record(key, value);
  return compileKafkaDecoder(columns, undefined)(rec.value, rec);
}

function error(r: DecodeResult): string {
  if (!(r instanceof DecodeError)) assert.fail(`expected an error, got ${JSON.stringify(r)}`);
  return r.error;
}

const valueOnly: Column[] = [{ name: 'v', type: T.double }];
const keyed: Column[] = [{ name: 'id', type: T.double, key: true }, { name: 'v', type: T.double }];

test('non-finite numbers in a value or a key are dead letters', () => {
  assert.equal(error(decodeWith(valueOnly, null, '{"v":1e999}')), "column 'v': expected a finite DOUBLE, got Infinity");
  assert.equal(error(decodeWith(valueOnly, null, '{"v":"NaN"}')), `column 'v': expected a finite DOUBLE, got "NaN"`);
  assert.equal(error(decodeWith(keyed, '-1e999', '{"v":1}')), "message key: column 'id': expected a finite DOUBLE, got -Infinity");
  assert.equal(error(decodeWith(keyed, 'NaN', '{"v":1}')), `message key: column 'id': expected a finite DOUBLE, got "NaN"`);
  assert.deepEqual(decodeWith(keyed, '2.5', '{"v":1}'), [2.5, 1]);
});

test('a blank value is BLANK, a tombstone a dead letter', () => {
  for (const blank of ['', '  ', '\r', '\t\r\n']) {
    assert.equal(decodeWith(valueOnly, null, blank), BLANK, JSON.stringify(blank));
    assert.equal(decodeWith(keyed, '1', blank), BLANK, JSON.stringify(blank));
  }
  assert.equal(error(decodeWith(valueOnly, null, null)), 'message has no value (a tombstone)');
  assert.equal(error(decodeWith(keyed, '1', null)), 'message has no value (a tombstone)');
});

test('a VARCHAR key between value columns: one row in column order, the same as the JSON path gives', () => {
  const mid: Column[] = [{ name: 'v', type: T.double }, { name: 'k', type: T.varchar, key: true }, { name: 'ts', type: T.timestamp }];
  const decode = compileKafkaDecoder(mid, 'ts');
  const row = (key: string | null, value: string | null): DecodeResult => {
    const rec = record(key, value);
    return decode(rec.value, rec);
  };
  assert.deepEqual(row('sensor-1', '{"v":21.5,"ts":1716199200000}'), [21.5, 'sensor-1', 1716199200000000]);
  assert.deepEqual(row(null, '{"ts":1716199200000,"v":null}'), [null, null, 1716199200000000]);
  // Not the flat scanner's shape (nested): JSON.parse's path, same row.
  assert.deepEqual(row('ü', '{"v":{"a":1},"ts":1716199200000}') instanceof DecodeError, true);
  assert.deepEqual(row('ü', ' {"v": 2, "x": [1], "ts": 1716199200000} '), [2, 'ü', 1716199200000000]);
  assert.equal(error(row('k', '{"v":1}')), "missing event time 'ts'");
  assert.equal(error(row('k', null)), 'message has no value (a tombstone)');
  assert.equal(row('k', ''), BLANK);
  // Without a record (a decoder called on text alone) the key is NULL.
  assert.deepEqual(decode('{"v":1,"ts":1716199200000}'), [1, null, 1716199200000000]);
});
