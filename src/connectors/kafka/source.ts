// The `kafka` source: a kafkajs consumer (eachBatch, auto-commit off) over one topic. Records
// are the message values with their partition; position { topic, partition, offset }.
// startup = earliest | latest | group; bounded = 'latest' reads up to the end offsets taken at
// start and then ends; idle_timeout marks quiet partitions idle so that they stop holding the
// per-partition watermark back (the engine combines them, exec/time.ts PartitionWatermarks).
// Offsets are not committed: they belong to the job's checkpoints (issue 3).

import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Column, SourceDef } from '../../catalog/catalog.js';
import { parseDuration } from '../../catalog/duration.js';
import { ConnectorError } from '../connector.js';
import type { PartitionListener, RecordDecoder, SourceConnector, SourceReader, SourceRecord } from '../connector.js';
import { choiceOption, intOption, requiredOption } from '../options.js';
import { CLIENT_OPTIONS, kafkaClient } from './client.js';
import { compileKafkaDecoder, KafkaRecord } from './record.js';
import { openKafkaSideOutput } from './side-output.js';

export type Startup = 'earliest' | 'latest' | 'group';

export interface KafkaSourceSettings {
  readonly topic: string;
  readonly group: string;
  readonly startup: Startup;
  /** Read up to the end offsets taken at start, then end. */
  readonly bounded: boolean;
  /** Milliseconds without records after which a partition is idle; undefined: never. */
  readonly idleTimeoutMs: number | undefined;
  readonly maxBytesPerPartition: number;
}

function durationMs(options: Readonly<Record<string, string>>, name: string): number | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  const micros = parseDuration(v.trim());
  if (micros === undefined || micros <= 0) throw new ConnectorError(`option '${name}' must be a duration such as '30s' or '500ms', not '${v}'`, name, `${name} = '30s'`);
  return micros / 1000;
}

export function kafkaSourceSettings(def: SourceDef): KafkaSourceSettings {
  const o = def.options;
  const topic = requiredOption(o, 'topic', 'raw-temp-data');
  choiceOption(o, 'format', ['json', 'jsonl'] as const, 'json');
  const startup = choiceOption(o, 'startup', ['earliest', 'latest', 'group'] as const, 'earliest');
  const bounded = o['bounded'] !== undefined && choiceOption(o, 'bounded', ['latest', 'false'] as const, 'false') === 'latest';
  return {
    topic,
    group: o['group'] ?? `sluice-${def.name}-${topic}`,
    startup,
    bounded,
    idleTimeoutMs: durationMs(o, 'idle_timeout'),
    maxBytesPerPartition: intOption(o, 'fetch_max_bytes', 4 << 20, 1),
  };
}

/** An offset per partition (partition -> offset). */
type Offsets = Map<number, bigint>;

export class KafkaReader implements SourceReader {
  readonly bounded: boolean;
  private listener: PartitionListener | undefined;
  /** Wall-clock ms of the last record per assigned partition. */
  private readonly lastSeen = new Map<number, number>();
  private readonly idle = new Set<number>();

  constructor(
    private readonly kafka: Kafka,
    readonly settings: KafkaSourceSettings,
  ) {
    this.bounded = settings.bounded;
  }

  decoder(columns: readonly Column[], eventTime: string | undefined): RecordDecoder {
    return compileKafkaDecoder(columns, eventTime);
  }

  watchPartitions(listener: PartitionListener): void {
    this.listener = listener;
  }

  /**
   * Makes startup = earliest | latest hold even when the group has committed offsets (they are
   * reset before the consumer joins); returns where each partition starts and its end offset
   * now (the next offset to be written), for `bounded`. One admin session for all of it.
   */
  private async prepareGroup(): Promise<{ start: Offsets; end: Offsets }> {
    const { topic, group, startup } = this.settings;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      if (!topics.includes(topic)) throw new ConnectorError(`topic '${topic}' does not exist`, 'topic', 'create it first (sluice produce creates its topic), or check brokers');
      const bounds = await admin.fetchTopicOffsets(topic);
      const committed = (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]?.partitions ?? [];
      const hasCommits = committed.some((p) => Number(p.offset) >= 0);
      if (startup !== 'group' && hasCommits) await admin.resetOffsets({ groupId: group, topic, earliest: startup === 'earliest' });
      const start: Offsets = new Map();
      const end: Offsets = new Map();
      for (const b of bounds) {
        end.set(b.partition, BigInt(b.high));
        const c = committed.find((p) => p.partition === b.partition);
        const from = startup === 'latest' ? b.high : startup === 'group' && c && Number(c.offset) >= 0 ? c.offset : b.low;
        start.set(b.partition, BigInt(from));
      }
      return { start, end };
    } finally {
      await admin.disconnect();
    }
  }

  async run(emit: (records: SourceRecord[]) => void | Promise<void>, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const { topic, group, startup, bounded, idleTimeoutMs } = this.settings;
    // bounded: partitions still to read, and the offset each must reach.
    const { start, end } = await this.prepareGroup();
    const pending = new Set<number>();
    if (bounded) for (const [p, e] of end) if ((start.get(p) ?? 0n) < e) pending.add(p);
    if (bounded && pending.size === 0) return;

    const consumer: Consumer = this.kafka.consumer({
      groupId: group,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: this.settings.maxBytesPerPartition,
      maxWaitTimeInMs: 100,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
    // One emit at a time: batches and idle notifications are serialized.
    let chain: Promise<void> = Promise.resolve();
    const serial = (records: SourceRecord[]): Promise<void> => (chain = chain.then(() => emit(records)));
    let finish!: () => void;
    let fail!: (e: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const onAbort = (): void => finish();
    signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;

    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assigned = (e.payload.memberAssignment[topic] ?? []).slice().sort((a, b) => a - b);
      const now = Date.now();
      this.lastSeen.clear();
      this.idle.clear();
      for (const p of assigned) this.lastSeen.set(p, now);
      this.listener?.assigned(assigned);
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) fail(e.payload.error);
    });

    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: startup !== 'latest' });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        partitionsConsumedConcurrently: 1,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale }: EachBatchPayload) => {
          if (!isRunning() || isStale() || signal.aborted) return;
          const p = batch.partition;
          const limit = bounded ? end.get(p) : undefined;
          if (bounded && !pending.has(p)) return;
          const records: SourceRecord[] = [];
          let reachedEnd = false;
          for (const m of batch.messages) {
            if (limit !== undefined && BigInt(m.offset) >= limit) {
              reachedEnd = true;
              break;
            }
            records.push(new KafkaRecord(topic, p, m));
          }
          if (limit !== undefined && BigInt(batch.lastOffset()) + 1n >= limit) reachedEnd = true;
          if (records.length > 0) {
            this.lastSeen.set(p, Date.now());
            if (this.idle.delete(p)) this.listener?.idle(p, false);
            await serial(records);
          }
          await heartbeat();
          if (reachedEnd && pending.delete(p)) {
            consumer.pause([{ topic, partitions: [p] }]);
            if (pending.size === 0) finish();
          }
        },
      });
      if (idleTimeoutMs !== undefined) timer = this.startIdleTimer(idleTimeoutMs, serial);
      await done;
      await chain;
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (timer) clearInterval(timer);
      await consumer.disconnect().catch(() => {});
    }
  }

  /** Marks partitions without records for `timeoutMs` idle; while all are idle, ticks the engine so the watermark follows the clock. */
  private startIdleTimer(timeoutMs: number, serial: (records: SourceRecord[]) => Promise<void>): NodeJS.Timeout {
    const every = Math.max(20, Math.min(1000, timeoutMs / 4));
    return setInterval(() => {
      const now = Date.now();
      let changed = false;
      for (const [p, t] of this.lastSeen) {
        if (!this.idle.has(p) && now - t >= timeoutMs) {
          this.idle.add(p);
          this.listener?.idle(p, true);
          changed = true;
        }
      }
      const allIdle = this.lastSeen.size > 0 && this.idle.size === this.lastSeen.size;
      if (changed || allIdle) void serial([]).catch(() => {});
    }, every);
  }
}

export const kafkaSource: SourceConnector = {
  name: 'kafka',
  options: ['connector', 'topic', 'format', 'startup', 'group', 'bounded', 'idle_timeout', 'fetch_max_bytes', 'dead_letter', 'late', ...CLIENT_OPTIONS],
  /** dead_letter / late name topics: the original message with why and where in headers. */
  sideOutput: (def: SourceDef, topic: string) => openKafkaSideOutput(def, topic),
  open(def: SourceDef): SourceReader {
    const settings = kafkaSourceSettings(def);
    return new KafkaReader(kafkaClient(def.options, `sluice-${def.name}`), settings);
  },
};
