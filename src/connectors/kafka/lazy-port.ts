// The port (port.ts) with its implementation imported on first use: kafkajs (~140 modules, about
// 0.1 s to load) loads only in a process that talks to Kafka, when its first client is used, so
// a file job, `sluice explain` or the REPL on files never loads it. Each object the port hands
// out is a thin stand-in that waits for the implementation's own object.

import type {
  ClientSettings,
  ConsumerHandlers,
  ConsumerSettings,
  KafkaAdmin,
  KafkaClient,
  KafkaConsumer,
  KafkaProducer,
  KafkaTransaction,
  OutMessage,
  TransactionalProducer,
} from './port.js';

type Implementation = (settings: ClientSettings) => KafkaClient;

let loading: Promise<Implementation> | undefined;

/** The implementation's port constructor, imported once per process. */
function implementation(): Promise<Implementation> {
  return (loading ??= import('./kafkajs/port.js').then((m) => m.kafkajsPort));
}

/** `make` of the real client, made on the first call (never before, so a failed import surfaces where it is awaited). */
function deferred<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

function admin(real: () => Promise<KafkaAdmin>): KafkaAdmin {
  return {
    connect: async () => (await real()).connect(),
    disconnect: async () => (await real()).disconnect(),
    listTopics: async () => (await real()).listTopics(),
    createTopic: async (topic, partitions, options) => (await real()).createTopic(topic, partitions, options),
    deleteTopics: async (topics) => (await real()).deleteTopics(topics),
    partitionCount: async (topic) => (await real()).partitionCount(topic),
    topicOffsets: async (topic) => (await real()).topicOffsets(topic),
    groupOffsets: async (group, topic) => (await real()).groupOffsets(group, topic),
    deleteGroups: async (groups) => (await real()).deleteGroups(groups),
  };
}

function producer(real: () => Promise<KafkaProducer>): KafkaProducer {
  return {
    connect: async () => (await real()).connect(),
    disconnect: async () => (await real()).disconnect(),
    send: async (topic: string, messages: readonly OutMessage[]) => (await real()).send(topic, messages),
  };
}

function transactional(real: () => Promise<TransactionalProducer>): TransactionalProducer {
  return {
    connect: async () => (await real()).connect(),
    disconnect: async () => (await real()).disconnect(),
    begin: async (): Promise<KafkaTransaction> => (await real()).begin(),
  };
}

/**
 * A consumer's seek, pause and resume are synchronous and only called once it has started (from
 * its handlers, or after start resolved), by when the real consumer exists.
 */
class Consumer implements KafkaConsumer {
  private made: KafkaConsumer | undefined;
  private readonly real: () => Promise<KafkaConsumer>;

  constructor(real: () => Promise<KafkaConsumer>) {
    this.real = deferred(async () => (this.made = await real()));
  }

  private get started(): KafkaConsumer {
    if (this.made === undefined) throw new Error('kafka consumer: seek, pause or resume before start');
    return this.made;
  }

  async start(handlers: ConsumerHandlers): Promise<void> {
    return (await this.real()).start(handlers);
  }
  seek(topic: string, partition: number, offset: bigint): void {
    this.started.seek(topic, partition, offset);
  }
  pause(topic: string, partitions: readonly number[]): void {
    this.started.pause(topic, partitions);
  }
  resume(topic: string, partitions: readonly number[]): void {
    this.started.resume(topic, partitions);
  }
  async stop(): Promise<void> {
    return (await this.real()).stop();
  }
  async close(): Promise<void> {
    return (await this.real()).close();
  }
}

/** The port for `settings`, its implementation loaded when first used. */
export function lazyPort(settings: ClientSettings): KafkaClient {
  const client = deferred(async () => (await implementation())(settings));
  return {
    admin: (options) => admin(deferred(async () => (await client()).admin(options))),
    producer: (options) => producer(deferred(async () => (await client()).producer(options))),
    transactionalProducer: (id) => transactional(deferred(async () => (await client()).transactionalProducer(id))),
    consumer: (s: ConsumerSettings) => new Consumer(async () => (await client()).consumer(s)),
  };
}
