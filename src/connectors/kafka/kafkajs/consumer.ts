// The port's consumer on kafkajs: eachBatch (auto-commit off, read committed), the group join
// as the assignment, the batches kafkajs filtered empty (transaction markers, aborted records;
// they never reach eachBatch) as skipped ranges, a Sluice assigner encoded in kafkajs's
// protocol, and a crashed consumer restarted within kafka_retry_for (restartAs).

// First: its record decoder takes kafkajs's place before kafkajs loads (record-decoder.ts).
import './record-decoder.js';
import { AssignerProtocol, type Assigner, type Consumer, type GroupMember, type Kafka } from 'kafkajs';
import type { ConsumerHandlers, ConsumerSettings, KafkaConsumer, PartitionAssigner } from '../port.js';
import { isRetriable, KafkaGaveUpError, kafkaRetryFor, logRetry, realClock, type RetryClock } from '../retry.js';

/**
 * The consumer's side of the retry rule: kafkajs restarts a crashed consumer while this says
 * so. The window starts at the first crash and starts over once the consumer is back (ok()).
 */
export function consumerRestarts(
  what: string,
  clock: RetryClock = realClock,
): { restartOnFailure: (e: Error) => Promise<boolean>; ok: () => void; failure: (e: unknown) => unknown } {
  let first: number | undefined;
  let attempt = 0;
  return {
    /** The error the consumer's last crash ends the source with: the reason, and for how long it was retried. */
    failure: (e) => (attempt > 0 && isRetriable(e) ? new KafkaGaveUpError(what, attempt, clock.now() - (first ?? clock.now()), e) : e),
    ok: () => {
      first = undefined;
      attempt = 0;
    },
    restartOnFailure: async (e: Error) => {
      const now = clock.now();
      first ??= now;
      attempt++;
      const remaining = kafkaRetryFor() - (now - first);
      if (remaining <= 0 || !isRetriable(e)) return false;
      // kafkajs waits the failure's retryTime (its own backoff) before the restart.
      logRetry({ what, attempt, delayMs: (e as { retryTime?: number }).retryTime ?? 100, remainingMs: remaining, error: e });
      return true;
    },
  };
}

/** A Sluice assigner as kafkajs runs one (member metadata and assignments in its protocol encoding). */
function kafkajsAssigner(a: PartitionAssigner): () => Assigner {
  return () => ({
    name: a.name,
    version: 0,
    async assign({ members, topics }: { members: GroupMember[]; topics: string[] }) {
      const given = a.assign(
        members.map((m) => m.memberId),
        topics,
      );
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { ...(given.get(m.memberId) ?? {}) }, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }: { topics: string[] }) {
      return { name: a.name, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
    },
  });
}

export class KafkajsConsumer implements KafkaConsumer {
  private readonly consumer: Consumer;
  private readonly restarts: ReturnType<typeof consumerRestarts> | undefined;

  constructor(
    kafka: Kafka,
    private readonly settings: ConsumerSettings,
  ) {
    this.restarts = settings.restartAs !== undefined ? consumerRestarts(settings.restartAs) : undefined;
    const session = settings.sessionTimeoutMs;
    this.consumer = kafka.consumer({
      groupId: settings.group,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: settings.maxBytesPerPartition,
      maxWaitTimeInMs: settings.maxWaitMs,
      readUncommitted: false,
      ...(this.restarts ? { retry: { restartOnFailure: this.restarts.restartOnFailure } } : {}),
      ...(settings.assigner ? { partitionAssigners: [kafkajsAssigner(settings.assigner)] } : {}),
      ...(session !== undefined ? { sessionTimeout: session, heartbeatInterval: Math.min(3_000, Math.floor(session / 3)) } : {}),
      ...(settings.heartbeatMs !== undefined ? { heartbeatInterval: Math.min(settings.heartbeatMs, session === undefined ? 3_000 : Math.floor(session / 3)) } : {}),
    });
  }

  async start(h: ConsumerHandlers): Promise<void> {
    const c = this.consumer;
    c.on(c.events.GROUP_JOIN, (e) => {
      this.restarts?.ok();
      const given = new Map<string, readonly number[]>();
      for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) given.set(topic, partitions);
      h.assigned(given);
    });
    // kafkajs ends a batch it filtered empty without eachBatch; one with a first offset covers records.
    c.on(c.events.END_BATCH_PROCESS, (e) => {
      if (e.payload.batchSize !== 0 || e.payload.firstOffset === null) return;
      h.skipped?.(e.payload.topic, e.payload.partition, BigInt(e.payload.firstOffset), BigInt(e.payload.lastOffset));
    });
    c.on(c.events.CRASH, (e) => {
      if (this.restarts === undefined) h.failed(e.payload.error);
      else if (!e.payload.restart) h.failed(this.restarts.failure(e.payload.error));
    });
    await c.connect();
    for (const topic of this.settings.topics) await c.subscribe({ topic, fromBeginning: this.settings.fromBeginning });
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: this.settings.concurrency ?? 1,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) =>
        h.batch({
          topic: batch.topic,
          partition: batch.partition,
          messages: batch.messages,
          lastOffset: BigInt(batch.lastOffset()),
          highWatermark: BigInt(batch.highWatermark),
          stale: () => !isRunning() || isStale(),
          heartbeat,
        }),
    });
  }

  seek(topic: string, partition: number, offset: bigint): void {
    this.consumer.seek({ topic, partition, offset: offset.toString() });
  }

  pause(topic: string, partitions: readonly number[]): void {
    this.consumer.pause([{ topic, partitions: [...partitions] }]);
  }

  resume(topic: string, partitions: readonly number[]): void {
    this.consumer.resume([{ topic, partitions: [...partitions] }]);
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  close(): Promise<void> {
    return this.consumer.disconnect();
  }
}
