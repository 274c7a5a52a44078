// A send's messages packed for the Kafka thread (src/connectors/kafka/kafkajs/packed-messages.ts)
// come back as the same messages: any text (empty, astral, lone surrogates), null and absent
// keys, null values; and a message that is not plain text is not packed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Message } from 'kafkajs';
import { packMessages, unpackMessages } from '../../../src/connectors/kafka/kafkajs/packed-messages.js';
import { crossing } from '../../../src/connectors/kafka/kafkajs/producer.js';
import { RUNS } from '../expr/support.js';

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.constant(''));

test('packed messages unpack to the same messages (property)', () => {
  const message = fc.record({ key: fc.oneof(text, fc.constant(null), fc.constant(undefined)), value: fc.oneof(text, fc.constant(null)) }).map((m) => {
    // An absent key: no property at all, as a keyless sink writes it.
    if (m.key === undefined) return { value: m.value } as Message;
    return { key: m.key, value: m.value } as Message;
  });
  fc.assert(
    fc.property(fc.array(message, { maxLength: 40 }), (messages) => {
      const packed = packMessages(messages);
      assert.ok(packed);
      // What crosses the thread is a structured clone of it.
      assert.deepEqual(unpackMessages(structuredClone(packed)), messages);
    }),
    { numRuns: RUNS * 10 },
  );
});

test('messages that are not plain text cross as they are', () => {
  const plain: Message = { key: 'k', value: 'v' };
  for (const odd of [{ key: Buffer.from('k'), value: 'v' }, { key: 'k', value: Buffer.from('v') }, { key: 'k', value: 'v', partition: 0 }, { key: 'k', value: 'v', headers: { h: 'x' } }, { key: 'k', value: 'v', timestamp: '1' }] as Message[]) {
    assert.equal(packMessages([plain, odd]), undefined);
    const record = { topic: 't', messages: [plain, odd], acks: -1 };
    assert.equal(crossing(record), record);
  }
  const c = crossing({ topic: 't', messages: [plain], acks: -1 }) as { packed: unknown; rest: unknown };
  assert.deepEqual(c.rest, { topic: 't', acks: -1 });
  assert.ok(c.packed);
});
