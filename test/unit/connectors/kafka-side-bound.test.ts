// A Kafka dead-letter or late output not joined to a transaction holds its queued messages to
// the sinks' bound: on a simulated broker that does not answer, relieve() (what the job awaits
// after each source batch) stops the source once more than MAX_QUEUED_BYTES of messages or
// MAX_SENDS sends are queued, and lets it go on once the broker answers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SourceDef } from '../../../src/catalog/catalog.js';
import type { KafkaClient } from '../../../src/connectors/kafka/port.js';
import { openKafkaSideOutput } from '../../../src/connectors/kafka/side-output.js';
import { MAX_QUEUED_BYTES, MAX_SENDS } from '../../../src/connectors/kafka/send-chain.js';

/** A broker whose sends wait until `open()`; counts the messages it took. */
function slowBroker(topic: string): { kafka: KafkaClient; open: () => void; sent: () => number } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let sent = 0;
  const admin = { connect: async () => {}, disconnect: async () => {}, listTopics: async () => [topic], createTopic: async () => {} };
  const producer = () => ({
    connect: async () => {},
    disconnect: async () => {},
    send: async (_topic: string, messages: readonly unknown[]) => {
      await gate;
      sent += messages.length;
    },
  });
  return { kafka: { admin: () => admin, producer } as unknown as KafkaClient, open: release, sent: () => sent };
}

const def = { name: 'ev', options: { connector: 'kafka', topic: 'in' } } as unknown as SourceDef;
const blocked = (p: Promise<void>): Promise<boolean> => Promise.race([p.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 30))]);

/** Writes batches of `size`-byte dead letters, relieving after each, until relieve() holds the source; returns what was written. */
async function writeUntilHeld(out: ReturnType<typeof openKafkaSideOutput>, size: number, perBatch: number): Promise<{ messages: number; bytes: number; held: Promise<void> }> {
  const raw = 'x'.repeat(size);
  let messages = 0;
  for (let batch = 0; batch < 1000; batch++) {
    for (let i = 0; i < perBatch; i++) out.write({ reason: 'not JSON', raw, position: { partition: 0, offset: messages++ } });
    const r = out.relieve!();
    if (await blocked(r)) return { messages, bytes: messages * size, held: r };
  }
  assert.fail('relieve() never held the source back while the broker did not answer');
}

test('a Kafka side output not joined to a transaction holds the source back past MAX_QUEUED_BYTES of queued messages', async () => {
  const broker = slowBroker('ev.dlq');
  const out = openKafkaSideOutput(def, 'ev.dlq', broker.kafka);
  // 3 MB dead letters: each starts a send of its own, so the bytes bound is reached before the sends bound.
  const size = 3 << 20;
  const w = await writeUntilHeld(out, size, 1);
  assert.ok(w.bytes > MAX_QUEUED_BYTES && w.bytes <= MAX_QUEUED_BYTES + size, `held after ${w.bytes} bytes queued (bound ${MAX_QUEUED_BYTES})`);
  assert.equal(broker.sent(), 0);
  broker.open();
  await w.held;
  await out.close();
  assert.equal(broker.sent(), w.messages);
});

test('a Kafka side output not joined to a transaction holds the source back past MAX_SENDS queued sends', async () => {
  const broker = slowBroker('ev.late');
  const out = openKafkaSideOutput(def, 'ev.late', broker.kafka);
  // 500 small records fill one send: the sends bound holds the source long before the bytes bound.
  const w = await writeUntilHeld(out, 100, 500);
  assert.equal(w.messages, 500 * (MAX_SENDS + 1));
  broker.open();
  await w.held;
  await out.close();
  assert.equal(broker.sent(), w.messages);
});
