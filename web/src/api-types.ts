// The console HTTP API's shapes, as the page reads them (the contract in README "sluice serve";
// the server owns it). Kept DOM-free so the pure models can be unit-tested under Node.

export interface Column {
  readonly name: string;
  readonly type: string;
}

export interface CatalogEntry {
  readonly name: string;
  readonly connector?: string;
  readonly columns: readonly Column[];
  readonly watermark?: string;
}

export interface Catalog {
  readonly sources: readonly CatalogEntry[];
  readonly views: readonly CatalogEntry[];
  readonly functions: readonly string[];
  readonly keywords: readonly string[];
}

export interface ApiError {
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  readonly caret?: string;
  readonly hint?: string;
}

export interface Diagnostic {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  readonly caret?: string;
  readonly hint?: string;
}

export type JobStatus = 'starting' | 'running' | 'stopped' | 'finished' | 'failed';

export interface SinkInfo {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly updating: boolean;
  readonly windowed: boolean;
  readonly keyColumns: readonly string[];
}

export interface Metrics {
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly rateIn: number;
  readonly rateOut: number;
  readonly lagMs: number | null;
  readonly late: number;
  readonly deadLetters: number;
  readonly checkpointAgeMs: number | null;
  readonly stateBytes: number;
}

export interface Job {
  readonly id: string;
  readonly name: string;
  readonly status: JobStatus;
  readonly error?: string | ApiError;
  readonly startedAt: string | number;
  readonly file?: string;
  readonly sql: string;
  readonly sinks: readonly SinkInfo[];
  readonly metrics: Metrics;
}

export interface Checkpoint {
  readonly at: string | number;
  readonly bytes: number;
  readonly durationMs: number;
}

export interface StateTable {
  readonly name: string;
  readonly rowsMemory: number;
  readonly bytesMemory: number;
  readonly rowsDuckdb: number;
  readonly bytesDuckdb: number;
  readonly bounded: boolean | string;
}

export interface JobState {
  readonly checkpoint: Checkpoint | null;
  readonly checkpoints: readonly Checkpoint[];
  readonly operators: readonly { readonly id: number | string; readonly kind: string; readonly tables: readonly StateTable[] }[];
}

/** A watermark as the server sends it: an ISO string, epoch ms or epoch µs; null before the first. */
export type WatermarkValue = string | number | null;

export interface PartitionWatermark {
  readonly partition: number | string;
  readonly watermark: WatermarkValue;
  readonly idle: boolean;
}

export interface OpenWindow {
  readonly windowStart: WatermarkValue;
  readonly windowEnd: WatermarkValue;
  readonly key?: string;
  readonly reason: string;
}

export interface Watermarks {
  readonly sources: readonly {
    readonly name: string;
    readonly watermark: WatermarkValue;
    readonly lagMs: number | null;
    readonly partitions: readonly PartitionWatermark[];
  }[];
  readonly operators: readonly { readonly id: number | string; readonly kind: string; readonly openWindows: readonly OpenWindow[] }[];
}

export interface SideRow {
  readonly source: string;
  readonly reason: string;
  readonly position?: unknown;
  readonly record?: unknown;
  readonly row?: unknown;
  /** Late rows: the row's event time and the watermark it was behind. */
  readonly eventTime?: WatermarkValue;
  readonly watermark?: WatermarkValue;
  readonly at?: string | number;
}

export type ChangeOp = '+I' | '-U' | '+U' | '-D';
export type Value = string | number | boolean | null | Record<string, unknown> | unknown[];
export type Row = readonly Value[];

export interface RowsEvent {
  readonly sink: string;
  readonly ops?: readonly ChangeOp[];
  readonly rows: readonly Row[];
}
