// Kafka producers on the process's Kafka thread (thread.ts). kafkajs encodes each message on the
// thread that sends it (record and batch encoders, partitioning, CRC; ~9 µs of CPU a message
// here), which on the engine's thread costs as much as a window aggregate. The engine hands the
// thread each send's messages (structured clone) and awaits its answer as it would kafkajs's;
// the thread starts requests in the order they were made.

import type { Kafka, Message, Producer, ProducerConfig, ProducerRecord, TopicOffsets } from 'kafkajs';
import { clientOf } from './client.js';
import { keyCachingPartitioner } from './partitioner.js';
import { kafkaThread, threadEnabled, type KafkaThread } from './thread.js';

/** What the connectors use of a kafkajs producer. */
export interface KafkaProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: ProducerRecord): Promise<unknown>;
  transaction(): Promise<KafkaTransaction>;
}

export interface KafkaTransaction {
  send(record: ProducerRecord): Promise<unknown>;
  sendOffsets(offsets: { consumerGroupId: string; topics: TopicOffsets[] }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Producer settings (the partitioner is always kafkajs's default one, keys remembered: partitioner.ts). */
export type ProducerSettings = Omit<ProducerConfig, 'createPartitioner'>;

class ThreadTransaction implements KafkaTransaction {
  constructor(private readonly t: KafkaThread, private readonly txn: number) {}
  private call(method: 'send' | 'sendOffsets' | 'commit' | 'abort', arg?: unknown): Promise<unknown> {
    return this.t.call({ op: 'txn', txn: this.txn, method, arg });
  }
  send(record: ProducerRecord): Promise<unknown> {
    return this.call('send', record);
  }
  async sendOffsets(offsets: { consumerGroupId: string; topics: TopicOffsets[] }): Promise<void> {
    await this.call('sendOffsets', offsets);
  }
  async commit(): Promise<void> {
    await this.call('commit');
  }
  async abort(): Promise<void> {
    await this.call('abort');
  }
}

class ThreadProducer implements KafkaProducer {
  private readonly opened: Promise<unknown>;
  constructor(private readonly t: KafkaThread, private readonly id: number, options: Readonly<Record<string, string>>, clientId: string, settings: ProducerSettings) {
    this.opened = t.call({ op: 'producer.open', producer: id, options, clientId, settings });
    // A failure to open surfaces at the first call, which awaits it.
    this.opened.catch(() => {});
  }
  private async call(op: string, extra: Record<string, unknown> = {}): Promise<unknown> {
    await this.opened;
    return this.t.call({ op, producer: this.id, ...extra });
  }
  async connect(): Promise<void> {
    await this.call('producer.connect');
  }
  async disconnect(): Promise<void> {
    await this.call('producer.disconnect');
  }
  send(record: ProducerRecord): Promise<unknown> {
    return this.call('producer.send', { record });
  }
  async transaction(): Promise<KafkaTransaction> {
    return new ThreadTransaction(this.t, (await this.call('producer.transaction')) as number);
  }
}

/** The bytes of messages' keys and values (string length for text: JSON output is mostly ASCII), for the writers' bound. */
export function messageBytes(messages: readonly Message[]): number {
  let n = 0;
  for (const m of messages) n += (m.key?.length ?? 0) + (m.value?.length ?? 0);
  return n;
}

/** Messages per send where the writer has no batch size of its own. */
export const SEND_SLICE = 1000;

/**
 * Sends `messages` to `topic` in slices of at most `size`, one after another, each acknowledged
 * by all in-sync replicas. WHY slices: kafkajs groups a send's messages by partition in time
 * quadratic in their number. `attempt` runs each send (the exactly-once sink retries
 * CONCURRENT_TRANSACTIONS around it).
 */
export async function sendInSlices(
  to: Pick<KafkaProducer, 'send'>,
  topic: string,
  messages: readonly Message[],
  size = SEND_SLICE,
  attempt: (send: () => Promise<unknown>) => Promise<unknown> = (send) => send(),
): Promise<void> {
  for (let i = 0; i < messages.length; i += size) {
    const slice = messages.slice(i, i + size);
    await attempt(() => to.send({ topic, messages: slice, acks: -1 }));
  }
}

/** The kafkajs producer itself, on whichever thread calls this (the Kafka thread, or the engine's with it off). */
export function kafkajsProducer(kafka: Kafka, settings: ProducerSettings): Producer {
  return kafka.producer({ ...settings, createPartitioner: keyCachingPartitioner });
}

/**
 * A producer for the client `kafka` (made by kafkaClient) on the Kafka thread, or on this
 * thread with SLUICE_KAFKA_THREAD=off.
 */
export function openProducer(kafka: Kafka, settings: ProducerSettings): KafkaProducer {
  if (!threadEnabled()) return kafkajsProducer(kafka, settings);
  const client = clientOf(kafka);
  const t = kafkaThread();
  return new ThreadProducer(t, t.newHandle(), client.options, client.clientId, settings);
}
