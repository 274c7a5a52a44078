// Kafka producers on the process's Kafka thread (thread.ts). kafkajs encodes each message on the
// thread that sends it (record and batch encoders, partitioning, CRC; ~9 µs of CPU a message
// here), which on the engine's thread costs as much as a window aggregate. The engine hands the
// thread each send's messages (structured clone) and awaits its answer as it would kafkajs's;
// the thread starts requests in the order they were made.

import type { Kafka, Message, Producer, ProducerConfig, ProducerRecord, TopicOffsets } from 'kafkajs';
import type { ClientSettings } from '../port.js';
import { kafkajsClient } from './client.js';
import { keyCachingPartitioner } from './partitioner.js';
import { kafkaThread, threadEnabled, type KafkaThread } from './thread.js';

/** What the port's producers use of a kafkajs producer, on the Kafka thread or on this one. */
export interface JsProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: ProducerRecord): Promise<unknown>;
  transaction(): Promise<JsTransaction>;
}

export interface JsTransaction {
  send(record: ProducerRecord): Promise<unknown>;
  sendOffsets(offsets: { consumerGroupId: string; topics: TopicOffsets[] }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Producer settings (the partitioner is always kafkajs's default one, keys remembered: partitioner.ts). */
export type ProducerSettings = Omit<ProducerConfig, 'createPartitioner'>;

class ThreadTransaction implements JsTransaction {
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

class ThreadProducer implements JsProducer {
  private readonly opened: Promise<unknown>;
  constructor(private readonly t: KafkaThread, private readonly id: number, client: ClientSettings, settings: ProducerSettings) {
    this.opened = t.call({ op: 'producer.open', producer: id, client, settings });
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
  async transaction(): Promise<JsTransaction> {
    return new ThreadTransaction(this.t, (await this.call('producer.transaction')) as number);
  }
}

/** Messages per send: kafkajs groups a send's messages by partition in time quadratic in their number. */
export const SEND_SLICE = 1000;

/**
 * Sends `messages` to `topic` in slices of at most `size`, one after another, each acknowledged
 * by all in-sync replicas. `attempt` runs each send (a transaction retries
 * CONCURRENT_TRANSACTIONS around it).
 */
export async function sendInSlices(
  to: Pick<JsProducer, 'send'>,
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
 * A producer of the client `client` on the Kafka thread, or on this thread (with `kafka`, made
 * from the same settings, when given) with SLUICE_KAFKA_THREAD=off.
 */
export function openProducer(client: ClientSettings, settings: ProducerSettings, kafka?: Kafka): JsProducer {
  if (!threadEnabled()) return kafkajsProducer(kafka ?? kafkajsClient(client), settings);
  const t = kafkaThread();
  return new ThreadProducer(t, t.newHandle(), client, settings);
}
