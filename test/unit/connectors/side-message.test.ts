// Side-output messages kept in a checkpoint (kafka/side-message.ts): a dead letter's key, value
// and headers come back byte for byte, text or not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KafkaMessage } from 'kafkajs';
import { KafkaRecord } from '../../../src/connectors/kafka/record.js';
import { loadSideMessage, sideMessage, storeSideMessage } from '../../../src/connectors/kafka/side-message.js';

test('a side message survives the checkpoint as JSON, bytes exactly', () => {
  const value = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]);
  const message = { key: Buffer.from('k1'), value, headers: { trace: Buffer.from([0xc3, 0x28]), tags: [Buffer.from('a'), 'b'] }, offset: '7', timestamp: '0', attributes: 0 } as unknown as KafkaMessage;
  const m = sideMessage({ source: 'ev', reason: 'invalid JSON', position: { topic: 'in', partition: 0, offset: 7 }, at: 'in 0:7', raw: 'x' }, new KafkaRecord('in', 0, message));
  const stored = storeSideMessage('in.dlq', m);
  const back = loadSideMessage(JSON.parse(JSON.stringify(stored)) as typeof stored);
  assert.equal(stored.topic, 'in.dlq');
  assert.deepEqual(back.key, Buffer.from('k1'));
  assert.deepEqual(back.value, value);
  assert.deepEqual(back.headers, {
    trace: Buffer.from([0xc3, 0x28]),
    tags: [Buffer.from('a'), 'b'],
    'sluice.topic': 'in',
    'sluice.partition': '0',
    'sluice.offset': '7',
    'sluice.source': 'ev',
    'sluice.reason': 'invalid JSON',
  });
});

test('a record from another connector: its raw text is the value, no key', () => {
  const m = sideMessage({ source: 'f', reason: 'bad', position: { file: 'x.jsonl', line: 3 }, raw: 'oops' }, undefined);
  const back = loadSideMessage(JSON.parse(JSON.stringify(storeSideMessage('t', m))) as ReturnType<typeof storeSideMessage>);
  assert.deepEqual([back.key, back.value, back.headers], [null, 'oops', { 'sluice.file': 'x.jsonl', 'sluice.line': '3', 'sluice.source': 'f', 'sluice.reason': 'bad' }]);
});
