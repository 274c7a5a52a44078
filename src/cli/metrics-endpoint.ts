// `sluice run --metrics-port`: the job's metrics in the Prometheus text format (version 0.0.4) on
// 127.0.0.1, built from the engine's JobMetrics on each scrape: per source records, late rows,
// dead letters, watermark and its lag behind the wall clock (and per Kafka partition), per sink
// rows, Kafka consumer lag per partition, the last checkpoint's duration and size, per state
// table rows and bytes. Then the process's own metrics from prom-client's defaults: CPU,
// resident memory, heap per V8 space, GC pauses, event-loop lag, open handles (what a job under
// a memory budget needs watched). WHY two writers: the job's families are built from a snapshot
// on each scrape, with label sets (partitions, state tables) that come and go, which prom-client's
// long-lived metric objects would need reset and refilled on every scrape; its runtime
// collectors are what it does well.

import * as http from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { AddressInfo } from 'node:net';
import type { JobMetrics } from '../exec/metrics.js';
import type { CheckpointStats } from '../state/checkpoint.js';

/** What a scrape reads: the live job (Job satisfies it). */
export interface MetricsSource {
  metrics(): JobMetrics;
  stateSizes(): ReadonlyArray<{ operator: number; table: string; rows: number; bytes: number; spilledRows: number; spilledBytes: number }>;
  readonly lastCheckpoint: CheckpointStats | undefined;
}

type Labels = Readonly<Record<string, string | number>>;

/** A job with labels that tell it apart from the others served (a scaled-out task: its stage and partition). */
export interface LabeledSource {
  readonly labels: Labels;
  readonly job: MetricsSource;
}

/** Families in order of first mention; each job's samples join its families, with the job's labels first. */
class Exposition {
  private readonly families = new Map<string, { type: string; help: string; lines: string[] }>();
  extra: Labels = {};
  family(name: string, type: 'counter' | 'gauge', help: string, samples: ReadonlyArray<readonly [Labels, number]>): void {
    let f = this.families.get(name);
    if (f === undefined) this.families.set(name, (f = { type, help, lines: [] }));
    for (const [labels, value] of samples) f.lines.push(`${name}${labelText({ ...this.extra, ...labels })} ${numberText(value)}`);
  }
  text(): string {
    const out: string[] = [];
    for (const [name, f] of this.families) out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`, ...f.lines);
    return out.join('\n') + '\n';
  }
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function numberText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}

/** The exposition text for one scrape of one job, or of several told apart by labels; `now` is the wall clock in epoch ms. */
export function prometheusText(jobs: MetricsSource | readonly LabeledSource[], now = Date.now()): string {
  const e = new Exposition();
  for (const { labels, job } of Array.isArray(jobs) ? (jobs as readonly LabeledSource[]) : [{ labels: {}, job: jobs as MetricsSource }]) {
    e.extra = labels;
    addJob(e, job, now);
  }
  return e.text();
}

function addJob(e: Exposition, job: MetricsSource, now: number): void {
  const m = job.metrics();
  const src = (f: (s: JobMetrics['sources'][number]) => number | undefined) =>
    m.sources.flatMap((s) => {
      const v = f(s);
      return v === undefined ? [] : [[{ source: s.name }, v] as const];
    });
  // Watermarks are epoch micros inside the engine; none before the first event, +Inf once ended.
  const seconds = (w: number) => (Number.isFinite(w) || w > 0 ? w / 1e6 : undefined);
  const lag = (w: number, ended: boolean) => (Number.isFinite(w) && !ended ? Math.max(0, now / 1000 - w / 1e6) : undefined);
  e.family('sluice_source_records_total', 'counter', 'Records read per source (including dead letters).', src((s) => s.recordsIn));
  e.family('sluice_source_late_rows_total', 'counter', 'Rows per source that arrived behind the watermark.', src((s) => s.late));
  e.family('sluice_source_dead_letters_total', 'counter', 'Records per source that could not be decoded.', src((s) => s.deadLetters));
  e.family('sluice_source_watermark_seconds', 'gauge', "The source's watermark, seconds since the epoch (+Inf once it ended).", src((s) => seconds(s.watermark)));
  e.family('sluice_source_watermark_lag_seconds', 'gauge', "Wall clock minus the source's watermark.", src((s) => lag(s.watermark, s.ended)));
  e.family('sluice_source_ended', 'gauge', '1 once a bounded source has read all its input.', src((s) => (s.ended ? 1 : 0)));
  const parts = m.sources.flatMap((s) => (s.partitions ?? []).map((p) => ({ s, p, labels: { source: s.name, partition: p.partition } })));
  const part = (f: (x: (typeof parts)[number]) => number | undefined) =>
    parts.flatMap((x) => {
      const v = f(x);
      return v === undefined ? [] : [[x.labels, v] as const];
    });
  e.family('sluice_partition_records_total', 'counter', 'Records decoded per Kafka partition.', part((x) => x.p.records));
  e.family('sluice_partition_watermark_seconds', 'gauge', "A Kafka partition's own watermark, seconds since the epoch.", part((x) => seconds(x.p.watermark)));
  e.family('sluice_partition_watermark_lag_seconds', 'gauge', "Wall clock minus the partition's watermark.", part((x) => lag(x.p.watermark, x.s.ended)));
  e.family('sluice_partition_consumer_lag_records', 'gauge', 'Records in the Kafka partition not yet read, as of its last fetch.', part((x) => x.p.lag));
  e.family('sluice_partition_idle', 'gauge', '1 while the partition is idle (idle_timeout) and does not hold the watermark back.', part((x) => (x.p.idle ? 1 : 0)));
  e.family('sluice_sink_rows_total', 'counter', 'Rows written per sink (a changelog counts retractions too).', m.sinks.map((k) => [{ sink: k.name }, k.rowsOut] as const));
  const c = job.lastCheckpoint;
  e.family('sluice_checkpoint_last_id', 'gauge', 'Id of the last checkpoint this run wrote.', c ? [[{}, c.id]] : []);
  e.family('sluice_checkpoint_duration_seconds', 'gauge', 'How long the last checkpoint took to write.', c ? [[{}, c.ms / 1000]] : []);
  e.family('sluice_checkpoint_size_bytes', 'gauge', 'Size of the last checkpoint.', c ? [[{}, c.bytes]] : []);
  const tables = job.stateSizes();
  const t = (f: (x: (typeof tables)[number]) => number) => tables.map((x) => [{ operator: x.operator, table: x.table }, f(x)] as const);
  e.family('sluice_state_rows', 'gauge', 'Entries per state table held in memory.', t((x) => x.rows));
  e.family('sluice_state_bytes', 'gauge', 'Estimated heap bytes per state table in memory.', t((x) => x.bytes));
  e.family('sluice_state_spilled_rows', 'gauge', 'Entries per state table spilled to DuckDB.', t((x) => x.spilledRows));
  e.family('sluice_state_spilled_bytes', 'gauge', 'Encoded bytes per state table spilled to DuckDB.', t((x) => x.spilledBytes));
  e.family('sluice_job_start_time_seconds', 'gauge', 'When this run started, seconds since the epoch.', [[{}, m.startedAt / 1000]]);
}

/** The process's runtime metrics, collected once per process (the collectors observe GC and the event loop from the start). */
let runtime: Registry | undefined;
function runtimeMetrics(): Registry {
  if (runtime === undefined) {
    runtime = new Registry();
    collectDefaultMetrics({ register: runtime });
  }
  return runtime;
}

/** Serves /metrics on 127.0.0.1:`port` (0: any free port); resolves with the bound port. */
export async function serveMetrics(port: number, job: MetricsSource | (() => readonly LabeledSource[])): Promise<{ port: number; close(): Promise<void> }> {
  const runtimeRegistry = runtimeMetrics();
  const server = http.createServer(async (req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('sluice serves only GET /metrics\n');
      return;
    }
    let body: string;
    try {
      body = prometheusText(typeof job === 'function' ? job() : job) + (await runtimeRegistry.metrics());
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  // A scraper's keep-alive connection must not keep the process alive after the job.
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
