// The port (../port.ts) on kafkajs: admin sessions, producers (on the Kafka thread, producer.ts)
// whose sends go in slices, transactional producers whose transactional id is initialized at
// connect, CONCURRENT_TRANSACTIONS retried and fencing raised as KafkaFencedError (errors.ts),
// and consumers (consumer.ts). Producers always wait for all in-sync replicas, one request in
// flight, and never create topics.

import type { Admin, Kafka } from 'kafkajs';
import type {
  ClientSettings,
  GroupCommit,
  KafkaAdmin,
  KafkaClient,
  KafkaProducer,
  KafkaTransaction,
  OutMessage,
  TransactionalProducer,
} from '../port.js';
import { kafkajsClient } from './client.js';
import { KafkajsConsumer } from './consumer.js';
import { atPort, retryConcurrent } from './errors.js';
import { openProducer, sendInSlices, SEND_SLICE, type JsProducer, type JsTransaction, type ProducerSettings } from './producer.js';

function admin(a: Admin): KafkaAdmin {
  return {
    // WHY the metadata request: kafkajs's admin connect() reaches the seed broker only, so its
    // first coordinator lookup (group offsets, deleting a group) found no broker and slept a retry
    // (100-300 ms) before asking again; one metadata round trip (no topics) fills its broker pool.
    connect: async () => {
      await a.connect();
      await a.fetchTopicMetadata({ topics: [] });
    },
    disconnect: () => a.disconnect(),
    listTopics: () => a.listTopics(),
    async createTopic(topic, partitions, options) {
      const configEntries = options?.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : undefined;
      await a.createTopics({ topics: [{ topic, numPartitions: partitions, ...(configEntries ? { configEntries } : {}) }], waitForLeaders: true });
    },
    deleteTopics: (topics) => a.deleteTopics({ topics: [...topics] }),
    async partitionCount(topic) {
      const meta = await a.fetchTopicMetadata({ topics: [topic] });
      return meta.topics[0]?.partitions.length ?? 0;
    },
    async topicOffsets(topic) {
      return (await a.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }));
    },
    async groupOffsets(group, topic) {
      const parts = (await a.fetchOffsets({ groupId: group, topics: [topic] }))[0]?.partitions ?? [];
      return parts.map((p) => ({ partition: p.partition, offset: BigInt(p.offset), metadata: p.metadata }));
    },
    async deleteGroups(groups) {
      await a.deleteGroups([...groups]);
    },
  };
}

class Producer implements KafkaProducer {
  constructor(private readonly p: JsProducer) {}
  connect(): Promise<void> {
    return atPort(() => this.p.connect());
  }
  disconnect(): Promise<void> {
    return this.p.disconnect();
  }
  send(topic: string, messages: readonly OutMessage[]): Promise<void> {
    return atPort(() => sendInSlices(this.p, topic, messages));
  }
}

class Transaction implements KafkaTransaction {
  constructor(private readonly t: JsTransaction) {}
  send(topic: string, messages: readonly OutMessage[]): Promise<void> {
    return atPort(() => sendInSlices(this.t, topic, messages, SEND_SLICE, retryConcurrent));
  }
  sendOffsets(o: GroupCommit): Promise<void> {
    return atPort(() => retryConcurrent(() => this.t.sendOffsets({ consumerGroupId: o.group, topics: [{ topic: o.topic, partitions: o.partitions.map((p) => ({ ...p })) }] })));
  }
  commit(): Promise<void> {
    return atPort(() => retryConcurrent(() => this.t.commit()));
  }
  abort(): Promise<void> {
    return atPort(() => this.t.abort());
  }
}

class Transactional implements TransactionalProducer {
  constructor(private readonly p: JsProducer) {}
  /**
   * WHY a transaction at once: kafkajs's connect() asks only for an idempotent producer id; the
   * transactional one (which bumps the epoch, fencing a previous producer with the same
   * transactionalId, and aborts or completes its open transaction) comes with the first
   * transaction(). Nothing is added to it, so kafkajs ends it locally without an EndTxn.
   */
  connect(): Promise<void> {
    return atPort(async () => {
      await retryConcurrent(() => this.p.connect());
      const txn = await retryConcurrent(() => this.p.transaction());
      await txn.abort();
    });
  }
  disconnect(): Promise<void> {
    return this.p.disconnect();
  }
  begin(): Promise<KafkaTransaction> {
    return atPort(async () => new Transaction(await retryConcurrent(() => this.p.transaction())));
  }
}

/** The port on kafkajs for `settings`. */
export function kafkajsPort(settings: ClientSettings): KafkaClient {
  let made: Kafka | undefined;
  const kafka = (): Kafka => (made ??= kafkajsClient(settings));
  const producer = (s: ProducerSettings): JsProducer => openProducer(settings, { maxInFlightRequests: 1, allowAutoTopicCreation: false, ...s }, kafka());
  return {
    admin: (options) => admin(kafka().admin(options?.retries !== undefined ? { retry: { retries: options.retries } } : undefined)),
    producer: (options) => new Producer(producer(options?.idempotent ? { idempotent: true } : {})),
    transactionalProducer: (transactionalId) => new Transactional(producer({ transactionalId, idempotent: true })),
    consumer: (s) => new KafkajsConsumer(kafka(), s),
  };
}
