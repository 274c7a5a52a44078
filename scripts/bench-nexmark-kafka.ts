// `npm run bench:nexmark -- --kafka`: the Nexmark events in local Kafka topics, one per kind and
// size (`sluice-nexmark-<kind>-<count>-s<seed>-r<rate>`), filled once from the datagen generator
// as JSON (TIMESTAMPs as epoch ms) and reused while they hold exactly that many records.

import { Partitioners, type Message } from 'kafkajs';
import { clientSettings } from '../src/connectors/kafka/client.js';
import { kafkajsClient } from '../src/connectors/kafka/kafkajs/client.js';
import { DatagenReader, datagenSettings } from '../src/connectors/datagen/source.js';
import type { NexmarkKind } from '../src/connectors/datagen/nexmark.js';

export function nexmarkTopic(kind: NexmarkKind, count: number, seed: number, rate: number): string {
  return `sluice-nexmark-${kind}-${count}-s${seed}-r${rate}`;
}

/** Fills the topic unless it already holds `count` records; true when it was filled now. */
export async function fillNexmarkTopic(brokers: string, kind: NexmarkKind, count: number, seed: number, rate: number): Promise<boolean> {
  const topic = nexmarkTopic(kind, count, seed, rate);
  const kafka = kafkajsClient(clientSettings({ brokers }, 'sluice-bench-nexmark'));
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) {
      const held = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
      if (held === count) return false;
      await admin.deleteTopics({ topics: [topic] });
    }
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, maxInFlightRequests: 1 });
  await producer.connect();
  const reader = new DatagenReader(datagenSettings({ generator: kind, count: String(count), seed: String(seed), first_event_rate: String(rate), batch_size: '1000' }));
  // 1,000 per send: kafkajs groups a send's messages by partition in quadratic time.
  await reader.run(async (records) => {
    const messages: Message[] = records.map((r) => ({ value: JSON.stringify(r.value) }));
    await producer.send({ topic, messages, acks: -1 });
  }, new AbortController().signal);
  await producer.disconnect();
  return true;
}
