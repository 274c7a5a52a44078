// The broker of the Kafka tests: $SLUICE_BROKERS when set, else the local Apache Kafka of
// scripts/kafka-up.sh, started once however many test files ask at the same time (the script
// holds a lock and leaves an already serving broker alone). Also unique names per test and
// small kafkajs helpers for producing input and reading output.

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Partitioners, type IHeaders, type Kafka, type KafkaMessage } from 'kafkajs';
import { clientSettings, kafkaClient } from '../../src/connectors/kafka/client.js';
import type { KafkaClient } from '../../src/connectors/kafka/port.js';
import { kafkajsClient } from '../../src/connectors/kafka/kafkajs/client.js';

const run = promisify(execFile);
let ready: Promise<string> | undefined;

/** Bootstrap address of a serving broker; starts the local one when SLUICE_BROKERS is unset. */
export function broker(): Promise<string> {
  ready ??= (async () => {
    const env = process.env['SLUICE_BROKERS'];
    if (env) return env;
    const script = path.resolve('scripts/kafka-up.sh');
    const { stdout } = await run('bash', [script], { maxBuffer: 1 << 24, timeout: 600_000 });
    const address = stdout.trim().split('\n').pop()!;
    process.env['SLUICE_BROKERS'] = address;
    return address;
  })();
  return ready;
}

/** A topic or group name no other test (or earlier run) uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** kafkajs itself, for what the tests write and read around a job. */
export async function client(): Promise<Kafka> {
  return kafkajsClient(clientSettings({ brokers: await broker() }, 'sluice-test'));
}

/** The port (connectors/kafka/port.ts), as the engine reaches the broker. */
export async function port(): Promise<KafkaClient> {
  return kafkaClient({ brokers: await broker() }, 'sluice-test');
}

export async function createTopic(topic: string, partitions = 1): Promise<void> {
  const admin = (await client()).admin();
  await admin.connect();
  try {
    // kafkajs's wait for leaders gives up on UNKNOWN_TOPIC_OR_PARTITION (retriable) when the broker
    // is slow to propagate a new topic (a loaded machine): ask again; an existing topic returns false.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
        break;
      } catch (e) {
        if (attempt >= 10 || (e as { retriable?: boolean }).retriable !== true) throw e;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

export interface TestMessage {
  readonly key?: string | null;
  readonly value: string | null;
  readonly partition?: number;
  readonly headers?: IHeaders;
  readonly timestamp?: string;
}

export async function produceMessages(topic: string, messages: readonly TestMessage[]): Promise<void> {
  const producer = (await client()).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 1000) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 1000).map((m) => ({ ...m, key: m.key ?? null })) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Every message of `topic` (all partitions) up to its end offsets now, in partition then offset order; none when it does not exist. */
export async function readAll(topic: string): Promise<Array<KafkaMessage & { partition: number }>> {
  const kafka = await client();
  const admin = kafka.admin();
  await admin.connect();
  let ends: Awaited<ReturnType<typeof admin.fetchTopicOffsets>>;
  try {
    // A topic nobody wrote (a side output without rows is never created) reads as empty.
    if (!(await admin.listTopics()).includes(topic)) return [];
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const want = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, BigInt(e.high)]));
  const out: Array<KafkaMessage & { partition: number }> = [];
  if (want.size === 0) return out;
  const seen = new Set<string>();
  const consumer = kafka.consumer({ groupId: unique('sluice-test-read'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`readAll(${topic}) timed out`)), 30_000);
      // A transactional topic ends with a commit marker, which eachMessage never sees: follow batch ends too.
      consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
        // A fetch that brought nothing for the partition reports the high watermark as its last offset.
        if (e.payload.firstOffset === null) return;
        const end = want.get(e.payload.partition);
        if (end !== undefined && BigInt(e.payload.lastOffset) + 1n >= end) want.delete(e.payload.partition);
        if (want.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const end = want.get(partition);
          if (end === undefined || BigInt(message.offset) >= end) return;
          // Read twice after a lost session: one message still.
          const id = `${partition}:${message.offset}`;
          if (seen.has(id)) return;
          seen.add(id);
          // Field by field: in a process that made a Sluice Kafka client, kafkajs's records are
          // Sluice's lean records (connectors/kafka/kafkajs/record-decoder.ts), whose fields are
          // getters a spread would not copy.
          const { key, value, offset, timestamp, headers, attributes, size } = message;
          out.push({ key, value, offset, timestamp, headers, attributes, size, partition } as KafkaMessage & { partition: number });
          if (BigInt(message.offset) + 1n >= end) want.delete(partition);
          if (want.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

const KAFKA_LIB = path.join(process.env['SLUICE_KAFKA_HOME'] ?? path.join(os.homedir(), '.cache', 'sluice', 'kafka-3.9.1'), 'lib');

/**
 * Every committed message of `topic`, as sorted "key|value" lines (with `headers`:
 * "key|value|name=value;..." with the headers sorted by name). Read by Apache Kafka's Java
 * consumer (java/ReadCommitted.java) when the local broker's libraries are there, the reference
 * for what read_committed means; else by kafkajs (readUncommitted: false), whose filter of
 * aborted transactions let some through when transactions interleave.
 */
export async function readCommitted(topic: string, headers = false): Promise<string[]> {
  const bootstrap = await broker();
  if (!existsSync(KAFKA_LIB)) return readCommittedKafkajs(topic, headers);
  const dir = path.resolve('test/kafka/java');
  const { stdout } = await run('java', [`-Dlog4j.configuration=file:${path.join(dir, 'log4j.properties')}`, '-cp', path.join(KAFKA_LIB, '*'), path.join(dir, 'ReadCommitted.java'), bootstrap, topic, ...(headers ? ['headers'] : [])], {
    maxBuffer: 1 << 28,
    timeout: 120_000,
  });
  return stdout.split('\n').filter((l) => l !== '').sort();
}

function headerText(headers: IHeaders | undefined): string {
  return Object.entries(headers ?? {})
    .map(([k, v]) => [k, Array.isArray(v) ? String(v[v.length - 1] ?? '') : (v?.toString() ?? '')] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
}

async function readCommittedKafkajs(topic: string, headers: boolean): Promise<string[]> {
  const kafka = await client();
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const want = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, BigInt(e.high)]));
  const out: string[] = [];
  const seen = new Set<string>();
  if (want.size === 0) return out;
  const consumer = kafka.consumer({ groupId: unique('sluice-test-rc'), maxWaitTimeInMs: 100, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const reached = (p: number, offset: string): void => {
    const end = want.get(p);
    if (end !== undefined && BigInt(offset) + 1n >= end) want.delete(p);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`readCommitted(${topic}) timed out; partitions left: ${[...want.keys()]}`)), 60_000);
      const check = (): void => {
        if (want.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      // Batches of only aborted messages or markers are not handed to eachBatch: follow them here.
      consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
        // A fetch that brought nothing for the partition reports the high watermark as its last offset.
        if (e.payload.firstOffset === null) return;
        reached(e.payload.partition, e.payload.lastOffset);
        check();
      });
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            // On a loaded machine the reader's session can time out and it fetches again from its
            // last commit: a message read twice is still one message.
            const id = `${batch.partition}:${m.offset}`;
            if (seen.has(id)) continue;
            seen.add(id);
            out.push(`${m.key?.toString() ?? ''}|${m.value?.toString() ?? ''}${headers ? `|${headerText(m.headers)}` : ''}`);
          }
          reached(batch.partition, batch.lastOffset());
          check();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out.sort();
}
