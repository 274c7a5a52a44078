// The one interface every connector implements (file, datagen, stdout, Kafka).
// A source reader yields raw records with their positions; decoding to typed rows, watermarks,
// dead letters and late output are the engine's job (exec/source-runtime.ts), the same for all.

import type { Column, SinkDef, SourceDef } from '../catalog/catalog.js';
import type { Batch } from '../catalog/batch.js';
import type { Row } from '../catalog/types.js';

export type RecordPosition = Readonly<Record<string, string | number>>;

/**
 * Where a source resumes after a restore (file: byte offset and line of the next record;
 * datagen: the next index; Kafka: offsets). JSON; stored in checkpoints.
 */
export type ResumePosition = Readonly<Record<string, unknown>>;

/** Where a sink's output stood at a checkpoint (file: its length in bytes). JSON. */
export type SinkPosition = Readonly<Record<string, unknown>>;

export interface SourceRecord {
  /** Raw text (a file line, a Kafka value) or an already structured object (datagen). */
  readonly value: string | Readonly<Record<string, unknown>>;
  readonly position: RecordPosition;
  /** Partitioned sources (Kafka): the record's partition, for per-partition watermarks. */
  readonly partition?: number;
  /**
   * Not a row but the watermark of upstream partition `partition`, read from an internal
   * repartition topic (exec/scale-out/repartition.ts); only for sources whose watermark is
   * `fromMarkers`.
   */
  readonly watermark?: number;
  /** A Kafka message without a value: a table (CREATE TABLE) source reads it as the deletion of its key. */
  readonly tombstone?: boolean;
}

/** What a partitioned reader tells the engine besides its records (see exec/time.ts PartitionWatermarks). */
export interface PartitionListener {
  /** The partitions whose watermarks count (Kafka: every partition of the topic), at start and after a rebalance. */
  assigned(partitions: readonly number[]): void;
  /** A partition went quiet for the idle timeout (or sent again); an `emit([])` follows. */
  idle(partition: number, idle: boolean): void;
}

export interface SourceReader {
  /** True when the input has an end (a file without follow, datagen with count). */
  readonly bounded: boolean;
  /**
   * Read until the end of a bounded input or until `signal` aborts. `emit` is awaited after each
   * batch, which is how the engine applies backpressure. Resolves when reading has stopped.
   */
  run(emit: (records: SourceRecord[]) => void | Promise<void>, signal: AbortSignal): Promise<void>;
  /**
   * Readers whose string records are not JSON (a CSV file) supply their decoder; absent means
   * JSON (format/decode.ts compileDecoder). `compileSourceDecoder` picks the right one.
   */
  decoder?(columns: readonly Column[], eventTime: string | undefined): RecordDecoder;
  /**
   * Partitioned readers: the engine keeps a watermark per partition when a reader has this. The
   * reader calls `emit([])` after an idle change, and while every partition is idle, so that
   * the engine can move the watermark without records.
   */
  watchPartitions?(listener: PartitionListener): void;
  /** Partitioned readers: records not yet read per partition (Kafka: consumer lag), as of each partition's last fetch. */
  backlog?(): ReadonlyMap<number, number>;
  /**
   * Checkpoints: the position just after the last batch handed to `emit` (set before emit is
   * called, so it covers exactly what the engine has pushed). Undefined: cannot resume.
   */
  position?(): ResumePosition | undefined;
  /**
   * Start the work that reads nothing (Kafka: looking up offsets), while the engine restores
   * state; run() then uses it. Resolves once position() tells where run() starts (a fresh run's
   * first checkpoint records that, so a restart goes on from there). Start-up only.
   */
  prepare?(): Promise<void> | void;
}

/** Why a record could not be decoded; a class so the hot path tells it from a row without allocating a wrapper. */
export class DecodeError {
  constructor(readonly error: string) {}
}

/**
 * The one rule for blank records: a record whose text is empty or only whitespace (a blank line
 * of a file, `\r` alone included, or a blank Kafka value) is not a record. Decoders return this
 * instead of an error; the engine skips it and counts it (the summary's "blank"). A record with
 * no value at all (a Kafka tombstone) is not blank but a dead letter.
 */
export const BLANK = new DecodeError('blank (whitespace only)');

/** True for empty or whitespace-only text. */
export function isBlank(text: string): boolean {
  return text.length === 0 || text.trim().length === 0;
}

/** A decoded record: a row in the source's column order, or why it was rejected (a dead letter). */
export type DecodeResult = Row | DecodeError;

/** `record` is the whole record, for decoders that read more than the value (Kafka keys, metadata). */
export type RecordDecoder = ((value: SourceRecord['value'], record?: SourceRecord) => DecodeResult) & {
  /**
   * Decoders that read the record itself (Kafka: the value's bytes) have this: the engine calls
   * it with the record instead of the decoder with the record's `value`, so that a value's text
   * is made only when something asks for it (a dead letter, a record the bytes path gives up on).
   */
  readonly fromRecord?: (record: SourceRecord) => DecodeResult;
};

export interface SourceConnector {
  readonly name: string;
  /** The option names it accepts (others are rejected with a hint). */
  readonly options: readonly string[];
  /**
   * The options a checkpoint depends on: what the connector reads or writes, where a checkpointed
   * position points. Changing one makes `sluice run` refuse the job's checkpoint
   * (state/fingerprint.ts); the others (output format, batching, rates, connection and
   * credentials) may change between runs. Absent: every option counts.
   */
  readonly identity?: readonly string[];
  /** Columns and event time when CREATE SOURCE lists none (datagen generators). */
  defaultSchema?(options: Readonly<Record<string, string>>): { columns: Column[]; eventTime?: string } | undefined;
  /**
   * The source's own `dead_letter` / `late` output when its target is not a file (Kafka: a
   * topic); absent: a JSON-lines file at that path.
   */
  sideOutput?(def: SourceDef, target: string): SideOutput;
  /**
   * Starts the look-ups that a fresh reader's prepare() makes (Kafka: its partitions' offsets)
   * before the job is built; the next open(def) without a position uses them. Reads nothing.
   */
  lookAhead?(def: SourceDef): void;
  /** Throws ConnectorError on a bad option value. `resume`: a checkpointed position() to start from. */
  open(def: SourceDef, resume?: ResumePosition): SourceReader;
}

export interface SinkWriter {
  /** Queue a batch; rows follow the sink's schema (hidden columns already removed). */
  write(batch: Batch): void;
  /** Resolves when queued output is durable enough to go on (written to the OS). */
  flush(): Promise<void>;
  /**
   * Files: flushes and makes the output durable (fsync). Called at each checkpoint before it is
   * written, so a checkpoint never records a length the disk may not hold.
   */
  sync?(): Promise<void>;
  /**
   * Called after each source batch instead of flush() when present: starts sending what is
   * queued and resolves once the backlog is small enough to take more (backpressure), without
   * waiting for all of it. Checkpoints and the end of the job still flush().
   */
  relieve?(): Promise<void>;
  close(): Promise<void>;
  /**
   * Checkpoints: where the output stands counting every batch written so far (on the OS after
   * the next flush). Undefined or absent: the sink cannot roll back (stdout).
   */
  position?(): SinkPosition | undefined;
  /**
   * Transactional sinks (exactly-once Kafka), called at the checkpoint barrier synchronously,
   * in place of position(): seals the output written since the previous checkpoint (no later
   * write joins it) and returns it as the payload stored with checkpoint `id`. After it,
   * flush() waits only for the sealed output to be sent, not committed.
   */
  prepareCheckpoint?(id: number): SinkPosition;
  /**
   * Checkpoint `id` (with prepareCheckpoint's payload) is durable: commit the sealed output
   * together with the sources' positions at the barrier (one transaction). Resolves once committed.
   */
  commitCheckpoint?(id: number, sources: readonly CheckpointSource[]): Promise<void>;
  /**
   * On restore, before any source reads: the sealed output of the restored checkpoint (the
   * payload `open` received as `resume`) may never have been committed; commit it now if not.
   */
  recover?(sources: readonly CheckpointSource[]): Promise<void>;
  /**
   * True when the sink holds so much output awaiting a checkpoint that it wants one before the
   * interval is up (the exactly-once Kafka sink keeps its open transaction's output until the
   * commit): memory stays bounded by bytes, not by the interval times the output rate.
   */
  checkpointWanted?(): boolean;
}

/** A source feeding a sink, and its position at a checkpoint (null: it keeps none). */
export interface CheckpointSource {
  readonly def: SourceDef;
  readonly position: ResumePosition | null;
}

/** What the runner tells a sink connector about the job it is part of. */
export interface SinkContext {
  /** The job's name (the .sql file's), for ids that must stay the same across restarts. */
  readonly job: string;
  /** The sources upstream of the sink. */
  readonly sources: readonly SourceDef[];
  /** Whether the job takes checkpoints (exactly-once output commits at them). */
  readonly checkpoints: boolean;
  /**
   * The key of the sink's changelog derived from the plan (plan/stream-key.ts), among its
   * columns: an upsert sink's default message key when the query itself selects no GROUP BY
   * column (a query over a view that aggregates).
   */
  readonly upsertKey?: readonly number[];
  /**
   * The job's sinks declared before this one, each with its upstream sources: what a sink shares
   * with them (the Kafka sink: where it commits its sources' offsets and markers) is decided by
   * declaration order. Absent: none.
   */
  readonly earlier?: ReadonlyArray<{ readonly def: SinkDef; readonly sources: readonly SourceDef[] }>;
}

export interface SinkConnector {
  readonly name: string;
  readonly options: readonly string[];
  /**
   * The options a checkpoint depends on: what the connector reads or writes, where a checkpointed
   * position points. Changing one makes `sluice run` refuse the job's checkpoint
   * (state/fingerprint.ts); the others (output format, batching, rates, connection and
   * credentials) may change between runs. Absent: every option counts.
   */
  readonly identity?: readonly string[];
  /**
   * `changelog` is true when the stream carries retractions: rows then get an `op` field.
   * `resume`: a checkpointed position(); output written after it is rolled back (exactly-once).
   */
  open(def: SinkDef, columns: readonly Column[], changelog: boolean, resume?: SinkPosition, context?: SinkContext): SinkWriter;
  /** The delivery guarantee the sink gives in this job, for EXPLAIN and the start-up line. */
  guarantee(def: SinkDef, context: SinkContext): Guarantee;
  /**
   * True when the side outputs (`dead_letter`, `late`) of `source`, a source upstream of the
   * sink, can be written in the sink's transaction (an exactly-once Kafka sink on the brokers of
   * a Kafka source): they then commit with its output (plan/guarantees.ts picks the sink).
   */
  carriesSideOutputs?(def: SinkDef, context: SinkContext, source: SourceDef): boolean;
  /**
   * Transactional sinks: what is recorded outside the job's state directory about the output
   * this sink committed (Kafka: the markers committed with the sources' offsets to their
   * consumer groups), and which commit `resume` (a checkpoint's stored position, if any) stands
   * for. `sluice run` refuses a checkpoint older than a recorded commit, or none while one is
   * recorded (cli/restore.ts). Undefined: the sink commits nothing outside in this job.
   * `resume` is a promise: the commits are read while the state directory is still opening.
   */
  commits?(def: SinkDef, context: SinkContext, resume: Promise<SinkPosition | undefined>): Promise<SinkCommits | undefined>;
}

/** A transactional sink's commit: the run (a fresh start's random epoch) and checkpoint it belongs to. */
export interface CommitMark {
  readonly run: string;
  readonly checkpoint: number;
  /** Where it is recorded, for messages (Kafka: group, topic and partition). */
  readonly where: string;
}

export interface SinkCommits {
  /** Every distinct commit recorded outside (one per run and checkpoint). */
  readonly recorded: readonly CommitMark[];
  /** The commit the checkpoint to resume from stands for; undefined: no checkpoint (or none for this sink). */
  readonly checkpoint: Omit<CommitMark, 'where'> | undefined;
}

/**
 * What a crash and restart (`sluice run` resuming from its last checkpoint) can do to an
 * output's records: `exactly_once` (none lost or doubled), `at_least_once` (none lost, some
 * written again), `none` (no promise: stdout). `how` says by what means, shown in brackets.
 */
export interface Guarantee {
  readonly level: 'exactly_once' | 'at_least_once' | 'none';
  readonly how?: string;
}

/** `exactly once (Kafka transaction)`, as EXPLAIN and the start-up line print it. */
export function guaranteeText(g: Guarantee): string {
  return `${g.level.replace(/_/g, ' ')}${g.how ? ` (${g.how})` : ''}`;
}

/** A bad connector option: reported as a diagnostic at the option's span by the planner. */
export class ConnectorError extends Error {
  readonly option: string | undefined;
  readonly hint: string | undefined;
  constructor(message: string, option?: string, hint?: string) {
    super(message);
    this.name = 'ConnectorError';
    this.option = option;
    this.hint = hint;
  }

  /** The message naming its option once (most messages already quote it), then the hint. */
  render(prefix: string): string {
    const named = this.option === undefined || this.message.includes(`'${this.option}'`);
    return `${prefix}${this.message}${named ? '' : ` (option '${this.option}')`}${this.hint ? `\n  = hint: ${this.hint}` : ''}`;
  }
}

/** A writer of JSON lines for the dead-letter and late outputs of a source. */
export interface SideOutput {
  /** `origin`: the record it is about, when known (a Kafka side output copies its key and headers). */
  write(record: Readonly<Record<string, unknown>>, origin?: SourceRecord): void;
  flush(): Promise<void>;
  /** Files: flush and fsync, at each checkpoint before it is written (see SinkWriter.sync). */
  sync?(): Promise<void>;
  /**
   * Called after each source batch when present, as SinkWriter.relieve: resolves once what is
   * queued is small enough to take more (backpressure on the sources), without waiting for all of it.
   */
  relieve?(): Promise<void>;
  close(): Promise<void>;
  /** Bytes of the file counting everything written so far (for checkpoints). */
  position?(): number;
  /**
   * From now on write inside `writer`'s transaction, when the writer has one this output can
   * join (an exactly-once Kafka sink for a Kafka side output); false (nothing changed) otherwise.
   */
  join?(writer: SinkWriter): boolean;
}
