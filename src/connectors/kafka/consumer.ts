// The Kafka source's consumer: a kafkajs consumer (eachBatch, auto-commit off) behind the little
// the source needs of it. It stays on the engine's thread: on the 2-core machines this project is
// measured on, fetching and decoding on the Kafka thread as well (tried: batches packed into
// transferred buffers, fetched a few ahead) was slower than here, the engine then waiting for a
// thread that also produces (bench:kafka 3.4-3.8 s against 3.1-3.5 s per 1M events).
// A batch the engine fails on ends the source (kafkajs would fetch it again and retry).

import type { Consumer, ConsumerConfig, Kafka, KafkaMessage } from 'kafkajs';
import { KafkaRecord } from './record.js';

/** One fetched batch of one partition, as the source reads it. */
export interface FetchedBatch {
  readonly partition: number;
  readonly highWatermark: string;
  /** The batch's last offset (kafkajs's batch.lastOffset(): past control records too). */
  readonly lastOffset: string;
  readonly count: number;
  offset(i: number): bigint;
  record(topic: string, i: number): KafkaRecord;
}

/** A batch that reached eachBatch with no messages for the source (control records only), as kafkajs reports it. */
export interface EmptyBatch {
  readonly partition: number;
  readonly firstOffset: string | null;
  readonly lastOffset: string;
}

export interface SourceConsumer {
  /** The partitions of `topic` this member was given, at each group join. */
  onJoin(f: (assigned: readonly number[]) => void): void;
  onEmptyBatch(f: (e: EmptyBatch) => void): void;
  /** A failure the consumer does not recover from by itself. */
  onCrash(f: (error: Error) => void): void;
  connect(): Promise<void>;
  subscribe(fromBeginning: boolean): Promise<void>;
  /** Starts consuming; resolves once running. `eachBatch` is awaited before the next fetch of the partition. */
  run(eachBatch: (batch: FetchedBatch) => Promise<void>): Promise<void>;
  seek(partition: number, offset: string): void;
  pause(partitions: readonly number[]): void;
  disconnect(): Promise<void>;
}

/** Consumer settings as kafkajs takes them. */
export type ConsumerSettings = ConsumerConfig;

class MessageBatch implements FetchedBatch {
  readonly count: number;
  constructor(
    readonly partition: number,
    readonly highWatermark: string,
    readonly lastOffset: string,
    private readonly messages: readonly KafkaMessage[],
  ) {
    this.count = messages.length;
  }
  offset(i: number): bigint {
    return BigInt(this.messages[i]!.offset);
  }
  record(topic: string, i: number): KafkaRecord {
    return new KafkaRecord(topic, this.partition, this.messages[i]!);
  }
}

/** A kafkajs consumer of one topic. */
class InlineConsumer implements SourceConsumer {
  private readonly consumer: Consumer;
  constructor(
    kafka: Kafka,
    private readonly topic: string,
    settings: ConsumerSettings,
  ) {
    this.consumer = kafka.consumer(settings);
  }
  onJoin(f: (assigned: readonly number[]) => void): void {
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => f(e.payload.memberAssignment[this.topic] ?? []));
  }
  onEmptyBatch(f: (e: EmptyBatch) => void): void {
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, (e) => {
      if (e.payload.batchSize === 0) f({ partition: e.payload.partition, firstOffset: e.payload.firstOffset, lastOffset: e.payload.lastOffset });
    });
  }
  private crashed: ((error: Error) => void) | undefined;
  onCrash(f: (error: Error) => void): void {
    this.crashed = f;
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      if (!e.payload.restart) f(e.payload.error);
    });
  }
  connect(): Promise<void> {
    return this.consumer.connect();
  }
  subscribe(fromBeginning: boolean): Promise<void> {
    return this.consumer.subscribe({ topic: this.topic, fromBeginning });
  }
  run(eachBatch: (batch: FetchedBatch) => Promise<void>): Promise<void> {
    return this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale()) return;
        try {
          await eachBatch(new MessageBatch(batch.partition, batch.highWatermark, batch.lastOffset(), batch.messages));
        } catch (e) {
          this.crashed?.(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        await heartbeat();
      },
    });
  }
  seek(partition: number, offset: string): void {
    this.consumer.seek({ topic: this.topic, partition, offset });
  }
  pause(partitions: readonly number[]): void {
    this.consumer.pause([{ topic: this.topic, partitions: [...partitions] }]);
  }
  disconnect(): Promise<void> {
    return this.consumer.disconnect();
  }
}

export function openConsumer(kafka: Kafka, topic: string, settings: ConsumerSettings): SourceConsumer {
  return new InlineConsumer(kafka, topic, settings);
}
