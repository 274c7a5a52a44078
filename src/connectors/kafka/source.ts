// The `kafka` source: a consumer of the port (port.ts) over one topic, committing nothing. Records
// are the message values with their partition; position { topic, partition, offset }.
// startup = earliest | latest | group; bounded = 'latest' reads up to the end offsets taken at
// start and then ends; idle_timeout marks quiet partitions idle so that they stop holding the
// per-partition watermark back (the engine combines them, exec/time.ts PartitionWatermarks).
// Offsets are not committed by the consumer: they belong to the job's checkpoints. position() is
// { topic, next: {partition: next offset}, end? } as of the last batch handed to the engine; a
// resumed reader seeks every partition it is assigned to that offset (and keeps the bounded end
// offsets of the first start until it reaches them; a finished job run again reads to the end
// offsets of its new start). An exactly-once Kafka sink commits the same offsets to the group.
// The consumer itself joins a group of its own per run (see run()); `group` is where offsets are
// read from (startup = 'group') and committed to. Scale-out (exec/scale-out) shares `group`.

import { startupMark } from '../../util/startup-marks.js';
import { randomUUID } from 'node:crypto';
import type { Column, SourceDef } from '../../catalog/catalog.js';
import { parseDuration } from '../../catalog/duration.js';
import { ConnectorError } from '../connector.js';
import type { PartitionListener, RecordDecoder, ResumePosition, SourceConnector, SourceReader, SourceRecord } from '../connector.js';
import { choiceOption, intOption, requiredOption } from '../options.js';
import { CLIENT_OPTIONS, kafkaClient, withAdmin } from './client.js';
import type { FetchedBatch, KafkaAdmin, KafkaClient } from './port.js';
import { compileKafkaDecoder, KafkaRecord } from './record.js';
import { openKafkaSideOutput } from './side-output.js';
import { Pacer } from '../pace.js';

export type Startup = 'earliest' | 'latest' | 'group';

/** Records per hand-over to the engine: a fetch of 1 MB holds ~12,000 small messages. */
const EMIT_SLICE = 4096;

export interface KafkaSourceSettings {
  readonly topic: string;
  readonly group: string;
  readonly startup: Startup;
  /** Read up to the end offsets taken at start, then end. */
  readonly bounded: boolean;
  /** A CREATE TABLE's topic: a tombstone is a row that deletes its key, not a dead letter. */
  readonly upsert?: boolean;
  /** Milliseconds without records after which a partition is idle; undefined: never. */
  readonly idleTimeoutMs: number | undefined;
  readonly maxBytesPerPartition: number;
  /** Consumer group session timeout: how long a crashed member holds its partitions. */
  readonly sessionTimeoutMs: number;
  /** `rate`: at most this many records per wall-clock second (a backfill that must not swamp the sink), or undefined. */
  readonly rate: number | undefined;
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
    // Derived from the job, so two jobs reading the same topic never share offsets or partitions.
    group: o['group'] ?? (def.job !== undefined ? `sluice-${def.job}-${def.name}` : `sluice-${def.name}-${topic}`),
    startup,
    bounded,
    ...(def.table?.upsert ? { upsert: true } : {}),
    idleTimeoutMs: durationMs(o, 'idle_timeout'),
    // 256 KB, not kafkajs's usual 4+ MB: a smaller fetch's decoded messages die young (bench:kafka:
    // engine 2.64-2.98 s per 1M events at 1 MB, 3.13-3.33 s at 4 MB; at 256 KB, with the 16 MB
    // semi-spaces of bin/sluice.js, peak RSS ~280 MB instead of ~390 MB at 1 MB, and less CPU).
    maxBytesPerPartition: intOption(o, 'fetch_max_bytes', 256 << 10, 1),
    sessionTimeoutMs: durationMs(o, 'session_timeout') ?? 30_000,
    rate: o['rate'] === undefined ? undefined : intOption(o, 'rate', 1, 1),
  };
}

/** A partition's offsets now: its log start, its end (the next offset written), and where `startup` starts it. */
export interface PartitionStart {
  readonly partition: number;
  readonly low: bigint;
  readonly high: bigint;
  readonly from: bigint;
}

/**
 * Each partition of `topic` with where `startup` starts it: earliest at the log start, latest at
 * the end, group at the group's committed offset (the log start when it has none). Throws
 * ConnectorError when the topic does not exist.
 */
export async function partitionStarts(admin: KafkaAdmin, topic: string, group: string, startup: Startup): Promise<PartitionStart[]> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) throw new ConnectorError(`topic '${topic}' does not exist`, 'topic', 'create it first (sluice produce creates its topic), or check brokers');
  const bounds = await admin.topicOffsets(topic);
  // Only startup = 'group' starts at the group's offsets (a look-up at its coordinator).
  const committed = startup === 'group' ? await admin.groupOffsets(group, topic) : [];
  return bounds.map((b) => {
    const c = committed.find((p) => p.partition === b.partition);
    const from = startup === 'latest' ? b.high : startup === 'group' && c && c.offset >= 0n ? c.offset : b.low;
    return { partition: b.partition, low: b.low, high: b.high, from };
  });
}

/** Where each partition of a source starts and ends, looked up in one admin session. */
function lookUpStarts(kafka: KafkaClient, settings: KafkaSourceSettings): Promise<PartitionStart[]> {
  const { topic, group, startup } = settings;
  return withAdmin(kafka, `kafka source '${topic}': reading its offsets`, (admin) => partitionStarts(admin, topic, group, startup));
}

/** A fresh run's offset look-ups started before its job was built (kafkaSource.lookAhead), by source; open() takes them. */
const lookedAhead = new WeakMap<SourceDef, Promise<PartitionStart[]>>();

/** An offset per partition (partition -> offset). */
type Offsets = Map<number, bigint>;

/** A Kafka source's checkpointed position: the next offset per partition, and the bounded end offsets. */
export interface KafkaPosition {
  readonly topic: string;
  readonly next: Readonly<Record<string, string>>;
  readonly end?: Readonly<Record<string, string>>;
}

function toRecord(m: Offsets): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [p, o] of [...m].sort((a, b) => a[0] - b[0])) out[String(p)] = o.toString();
  return out;
}

function fromRecord(r: Readonly<Record<string, string>> | undefined): Offsets | undefined {
  if (r === undefined) return undefined;
  return new Map(Object.entries(r).map(([p, o]) => [Number(p), BigInt(o)]));
}

/** Reads a checkpointed Kafka position (undefined when it is not one). */
export function kafkaPosition(p: ResumePosition | null | undefined): KafkaPosition | undefined {
  if (!p || typeof p['topic'] !== 'string' || typeof p['next'] !== 'object' || p['next'] === null) return undefined;
  return p as unknown as KafkaPosition;
}

export class KafkaReader implements SourceReader {
  readonly bounded: boolean;
  private listener: PartitionListener | undefined;
  /** Wall-clock ms of the last record per assigned partition. */
  private readonly lastSeen = new Map<number, number>();
  private readonly idle = new Set<number>();
  /** The next offset per partition, covering exactly the batches handed to the engine. */
  private readonly next: Offsets = new Map();
  /** Each partition's high watermark (the offset after its last message) as of its last fetch. */
  private readonly high: Offsets = new Map();
  /** bounded: the end offsets of the first start. */
  private end: Offsets | undefined;
  private readonly resume: KafkaPosition | undefined;

  constructor(
    private readonly kafka: KafkaClient,
    readonly settings: KafkaSourceSettings,
    resume?: ResumePosition,
    /** The partitions' offsets, looked up already (kafkaSource.lookAhead). */
    private readonly ahead?: Promise<PartitionStart[]>,
  ) {
    this.bounded = settings.bounded;
    const r = kafkaPosition(resume);
    if (resume !== undefined && (r === undefined || r.topic !== settings.topic)) {
      throw new ConnectorError(`the checkpoint's position of source '${settings.topic}' is not a position in topic '${settings.topic}'`, 'topic', 'the topic changed since the checkpoint: run with --fresh');
    }
    this.resume = r;
    if (r) for (const [p, o] of fromRecord(r.next)!) this.next.set(p, o);
  }

  position(): ResumePosition {
    const pos: KafkaPosition = { topic: this.settings.topic, next: toRecord(this.next), ...(this.end ? { end: toRecord(this.end) } : {}) };
    return pos as unknown as ResumePosition;
  }

  decoder(columns: readonly Column[], eventTime: string | undefined): RecordDecoder {
    return compileKafkaDecoder(columns, eventTime, this.settings.upsert === true);
  }

  watchPartitions(listener: PartitionListener): void {
    this.listener = listener;
  }

  backlog(): ReadonlyMap<number, number> {
    const out = new Map<number, number>();
    for (const [p, h] of this.high) {
      const next = this.next.get(p);
      if (next !== undefined) out.set(p, Math.max(0, Number(h - next)));
    }
    return out;
  }

  /** prepareGroup started by prepare(), for run(). */
  private prepared: Promise<{ start: Offsets; end: Offsets }> | undefined;

  prepare(): Promise<void> {
    this.prepared ??= this.prepareGroup();
    // Awaited by run(); a job that fails before run() must not leave it unhandled.
    this.prepared.catch(() => {});
    return this.prepared.then(() => undefined);
  }

  /**
   * Where each partition starts (the checkpoint's next offset, else by `startup`) and its end
   * offset now (the next offset to be written), for `bounded`. The consumer seeks every assigned
   * partition to its start, so the group's committed offsets (which an exactly-once sink writes)
   * matter only for startup = 'group'. One admin session for all of it.
   */
  private async prepareGroup(): Promise<{ start: Offsets; end: Offsets }> {
    const parts = await (this.ahead ?? lookUpStarts(this.kafka, this.settings));
    const start: Offsets = new Map();
    const end: Offsets = new Map();
    for (const b of parts) {
      end.set(b.partition, b.high);
      const resumed = this.next.get(b.partition);
      // A resumed offset below the log start (retention deleted it) starts at the log start.
      start.set(b.partition, resumed !== undefined ? (resumed < b.low ? b.low : resumed) : b.from);
    }
    // WHY: position() then pins where a fresh run starts (its first checkpoint records it), so
    // a restart from that checkpoint goes on from there, also for startup = 'latest'.
    for (const [p, o] of start) if (!this.next.has(p)) this.next.set(p, o);
    return { start, end };
  }

  async run(emit: (records: SourceRecord[]) => void | Promise<void>, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const { topic, group, startup, bounded, idleTimeoutMs } = this.settings;
    // bounded: partitions still to read, and the offset each must reach.
    const prepared = await (this.prepared ?? this.prepareGroup());
    const start = prepared.start;
    // bounded: the end offsets of the job's first start, kept through restores until reached;
    // a restore that had reached them all (a finished job run again) reads to the end offsets now.
    const resumedEnd = fromRecord(this.resume?.end);
    const unfinished = resumedEnd !== undefined && [...resumedEnd].some(([p, e]) => (this.next.get(p) ?? 0n) < e);
    const end = (this.end = unfinished ? resumedEnd : prepared.end);
    for (const [p, o] of start) this.next.set(p, o);
    const pending = new Set<number>();
    if (bounded) for (const [p, e] of end) if ((this.next.get(p) ?? 0n) < e) pending.add(p);
    if (bounded && pending.size === 0) return;

    // WHY a group of its own per run: a single-process job owns every partition and keeps its
    // offsets in its checkpoints (an exactly-once sink commits them to `group` itself), so it
    // needs no share of `group`'s partitions; and a restart after kill -9 would otherwise wait
    // out the dead member's session timeout before getting any partition.
    startupMark('offsets looked up');
    const membership = `${group}.run-${randomUUID().slice(0, 8)}`;
    // A crashed consumer (the broker gone past the client's own retries) restarts within kafka_retry_for.
    const consumer = this.kafka.consumer({
      group: membership,
      topics: [topic],
      fromBeginning: startup !== 'latest',
      maxBytesPerPartition: this.settings.maxBytesPerPartition,
      maxWaitMs: 100,
      sessionTimeoutMs: this.settings.sessionTimeoutMs,
      restartAs: `kafka source '${topic}': consumer`,
    });
    // One emit at a time: batches and idle notifications are serialized. A batch's next offset
    // is recorded just before its emit, so position() covers exactly what the engine was given.
    let chain: Promise<void> = Promise.resolve();
    const serial = (records: SourceRecord[], p?: number, next?: bigint): Promise<void> =>
      (chain = chain.then(() => {
        if (p !== undefined && next !== undefined) this.next.set(p, next);
        return emit(records);
      }));
    // WHY batches are queued one ahead: kafkajs fetches a partition's next batch only once the
    // handler of the last one returns, so the engine sat idle for every fetch's round trip (a
    // fifth of the run with 256 KB fetches). Now the handler queues its batch on the chain and
    // waits only for the batch before it: the next fetch overlaps the engine's work on this one,
    // with at most two fetched batches held. A queued batch is turned into records when its turn
    // comes, and not handed over at all once the job stops (as kafkajs's handler would have
    // skipped it); `ahead` is each partition's position after everything queued, which
    // `this.next` reaches when the chain drains.
    const ahead = new Map<number, bigint>();
    const at = (p: number): bigint | undefined => ahead.get(p) ?? this.next.get(p);
    let handing: Promise<void> = Promise.resolve();
    let handFailed = false;
    const queue = (all: FetchedBatch['messages'], p: number, lo: number, hi: number, next: bigint): Promise<void> =>
      (chain = chain.then(async () => {
        if (signal.aborted || handFailed) return;
        // Handed over in slices: fewer rows alive at once, so the young generation's
        // collections copy less; each slice's next offset is exact.
        for (let i = lo; i < hi; i += EMIT_SLICE) {
          const stop = Math.min(hi, i + EMIT_SLICE);
          const records: SourceRecord[] = new Array<SourceRecord>(stop - i);
          for (let j = i; j < stop; j++) records[j - i] = new KafkaRecord(topic, p, all[j]!);
          this.next.set(p, stop === hi ? next : BigInt(all[stop - 1]!.offset) + 1n);
          await emit(records);
        }
      }));
    let finish!: () => void;
    let fail!: (e: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const onAbort = (): void => finish();
    signal.addEventListener('abort', onAbort, { once: true });
    // Stopped during the offset look-ups above: the listener came too late to hear it.
    if (signal.aborted) finish();
    let timer: NodeJS.Timeout | undefined;
    const pacer = this.settings.rate === undefined ? undefined : new Pacer(this.settings.rate);

    const assigned = (given: ReadonlyMap<string, readonly number[]>): void => {
      startupMark('group joined');
      const mine = (given.get(topic) ?? []).slice().sort((a, b) => a - b);
      const now = Date.now();
      this.lastSeen.clear();
      this.idle.clear();
      // WARNING: the job's state covers every partition of the topic, so every partition holds
      // the watermark back, also one not (yet) assigned to this consumer (else the watermark
      // would pass that partition's unread records and drop them as late).
      const all = [...new Set([...start.keys(), ...mine])].sort((a, b) => a - b);
      for (const p of all) this.lastSeen.set(p, now);
      for (const p of mine) {
        // Every assigned partition starts where the job stands (its checkpoint, or startup).
        const from = at(p);
        if (from !== undefined) consumer.seek(topic, p, from);
      }
      this.listener?.assigned(all);
    };
    // Fetched ranges of control records only (transaction markers of a transactional input)
    // never reach batch(): the position moves past them here, and a bounded read can end on them.
    const skipped = (_t: string, p: number, first: bigint, lastOffset: bigint): void => {
      // Only ranges starting where the job stands: moving past them skips nothing.
      const from = at(p);
      if (from === undefined || from < first) return;
      const last = lastOffset + 1n;
      const limit = bounded ? end.get(p) : undefined;
      const next = limit !== undefined && last > limit ? limit : last;
      if (next > from) ahead.set(p, next);
      void (chain = chain.then(() => {
        if ((this.next.get(p) ?? -1n) < next) this.next.set(p, next);
      }));
      if (limit !== undefined && next >= limit && pending.delete(p)) {
        consumer.pause(topic, [p]);
        if (pending.size === 0) finish();
      }
    };
    const batch = async (b: FetchedBatch): Promise<void> => {
      startupMark('first fetch');
      if (b.stale() || signal.aborted) return;
      const p = b.partition;
      this.high.set(p, b.highWatermark);
      const limit = bounded ? end.get(p) : undefined;
      if (bounded && !pending.has(p)) return;
      const from = at(p);
      const after = b.lastOffset + 1n;
      const next = limit !== undefined && after > limit ? limit : after;
      const reachedEnd = limit !== undefined && after >= limit;
      // The messages at or past the job's position (a fetch from before a seek took effect
      // starts below it) and below the bounded end. Offsets increase within a batch, so its
      // first and last message decide whether per-message offsets need parsing at all.
      const all = b.messages;
      let lo = 0;
      let hi = all.length;
      if (hi > 0 && from !== undefined && BigInt(all[0]!.offset) < from) while (lo < hi && BigInt(all[lo]!.offset) < from) lo++;
      if (hi > lo && limit !== undefined && BigInt(all[hi - 1]!.offset) >= limit) while (hi > lo && BigInt(all[hi - 1]!.offset) >= limit) hi--;
      if (hi > lo) {
        this.lastSeen.set(p, Date.now());
        if (this.idle.delete(p)) this.listener?.idle(p, false);
        if (!pacer) {
          ahead.set(p, next);
          const previous = handing;
          handing = queue(all, p, lo, hi, next).catch((e: unknown) => {
            // The engine failing on a batch (a sink that failed, say) ends the source with that error.
            handFailed = true;
            fail(e);
          });
          await previous;
          if (handFailed) return;
        } else {
          // Paced: one slice at a time, each after its share of the rate.
          try {
            for (let i = lo; i < hi; i += EMIT_SLICE) {
              const stop = Math.min(hi, i + EMIT_SLICE);
              const records: SourceRecord[] = new Array<SourceRecord>(stop - i);
              for (let j = i; j < stop; j++) records[j - i] = new KafkaRecord(topic, p, all[j]!);
              await pacer.take(records.length, signal);
              await serial(records, p, stop === hi ? next : BigInt(all[stop - 1]!.offset) + 1n);
            }
          } catch (e) {
            // Thrown to the consumer, the engine's failure would retry the batch instead.
            fail(e);
            return;
          }
        }
      } else if (from === undefined || next > from) {
        // Control records only (transaction markers): the position still moves past them.
        ahead.set(p, next);
        await (chain = chain.then(() => void this.next.set(p, next)));
      }
      await b.heartbeat();
      if (reachedEnd && pending.delete(p)) {
        consumer.pause(topic, [p]);
        if (pending.size === 0) finish();
      }
    };

    try {
      await consumer.start({ assigned, batch, skipped, failed: (e) => fail(e) });
      if (idleTimeoutMs !== undefined) timer = this.startIdleTimer(idleTimeoutMs, serial);
      await done;
      await chain;
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (timer) clearInterval(timer);
      await consumer.close().catch(() => {});
      // Not awaited: the group goes while the job takes its final checkpoint (it holds no offsets).
      void this.dropGroup(membership);
    }
  }

  /** Deletes the run's membership group (it holds no offsets); best effort, the broker expires it anyway. */
  private async dropGroup(id: string): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([id]);
    } catch {
      // Left for the broker to expire.
    } finally {
      await admin.disconnect().catch(() => {});
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
  options: ['connector', 'topic', 'format', 'startup', 'group', 'bounded', 'idle_timeout', 'fetch_max_bytes', 'session_timeout', 'rate', 'dead_letter', 'late', ...CLIENT_OPTIONS],
  identity: ['connector', 'topic', 'format', 'group', 'dead_letter', 'late'],
  /** dead_letter / late name topics: the original message with why and where in headers. */
  sideOutput: (def: SourceDef, topic: string) => openKafkaSideOutput(def, topic),
  lookAhead(def: SourceDef): void {
    if (lookedAhead.has(def)) return;
    const looking = lookUpStarts(kafkaClient(def.options, `sluice-${def.name}`), kafkaSourceSettings(def));
    // Taken by open(); a run refused before it opens its readers must not leave it unhandled.
    looking.catch(() => {});
    lookedAhead.set(def, looking);
  },
  open(def: SourceDef, resume?: ResumePosition): SourceReader {
    const settings = kafkaSourceSettings(def);
    const ahead = resume === undefined ? lookedAhead.get(def) : undefined;
    lookedAhead.delete(def);
    return new KafkaReader(kafkaClient(def.options, `sluice-${def.name}`), settings, resume, ahead);
  },
};
