// The baseline process of `npm run bench:kafka`: a raw kafkajs consumer of the whole topic that
// only parses each value with JSON.parse (eachBatch, no commits), up to the end offsets it looked
// up at start, then exits. Spawned like `sluice run`, so both are timed from spawn to exit.
// Usage: node dist/scripts/bench-kafka-raw.js <brokers> <topic>; prints the record count.

import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

const [brokers, topic] = process.argv.slice(2) as [string, string];
const kafka = new Kafka({ brokers: brokers.split(','), clientId: 'sluice-bench-raw', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
await admin.disconnect();
const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxBytesPerPartition: 4 << 20, maxWaitTimeInMs: 250 });
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
let n = 0;
let sink = 0;
let first = 0;
await new Promise<void>((resolve) => {
  void consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      if (n === 0) first = process.uptime() * 1000;
      for (const m of batch.messages) {
        const o = JSON.parse(m.value!.toString('utf8')) as { value: number };
        sink += o.value;
        n++;
      }
      const end = ends.get(batch.partition)!;
      if (BigInt(batch.lastOffset()) + 1n >= end) ends.delete(batch.partition);
      if (ends.size === 0) resolve();
    },
  });
});
await consumer.disconnect();
process.stdout.write(`${JSON.stringify({ records: n, firstRecordMs: Math.round(first), sink })}\n`);
