// Kafka as Sluice needs it, whatever client library speaks the protocol: a consumer with an
// assignment, positions and fetched batches (read committed); a plain and a transactional
// producer (send, sendOffsets with metadata markers, commit, abort, fencing); admin calls on
// topics and consumer groups. The source, the sinks, side outputs, markers, the changelog and
// scale-out use only this; kafkajs/ implements it (client.ts names the implementation).

/** How to reach a cluster: plain data (a producer thread makes the same client from it). */
export interface ClientSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string };
  /** PEM texts, not paths. */
  readonly tls?: { readonly rejectUnauthorized: boolean; readonly ca?: string; readonly cert?: string; readonly key?: string };
}

/** Header values as the protocol carries them (text is sent as UTF-8). */
export type HeaderValue = Buffer | string;
export type MessageHeaders = { [key: string]: HeaderValue | HeaderValue[] | undefined };

/** A message to produce. Without `partition` the key's hash picks it (Java's murmur2, as every client). */
export interface OutMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  partition?: number;
  headers?: MessageHeaders;
}

/** A consumed record: offsets and timestamps are decimal text, as the protocol's int64s. */
export interface FetchedMessage {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  readonly headers?: MessageHeaders;
  /**
   * A client that decodes records leanly (kafkajs/record-decoder.ts, batch-decoder.ts) also gives
   * bytes holding the record (its batch's) and where its key and value lie in them ([start, end),
   * start -1 for null), so that they are read in place, with no Buffer made per message, and the
   * offset as a number.
   */
  readonly raw?: Buffer;
  readonly keyStart?: number;
  readonly keyEnd?: number;
  readonly valueStart?: number;
  readonly valueEnd?: number;
  readonly offsetNumber?: number;
}

/** Offsets (and their metadata, a Sluice marker) committed for one topic to a consumer group. */
export interface GroupCommit {
  readonly group: string;
  readonly topic: string;
  readonly partitions: ReadonlyArray<{ readonly partition: number; readonly offset: string; readonly metadata: string }>;
}

/** A partition's offsets now: its log start and its end (the next offset to be written). */
export interface PartitionBounds {
  readonly partition: number;
  readonly low: bigint;
  readonly high: bigint;
}

/** A group's committed offset of a partition (-1: none) and the metadata committed with it. */
export interface CommittedOffset {
  readonly partition: number;
  readonly offset: bigint;
  readonly metadata: string | null;
}

/** One admin session: connect, calls, disconnect. Errors come as the client raised them. */
export interface KafkaAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  /** Creates a topic and waits for its partitions' leaders; one that exists is left as it is (or fails "already exists"). */
  createTopic(topic: string, partitions: number, options?: { readonly compacted?: boolean }): Promise<void>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  /** The partition count of an existing topic. */
  partitionCount(topic: string): Promise<number>;
  topicOffsets(topic: string): Promise<PartitionBounds[]>;
  groupOffsets(group: string, topic: string): Promise<CommittedOffset[]>;
  deleteGroups(groups: readonly string[]): Promise<void>;
}

/** A producer writing with acknowledgements from all in-sync replicas, one request at a time, in order. */
export interface KafkaProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Any number of messages: the implementation splits them as its client needs. */
  send(topic: string, messages: readonly OutMessage[]): Promise<void>;
}

/**
 * A producer with a transactional id. connect() initializes the id, which fences every earlier
 * producer with the same id (its later calls fail with KafkaFencedError) and aborts or
 * completes the transaction it left open: state read after connect() is not stale.
 */
export interface TransactionalProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  begin(): Promise<KafkaTransaction>;
}

export interface KafkaTransaction {
  send(topic: string, messages: readonly OutMessage[]): Promise<void>;
  /** Commits `offsets` to their group with the transaction (the consumer's position, with a marker). */
  sendOffsets(offsets: GroupCommit): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * A producer whose transactional id another producer took over (or whose transaction the
 * coordinator aborted by bumping its epoch). Sluice's own type, whatever the client raised;
 * the message is the client's.
 */
export class KafkaFencedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaFencedError';
  }
}

/** How a consumer group's partitions are spread over its members (every member computes the same). */
export interface PartitionAssigner {
  /** The protocol name members agree on. */
  readonly name: string;
  /** Per member id, per topic, its partitions. */
  assign(members: readonly string[], topics: readonly string[]): ReadonlyMap<string, Readonly<Record<string, number[]>>>;
}

export interface ConsumerSettings {
  /** The membership group (the consumer commits no offsets itself). */
  readonly group: string;
  readonly topics: readonly string[];
  /** Where a partition without a committed offset (and not sought) starts: its log start, or its end. */
  readonly fromBeginning: boolean;
  readonly maxBytesPerPartition: number;
  readonly maxWaitMs: number;
  /** How long a crashed member holds its partitions; heartbeats go at a third of it (at most 3 s). */
  readonly sessionTimeoutMs?: number;
  /** Time between heartbeats, when shorter than the above's: a member learns of a rebalance at its next heartbeat. */
  readonly heartbeatMs?: number;
  /** Partitions handled at once (default 1). */
  readonly concurrency?: number;
  readonly assigner?: PartitionAssigner;
  /** Set: a crash is retried within kafka_retry_for (retry.ts), each retry logged under this name. */
  readonly restartAs?: string;
}

/** Fetched records of one partition, read committed, in offset order. */
export interface FetchedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly FetchedMessage[];
  /** The offset of the batch's last record (the next fetch starts after it). */
  readonly lastOffset: bigint;
  /** The partition's end (the offset after its last record) as of this fetch. */
  readonly highWatermark: bigint;
  /** True once the consumer stops or the batch was overtaken by a seek or a rebalance. */
  stale(): boolean;
  heartbeat(): Promise<void>;
}

export interface ConsumerHandlers {
  /** The group gave this member its partitions (by topic): the place to seek. */
  assigned(partitions: ReadonlyMap<string, readonly number[]>): void;
  batch(batch: FetchedBatch): Promise<void>;
  /**
   * A fetched range none of whose records reach batch() (transaction markers, aborted records):
   * the position may move past it.
   */
  skipped?(topic: string, partition: number, firstOffset: bigint, lastOffset: bigint): void;
  /** The consumer stopped for good with this error. */
  failed(error: unknown): void;
}

export interface KafkaConsumer {
  /** Connects, joins the group and starts fetching; resolves once it runs. */
  start(handlers: ConsumerHandlers): Promise<void>;
  seek(topic: string, partition: number, offset: bigint): void;
  pause(topic: string, partitions: readonly number[]): void;
  resume(topic: string, partitions: readonly number[]): void;
  stop(): Promise<void>;
  close(): Promise<void>;
}

/** One cluster, as a job's connector options configure it. */
export interface KafkaClient {
  /** `retries: 0`: calls fail at once instead of after the client's own retries. */
  admin(options?: { readonly retries?: number }): KafkaAdmin;
  producer(options?: { readonly idempotent?: boolean }): KafkaProducer;
  transactionalProducer(transactionalId: string): TransactionalProducer;
  consumer(settings: ConsumerSettings): KafkaConsumer;
}
