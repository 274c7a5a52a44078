// The one interface every connector implements (file, datagen, stdout now; Kafka next).
// A source reader yields raw records with their positions; decoding to typed rows, watermarks,
// dead letters and late output are the engine's job (exec/source-runtime.ts), the same for all.

import type { Column, SinkDef, SourceDef } from '../catalog/catalog.js';
import type { Batch } from '../exec/operator.js';
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
}

/** A decoded record: a row in the source's column order, or why it was rejected (a dead letter). */
/** Why a record could not be decoded; a class so the hot path tells it from a row without allocating a wrapper. */
export class DecodeError {
  constructor(readonly error: string) {}
}

/** A decoded row, or why the record is bad. */
export type DecodeResult = Row | DecodeError;
/** `record` is the whole record, for decoders that read more than the value (Kafka keys, metadata). */
export type RecordDecoder = (value: SourceRecord['value'], record?: SourceRecord) => DecodeResult;

export interface SourceConnector {
  readonly name: string;
  /** The option names it accepts (others are rejected with a hint). */
  readonly options: readonly string[];
  /** Columns and event time when CREATE SOURCE lists none (datagen generators). */
  defaultSchema?(options: Readonly<Record<string, string>>): { columns: Column[]; eventTime?: string } | undefined;
  /**
   * The source's own `dead_letter` / `late` output when its target is not a file (Kafka: a
   * topic); absent: a JSON-lines file at that path.
   */
  sideOutput?(def: SourceDef, target: string): SideOutput;
  /** Throws ConnectorError on a bad option value. `resume`: a checkpointed position() to start from. */
  open(def: SourceDef, resume?: ResumePosition): SourceReader;
}

export interface SinkWriter {
  /** Queue a batch; rows follow the sink's schema (hidden columns already removed). */
  write(batch: Batch): void;
  /** Resolves when queued output is durable enough to go on (written to the OS). */
  flush(): Promise<void>;
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
}

export interface SinkConnector {
  readonly name: string;
  readonly options: readonly string[];
  /** `changelog` is true when the stream carries retractions: rows then get an `op` field. */
  /** `resume`: a checkpointed position(); output written after it is rolled back (exactly-once). */
  open(def: SinkDef, columns: readonly Column[], changelog: boolean, resume?: SinkPosition, context?: SinkContext): SinkWriter;
  /** The delivery guarantee the sink gives in this job, for EXPLAIN and the start-up line. */
  guarantee?(def: SinkDef, context: SinkContext): string;
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
}

/** A writer of JSON lines for the dead-letter and late outputs of a source. */
export interface SideOutput {
  /** `origin`: the record it is about, when known (a Kafka side output copies its key and headers). */
  write(record: Readonly<Record<string, unknown>>, origin?: SourceRecord): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Bytes of the file counting everything written so far (for checkpoints). */
  position?(): number;
}
