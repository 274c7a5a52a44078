// The operator interface and the messages that flow between operators. Operators receive
// batches of rows, watermarks, checkpoint barriers and end-of-input; every method but onData
// has a default in the runner (forward watermarks, barriers and end downstream).

import type { Batch } from '../catalog/batch.js';
import type { SourceRecord } from '../connectors/connector.js';
import type { ColumnarLayout, ColumnarTimeKeyedTable } from '../state/columnar.js';
import type { KeyedTable, TimeKeyedTable } from '../state/tables.js';

// The changelog data model lives in catalog/batch.ts (connectors use it too); operators import it from here.
export { Op, OP_LABEL, isRetraction, type Batch } from '../catalog/batch.js';

export type Message =
  | { readonly kind: 'data'; readonly batch: Batch }
  | { readonly kind: 'watermark'; readonly micros: number }
  | { readonly kind: 'barrier'; readonly checkpointId: number }
  | { readonly kind: 'end' };

/** Where a record came from, carried in the hidden `$ref` column when provenance is on. */
export interface RecordRef {
  readonly source: string;
  /** Per-source sequence number of admitted records, from 0: the oracle's row id. */
  readonly seq: number;
  /** Connector-specific: { file, line, offset } | { index } | { partition, offset }. */
  readonly position: Readonly<Record<string, string | number>>;
  /** The original record text, when the connector has one. */
  readonly raw: string | undefined;
  /** Partitioned (Kafka) records: the record itself, whose late output copies its key and headers; never checkpointed. */
  readonly origin?: SourceRecord;
}

export interface LateEvent {
  /** Node id of the operator that dropped it. */
  readonly operator: number;
  /** Provenance of the dropped row, when tracked. */
  readonly ref: RecordRef | undefined;
  readonly eventTime: number;
  readonly watermark: number;
  /** HOP: the start of the closed window the row was kept out of; undefined when it entered no window at all. */
  readonly windowStart: number | undefined;
  /** e.g. "window [10:00:00, 10:00:10) closed at watermark 10:00:11". */
  readonly reason: string;
}

export interface TimeSpill<V> {
  merge(a: V, b: V): V;
  /** Emits closed entries, as onWatermark does with what drainThrough returns. */
  close(entries: ReadonlyArray<{ time: number; key: string; value: V }>): void;
  /** The last time a watermark closes, when not the watermark itself (LAG releases times before it). */
  closesThrough?(micros: number): number;
}

export interface KeyedSpill {
  /** The keys onData(batch, input) will read or write. */
  keysOf(batch: Batch, input: number): Iterable<string>;
  /** The keys onWatermark(micros) will read or write. */
  keysAt?(micros: number): Iterable<string>;
  /** The keys the operator's TimeSpill.close(entries) will read or write (entries spilled from its time-keyed table). */
  keysClosing?(entries: ReadonlyArray<{ time: number; key: string }>): Iterable<string>;
}

export interface OperatorContext {
  /** Send a batch downstream (synchronously). */
  emit(batch: Batch): void;
  /** Report a row kept out of a closed window or released buffer; counted and routed to the source's late output. */
  late(event: LateEvent): void;
  /**
   * `spill`: under a memory budget the table may move cold keys, whole, to DuckDB; the runner
   * brings back the keys an input batch or a watermark will touch before the operator sees it,
   * so the operator must not hold a value across calls.
   */
  keyedTable<V>(name: string, spill?: KeyedSpill): KeyedTable<V>;
  /**
   * `spill`: values are mergeable partials (EMIT FINAL windows, LAG's waiting rows, session
   * timers), so under a memory budget the table may move partials to DuckDB; a (time, key)
   * touched again starts a new partial, and spilled partials come back merged in no set order,
   * so `merge` must not depend on it. A time with spilled partials is then closed by the runner
   * before onWatermark: it streams the merged (time, key) values to `close` in chunks, ascending
   * in time, and onWatermark's drainThrough no longer holds them.
   */
  timeKeyedTable<V>(name: string, spill?: TimeSpill<V>): TimeKeyedTable<V>;
  /**
   * A time-keyed table of fixed-width values (state/columnar.ts), spilled as timeKeyedTable's
   * with `spill`: the operator updates slots in place and never holds one across calls.
   */
  columnarTable<V>(name: string, layout: ColumnarLayout<V>, spill: TimeSpill<V>): ColumnarTimeKeyedTable<V>;
  /** Current combined input watermark (min over inputs), -Infinity before the first. */
  readonly watermark: number;
  /** One input's own watermark (before an interval join's shift), -Infinity before its first. */
  inputWatermark?(input: number): number;
  /**
   * A batch with per-row marks (Batch.marks): moves one input's watermark as a watermark message
   * would, and returns the new combined watermark when it moved (the operator then does at once
   * what onWatermark would; the runner passes the last one on after the batch).
   */
  advanceInput?(input: number, micros: number): number | undefined;
}

export interface Operator {
  /** Called once before any data. */
  open?(ctx: OperatorContext): void;
  onData(batch: Batch, input: number): void;
  /**
   * The combined input watermark advanced to `micros`. Emit what it completes; the runner
   * forwards the watermark downstream after this returns.
   */
  onWatermark?(micros: number): void;
  /**
   * The job resumed from a checkpoint: state tables and input watermarks are back (ctx.watermark
   * is the one the operator had seen when the checkpoint was taken), no data yet. Rebuild here
   * what derives from them.
   */
  onRestore?(): void;
  /** A checkpoint barrier passed (all inputs aligned). */
  onBarrier?(checkpointId: number): void;
  /** All inputs ended. The runner first delivers onWatermark(+Infinity). */
  onEnd?(): void;
}

export const END_OF_TIME = Number.POSITIVE_INFINITY;
export const BEFORE_TIME = Number.NEGATIVE_INFINITY;
