// The selected job's live feed: one EventSource on /api/jobs/:id/events, folded into the
// page's models (a ResultTable per sink, watermark lag history, the late rows and dead letters
// as they arrive, the latest metrics). Components read it and re-render at most every 250 ms.

import type { ChangeOp, Job, JobStatus, Metrics, Row, RowsEvent, SideRow, SinkInfo, WatermarkValue } from './api-types.js';
import { api } from './api.js';
import { ResultTable } from './model/result-table.js';
import { SeriesHistory } from './model/history.js';
import { toMillis } from './model/time.js';

export const TABLE_LIMIT = 1000;
const RENDER_EVERY_MS = 250;
const SIDE_LIMIT = 200;

export type Connection = 'connecting' | 'open' | 'closed' | 'error';

interface SnapshotSink {
  readonly name?: string;
  readonly sink?: string;
  readonly ops?: readonly ChangeOp[];
  readonly rows?: readonly Row[];
  /** Rows the sink has written in total (the snapshot holds only the last ones). */
  readonly total?: number;
}

export class JobStream {
  readonly tables = new Map<string, ResultTable>();
  readonly lag = new SeriesHistory(600);
  /** Latest watermark per source / partition label, epoch ms. */
  readonly watermarks = new Map<string, number | null>();
  readonly late: SideRow[] = [];
  readonly deadLetters: SideRow[] = [];
  metrics: Metrics | null = null;
  status: JobStatus | null = null;
  error: string | null = null;
  connection: Connection = 'connecting';
  version = 0;
  private source: EventSource | null = null;
  private readonly listeners = new Set<() => void>();
  private scheduled = false;

  constructor(readonly job: Job) {
    for (const sink of job.sinks) this.tables.set(sink.name, newTable(sink));
  }

  open(): void {
    const es = new EventSource(api.eventsUrl(this.job.id));
    this.source = es;
    es.onopen = () => this.touch(() => (this.connection = 'open'));
    es.onerror = () =>
      this.touch(() => {
        // EventSource reconnects by itself unless the server ended the stream for good.
        this.connection = es.readyState === EventSource.CLOSED ? 'closed' : 'error';
      });
    const on = (name: string, fn: (data: never) => void) =>
      es.addEventListener(name, (e) => {
        let data: unknown;
        try {
          data = JSON.parse((e as MessageEvent<string>).data);
        } catch {
          return;
        }
        this.touch(() => fn(data as never));
      });
    on('snapshot', (d: { sinks?: SnapshotSink[] | Record<string, SnapshotSink | Row[]>; status?: JobStatus; metrics?: Metrics }) => {
      this.onSnapshot(d);
      if (d.status) this.status = d.status;
      if (d.metrics) this.metrics = d.metrics;
    });
    on('rows', (d: RowsEvent) => this.table(d.sink).apply(d.rows, d.ops));
    on('watermark', (d: { source: string; partition?: number | string; watermark: WatermarkValue; lagMs: number | null }) => {
      const name = d.partition === undefined || d.partition === null ? d.source : `${d.source}[${d.partition}]`;
      this.watermarks.set(name, toMillis(d.watermark));
      this.lag.add(name, Date.now(), d.lagMs);
    });
    on('status', (d: { status: JobStatus; metrics: Metrics }) => {
      this.status = d.status;
      this.metrics = d.metrics;
    });
    on('late', (d: SideRow) => push(this.late, { ...d, at: d.at ?? new Date().toISOString() }));
    on('deadLetter', (d: SideRow) => push(this.deadLetters, { ...d, at: d.at ?? new Date().toISOString() }));
    on('end', (d: { status: JobStatus; error?: string | { message: string } }) => {
      this.status = d.status;
      this.error = d.error === undefined ? null : typeof d.error === 'string' ? d.error : d.error.message;
      this.connection = 'closed';
      es.close();
    });
  }

  close(): void {
    this.source?.close();
    this.source = null;
    this.listeners.clear();
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  table(sink: string): ResultTable {
    let t = this.tables.get(sink);
    if (!t) {
      t = newTable({ name: sink, columns: [], updating: false, windowed: false, keyColumns: [] });
      this.tables.set(sink, t);
    }
    return t;
  }

  private onSnapshot(d: { sinks?: SnapshotSink[] | Record<string, SnapshotSink | Row[]> }): void {
    const entries: [string, SnapshotSink][] = Array.isArray(d.sinks)
      ? d.sinks.map((s) => [s.name ?? s.sink ?? '', s])
      : Object.entries(d.sinks ?? {}).map(([name, s]) => [name, Array.isArray(s) ? { rows: s } : s]);
    for (const [name, s] of entries) {
      const t = this.table(name);
      t.clear();
      if (s.rows) t.apply(s.rows, s.ops);
      if (typeof s.total === 'number') t.received = Math.max(t.received, s.total);
    }
  }

  private touch(fn: () => void): void {
    fn();
    this.version++;
    if (this.scheduled) return;
    this.scheduled = true;
    // At most four renders a second: a fast stream (thousands of rows a second) would otherwise
    // keep the page busy redrawing its table and chart on every frame.
    setTimeout(() => {
      this.scheduled = false;
      for (const l of this.listeners) l();
    }, RENDER_EVERY_MS);
  }
}

function newTable(sink: SinkInfo): ResultTable {
  const keyIndexes = sink.updating ? sink.keyColumns.map((k) => sink.columns.findIndex((c) => c.name === k)).filter((i) => i >= 0) : [];
  return new ResultTable({ keyIndexes, updating: sink.updating, limit: TABLE_LIMIT });
}

function push(list: SideRow[], row: SideRow): void {
  list.push(row);
  if (list.length > SIDE_LIMIT) list.splice(0, list.length - SIDE_LIMIT);
}
