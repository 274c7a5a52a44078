// The Kafka sink's upsert stream: which changelog rows become messages, and tombstones.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OutMessage as Message } from '../../../src/connectors/kafka/port.js';
import { T, type Row } from '../../../src/catalog/types.js';
import { Op } from '../../../src/exec/operator.js';
import { compileMessageEncoder } from '../../../src/connectors/kafka/sink-messages.js';

const cols = [
  { name: 'k', type: T.varchar },
  { name: 'n', type: T.bigint },
];
const { Insert: I, UpdateBefore: UB, UpdateAfter: UA, Delete: D } = Op;

function messages(key: number[], rows: Row[], ops: Op[] | null): Array<[string | null, string | null]> {
  const out: Message[] = [];
  compileMessageEncoder(cols, key)({ rows, ops }, out);
  return out.map((m) => [m.key as string | null, m.value as string | null]);
}

test('+I/+U send the row, a -U before a +U of its key is not sent, -D is a tombstone', () => {
  assert.deepEqual(messages([0], [['a', 1], ['a', 1], ['a', 2], ['a', 2]], [I, UB, UA, D]), [
    ['a', '{"k":"a","n":1}'],
    ['a', '{"k":"a","n":2}'],
    ['a', null],
  ]);
});

test('a -U whose +U has another key, or no +U, is a tombstone for its key', () => {
  // key = 'n': the update moves the row from key 1 to key 2, so key 1 must go.
  assert.deepEqual(messages([1], [['a', 1], ['a', 1], ['a', 2]], [I, UB, UA]), [
    ['1', '{"k":"a","n":1}'],
    ['1', null],
    ['2', '{"k":"a","n":2}'],
  ]);
  assert.deepEqual(messages([0], [['a', 1], ['a', 1]], [I, UB]), [
    ['a', '{"k":"a","n":1}'],
    ['a', null],
  ]);
});

test('an append-only batch is one message per row', () => {
  assert.deepEqual(messages([0], [['a', 1], ['a', 2]], null), [
    ['a', '{"k":"a","n":1}'],
    ['a', '{"k":"a","n":2}'],
  ]);
});

test('a -D right before a +I of the same message key is not sent (a session grew, keyed without its end)', () => {
  assert.deepEqual(messages([0], [['a', 1], ['a', 1], ['a', 2], ['b', 1], ['c', 1]], [I, D, I, D, I]), [
    ['a', '{"k":"a","n":1}'],
    ['a', '{"k":"a","n":2}'],
    ['b', null],
    ['c', '{"k":"c","n":1}'],
  ]);
});
