// Live job metrics: per source records in, dead letters, late rows and watermark; per sink rows
// out; per operator state sizes. Read by the CLI summary, the REPL status line and the
// Prometheus endpoint (cli/metrics-endpoint.ts); written on the hot path only as plain counter increments.

export interface SourceMetrics {
  readonly name: string;
  recordsIn: number;
  deadLetters: number;
  /** Blank records (whitespace-only lines or values) skipped, not counted in recordsIn; absent: none. */
  blank?: number;
  late: number;
  watermark: number;
  maxEventTime: number;
  ended: boolean;
  /** When the first record was read (epoch ms); absent before one. The start-up figure of bench:kafka. */
  firstReadAt?: number;
  /** Partitioned sources with an event time (Kafka): each partition's watermark, read on demand. */
  readonly partitions?: readonly PartitionMetrics[];
}

export interface PartitionMetrics {
  readonly partition: number;
  /** This partition's own watermark (epoch micros; -Infinity before its first record). */
  readonly watermark: number;
  /** Marked idle by the reader (idle_timeout): it no longer holds the source's watermark back. */
  readonly idle: boolean;
  readonly records: number;
  /** Records in the partition not yet read (Kafka consumer lag), as of its last fetch; undefined before one. */
  readonly lag?: number;
}

export interface SinkMetrics {
  readonly name: string;
  rowsOut: number;
}

export interface StateMetrics {
  readonly operator: number;
  readonly table: string;
  readonly shape: 'keyed' | 'timeKeyed';
  /** Entries held (keys, or (time, key) pairs). */
  readonly rows: number;
  /** Open windows / distinct times for time-keyed tables. */
  readonly times: number | undefined;
}

export interface JobMetrics {
  readonly sources: readonly SourceMetrics[];
  readonly sinks: readonly SinkMetrics[];
  readonly state: readonly StateMetrics[];
  readonly startedAt: number;
}
