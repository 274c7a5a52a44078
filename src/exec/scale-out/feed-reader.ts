// The source reader of a partition task: records of one partition of one Kafka topic, pushed in
// by the process's consumer (runner.ts) instead of pulled. Keeps the checkpointed position
// (the same shape as the kafka source's, so a task snapshot reads like a job checkpoint), skips
// what lies below it (fetched before a seek took effect), cuts a bounded read at its end offset
// and ends there. With idle_timeout, a partition without records for that long is idle and
// the task's watermark follows the wall clock (exec/time.ts PartitionWatermarks).
// A stage-2 task of a repartitioned job reads the repartition topic: its messages carry rows
// and the watermark marks of the `upstream` stage-1 partitions (repartition.ts), which become
// mark records; it ends once every stage-1 partition has marked its end.

import type { Column } from '../../catalog/catalog.js';
import type { PartitionListener, RecordDecoder, ResumePosition, SourceReader, SourceRecord } from '../../connectors/connector.js';
import type { FetchedMessage } from '../../connectors/kafka/port.js';
import { compileKafkaDecoder, kafkaPosition, type KafkaPosition, KafkaRecord } from '../../connectors/kafka/engine.js';
import { Pacer } from '../../connectors/pace.js';
import { END_OF_TIME } from '../operator.js';
import { MARK_HEADER, ROW_HEADER } from './repartition.js';

export class FeedReader implements SourceReader {
  readonly bounded: boolean;
  /** The next offset to hand to the engine. */
  next: bigint;
  /** bounded: where the read ends (the end offset of the task's first start). */
  readonly end: bigint | undefined;
  private emit: ((records: SourceRecord[]) => void | Promise<void>) | undefined;
  private started!: () => void;
  /** Resolves once the runner has called run(), i.e. the task can take records. */
  readonly ready: Promise<void>;
  private finish: (() => void) | undefined;
  private fail: ((e: unknown) => void) | undefined;
  private listener: PartitionListener | undefined;
  private lastSeen = Date.now();
  private idle = false;
  private timer: NodeJS.Timeout | undefined;
  /** `rate`, per task: each partition's task reads at most that many records per second. */
  private readonly pacer: Pacer | undefined;
  private signal: AbortSignal | undefined;
  private readonly upstreamEnded = new Set<number>();
  /** Stage 2: per stage-1 partition, the highest row number taken (rows at or below it were seen). */
  private readonly upstreamRows = new Map<number, number>();
  /** Batches and idle ticks reach the engine one at a time. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly topic: string,
    readonly partition: number,
    start: { next: bigint; end: bigint | undefined },
    private readonly idleTimeoutMs: number | undefined,
    rate: number | undefined,
    /** Stage 2: how many stage-1 partitions send marks. */
    private readonly upstream?: number,
    /** Stage 2: the stage-1 partitions that already marked their end (from the task's snapshot). */
    ended: readonly number[] = [],
    rows: ReadonlyArray<readonly [number, number]> = [],
  ) {
    for (const q of ended) this.upstreamEnded.add(q);
    for (const [q, n] of rows) this.upstreamRows.set(q, n);
    this.pacer = rate === undefined ? undefined : new Pacer(rate);
    this.next = start.next;
    this.end = start.end;
    this.bounded = start.end !== undefined;
    this.ready = new Promise((r) => (this.started = r));
  }

  /** Where a task resumes: its snapshot's position, else `fallback`. */
  static startOf(
    resume: ResumePosition | undefined,
    topic: string,
    partition: number,
    fallback: { next: bigint; end: bigint | undefined },
  ): { next: bigint; end: bigint | undefined; ended: number[]; rows: Array<[number, number]> } {
    const pos: KafkaPosition | undefined = kafkaPosition(resume);
    if (pos === undefined || pos.topic !== topic) return { ...fallback, ended: [], rows: [] };
    const next = pos.next[String(partition)];
    const end = pos.end?.[String(partition)];
    const { upstreamEnded = [], upstreamRows = [] } = resume as { upstreamEnded?: number[]; upstreamRows?: Array<[number, number]> };
    return { next: next !== undefined ? BigInt(next) : fallback.next, end: end !== undefined ? BigInt(end) : fallback.end, ended: upstreamEnded, rows: upstreamRows };
  }

  get done(): boolean {
    if (this.upstream !== undefined) return this.upstreamEnded.size >= this.upstream;
    return this.end !== undefined && this.next >= this.end;
  }

  position(): ResumePosition {
    const p = String(this.partition);
    const pos: KafkaPosition = { topic: this.topic, next: { [p]: this.next.toString() }, ...(this.end !== undefined ? { end: { [p]: this.end.toString() } } : {}) };
    return { ...pos, ...(this.upstream !== undefined ? { upstreamEnded: [...this.upstreamEnded], upstreamRows: [...this.upstreamRows] } : {}) } as unknown as ResumePosition;
  }

  decoder(columns: readonly Column[], eventTime: string | undefined): RecordDecoder {
    return compileKafkaDecoder(columns, eventTime);
  }

  watchPartitions(listener: PartitionListener): void {
    this.listener = listener;
  }

  run(emit: (records: SourceRecord[]) => void | Promise<void>, signal: AbortSignal): Promise<void> {
    this.emit = emit;
    this.signal = signal;
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => this.finish?.();
      const stop = (): void => {
        if (this.timer) clearInterval(this.timer);
        signal.removeEventListener('abort', onAbort);
      };
      this.finish = () => {
        stop();
        resolve();
      };
      // The engine failing on a batch fails the task's job (deliver's caller only learns it was not taken).
      this.fail = (e: unknown) => {
        stop();
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.listener?.assigned(this.upstream !== undefined ? Array.from({ length: this.upstream }, (_, q) => q) : [this.partition]);
      if (this.idleTimeoutMs !== undefined) this.timer = this.idleTimer(this.idleTimeoutMs);
      this.started();
      // A task stopped while its job restored (before run) ends here: the listener came too late.
      if (this.done || signal.aborted) this.finish();
    });
  }

  /**
   * Hands one fetched batch to the task; resolves when the engine has taken it. `firstOffset`
   * (a batch of transaction markers only): moved past only when it starts where the task stands. Batches go one
   * at a time, each judged against the position the previous one left: after a rebalance Kafka
   * may fetch a partition again while a batch of it is still being handled.
   */
  deliver(messages: readonly FetchedMessage[], lastOffset: bigint, firstOffset?: bigint): Promise<void> {
    const step = this.chain.then(() => (firstOffset !== undefined && firstOffset > this.next ? undefined : this.take(messages, lastOffset)));
    this.chain = step.catch(() => {});
    return step;
  }

  private async take(messages: readonly FetchedMessage[], lastOffset: bigint): Promise<void> {
    await this.ready;
    if (this.emit === undefined || this.done || this.signal?.aborted) return;
    const records: SourceRecord[] = [];
    const ends: number[] = [];
    // Stage 2: row numbers taken in this batch, applied with the position.
    const seen = this.upstream === undefined ? undefined : new Map(this.upstreamRows);
    let next = lastOffset + 1n;
    for (const m of messages) {
      const offset = BigInt(m.offset);
      if (offset < this.next) continue;
      if (this.end !== undefined && offset >= this.end) break;
      const mark = this.upstream !== undefined ? m.headers?.[MARK_HEADER] : undefined;
      if (mark !== undefined) {
        const [q, w] = mark.toString().split(':').map(Number) as [number, number];
        if (w >= END_OF_TIME) ends.push(q);
        records.push({ value: '', position: { topic: this.topic, partition: this.partition, offset: Number(m.offset) }, partition: q, watermark: w });
        continue;
      }
      const tag = seen !== undefined ? m.headers?.[ROW_HEADER] : undefined;
      if (tag !== undefined) {
        const [q, n] = tag.toString().split(':').map(Number) as [number, number];
        // Sent again by a stage-1 task that took over, or by its previous owner: seen already.
        if (n <= (seen!.get(q) ?? -1)) continue;
        seen!.set(q, n);
      }
      records.push(new KafkaRecord(this.topic, this.partition, m));
    }
    if (this.end !== undefined && next > this.end) next = this.end;
    if (next <= this.next) return;
    if (records.length > 0 && this.pacer && this.signal) await this.pacer.take(records.length, this.signal);
    // Stopped while pacing: the job's last checkpoint must not cover records it never saw.
    if (this.signal?.aborted) return;
    // The position covers the batch as the engine gets it (its rows enter the operators
    // synchronously, before any checkpoint can be taken), as the kafka source's does.
    this.next = next;
    for (const q of ends) this.upstreamEnded.add(q);
    if (seen !== undefined) for (const [q, n] of seen) this.upstreamRows.set(q, n);
    if (records.length > 0) {
      this.lastSeen = Date.now();
      if (this.idle) {
        this.idle = false;
        this.listener?.idle(this.partition, false);
      }
      try {
        await this.emit(records);
      } catch (e) {
        this.fail?.(e);
        throw e;
      }
    }
    if (this.done) this.finish?.();
  }

  private idleTimer(timeoutMs: number): NodeJS.Timeout {
    return setInterval(
      () => {
        if (this.emit === undefined) return;
        if (!this.idle && Date.now() - this.lastSeen >= timeoutMs) {
          this.idle = true;
          this.listener?.idle(this.partition, true);
        }
        // While idle, an empty emit lets the watermark follow the clock.
        const emit = this.emit;
        if (this.idle) this.chain = this.chain.then(() => emit([])).catch((e: unknown) => this.fail?.(e));
      },
      Math.max(20, Math.min(1000, timeoutMs / 4)),
    );
  }
}
