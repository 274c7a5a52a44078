// One job of `sluice serve`: its .sql text planned against the demo catalog plus its own DDL,
// every CREATE SINK and every bare SELECT (a console sink whose rows stream to the page), run by
// the engine's Job with checkpoints in its own state directory as under `sluice run`, and a hub
// (hub.ts) fed by the job's hooks. Stop, restart (from the last checkpoint or fresh) and delete
// act on it; the JSON the API returns for it is built here.

import * as fs from 'node:fs';
import type { Catalog } from '../catalog/catalog.js';
import type { LoadedScript } from '../cli/load.js';
import { upstreamSources, type PhysicalPlan, type SinkNode, type SourceNode } from '../plan/physical.js';
import { streamKey } from '../plan/stream-key.js';
import { DEFAULT_CHECKPOINT_INTERVAL_MS, Job, type CheckpointMeta } from '../exec/job.js';
import type { LateEvent } from '../exec/operator.js';
import type { DeadLetterInfo } from '../exec/source-runtime.js';
import { CheckpointStore, type JobCheckpoint } from '../state/checkpoint.js';
import { planFingerprint } from '../state/fingerprint.js';
import { parseIntervalMs } from '../catalog/duration.js';
import { checkCommits } from '../cli/restore.js';
import { UsageError } from '../cli/errors.js';
import { formatTimestamp } from '../catalog/timestamp.js';
import { IdleTracker, type WatchedJob } from '../exec/job-status.js';
import { Hub } from './hub.js';
import { columnsJson, isoOrNull } from './job-json.js';
import { planText } from './plan-text.js';
import { hubWriter } from './sink-tee.js';
import { RateMeter } from './rates.js';
import { reserveIngest } from '../connectors/http/endpoints.js';
import { httpIngestSettings } from '../connectors/http/source.js';

export type JobStatus = 'starting' | 'running' | 'stopped' | 'finished' | 'failed';

export interface JobSpec {
  readonly id: string;
  readonly name: string;
  readonly sql: string;
  /** The .sql file given on the command line, if any (paths in it resolve beside it). */
  readonly file?: string;
  readonly baseDir: string;
  readonly stateDir: string;
}

export interface MetricsJson {
  rowsIn: number;
  rowsOut: number;
  rateIn: number;
  rateOut: number;
  lagMs: number | null;
  late: number;
  deadLetters: number;
  checkpointAgeMs: number | null;
  stateBytes: number;
}

export class ServedJob {
  readonly spec: JobSpec;
  readonly plan: PhysicalPlan;
  readonly script: LoadedScript;
  readonly hub = new Hub();
  status: JobStatus = 'starting';
  error: string | undefined;
  startedAt = Date.now();
  job: Job | undefined;
  /** Recent checkpoints of this job's runs (newest last). */
  readonly checkpoints: Array<{ at: string; bytes: number; durationMs: number }> = [];
  private controller = new AbortController();
  private running: Promise<void> = Promise.resolve();
  private store: CheckpointStore | undefined;
  /** Rates in and out of the current run (rates.ts), counted from when its counters are in place. */
  private rates = new RateMeter();
  private readonly sinkNodes: SinkNode[];
  private readonly intervalMs: number;
  /** Watermarks last sent per source (and partition), so only changes are sent. */
  private readonly sentWatermarks = new Map<string, number>();
  private readonly idle = new IdleTracker();

  constructor(spec: JobSpec, catalog: Catalog) {
    this.spec = spec;
    const { script, plan } = planText(spec.sql, spec.file, spec.baseDir, catalog);
    this.script = script;
    this.plan = plan;
    this.sinkNodes = plan.sinks.map((id) => plan.nodes[id] as SinkNode);
    const text = script.catalog.settings.get('checkpoint_interval');
    const ms = text === undefined ? DEFAULT_CHECKPOINT_INTERVAL_MS : parseIntervalMs(text);
    if (ms === undefined || ms <= 0) throw new UsageError(`checkpoint interval '${text}' is not a duration; write e.g. 500ms, 10s or 1m`);
    this.intervalMs = ms;
  }

  get id(): string {
    return this.spec.id;
  }

  get active(): boolean {
    return this.status === 'starting' || this.status === 'running';
  }

  /** Starts a run: from the last checkpoint in the job's state directory, or from the beginning when `fresh`. */
  start(fresh: boolean): Promise<void> {
    this.status = 'starting';
    this.error = undefined;
    this.startedAt = Date.now();
    this.controller = new AbortController();
    this.running = this.run(fresh).then(
      (aborted) => this.ended(aborted ? 'stopped' : 'finished'),
      (e: unknown) => this.ended('failed', e instanceof Error ? e.message : String(e)),
    );
    return this.running;
  }

  /** A job brought back by a new server as stopped: listed, not run, until restarted. */
  markStopped(): void {
    this.status = 'stopped';
  }

  /** Stops the run (sinks flushed, a final checkpoint) and resolves when it has ended. */
  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  /** Stops it and removes its state directory. */
  async remove(): Promise<void> {
    await this.stop();
    this.hub.closeAll();
    fs.rmSync(this.spec.stateDir, { recursive: true, force: true });
  }

  /**
   * A run. Its `http` sources' paths are reserved first, synchronously (this runs to its first
   * await inside start()), so a POST right after the job was accepted waits for the reader
   * instead of meeting 404; they are released when the run ends.
   */
  private async run(fresh: boolean): Promise<boolean> {
    const releases: Array<() => void> = [];
    const paths = new Set<string>();
    try {
      for (const n of this.plan.nodes) {
        if (n.kind !== 'source' || n.source.options['connector'] !== 'http') continue;
        const { path, maxBodyBytes, maxQueue } = httpIngestSettings(n.source);
        if (paths.has(path)) continue;
        paths.add(path);
        const release = reserveIngest(path, n.source.name, maxBodyBytes, maxQueue);
        if (!release) throw new UsageError(`another running job already takes POSTs at ${path}; give source '${n.source.name}' another path`);
        releases.push(release);
      }
      return await this.runJob(fresh);
    } finally {
      for (const r of releases) r();
    }
  }

  private async runJob(fresh: boolean): Promise<boolean> {
    const dir = this.spec.stateDir;
    if (fresh) CheckpointStore.remove(dir);
    fs.mkdirSync(dir, { recursive: true });
    const fingerprint = planFingerprint(this.plan);
    const opening = CheckpointStore.open(dir);
    const restoring = opening.then(async (store) => {
      const restore = (await store.latest<CheckpointMeta>())?.checkpoint;
      if (restore !== undefined && restore.fingerprint !== fingerprint) {
        throw new UsageError(`the state in ${dir} was checkpointed by a different plan; restart the job fresh to discard it`);
      }
      return restore;
    });
    let restore: JobCheckpoint<CheckpointMeta> | undefined;
    try {
      [this.store, restore] = await Promise.all([opening, restoring, checkCommits(this.plan, restoring, { job: this.spec.name, stateDir: dir, fresh, fromCommittedOffsets: false })]);
    } catch (e) {
      (await opening.catch(() => undefined))?.close();
      throw e;
    }
    try {
      const job = new Job(this.plan, {
        name: this.spec.name,
        signal: this.controller.signal,
        checkpoints: {
          target: this.store,
          fingerprint,
          intervalMs: this.intervalMs,
          onCheckpoint: (c) => {
            this.checkpoints.push({ at: new Date().toISOString(), bytes: c.bytes, durationMs: c.ms });
            if (this.checkpoints.length > 100) this.checkpoints.shift();
          },
          ...(restore ? { restore } : {}),
          ...(fresh ? { fresh: true } : {}),
        },
        hooks: {
          sinkWriter: (node, columns, changelog, resume) => hubWriter({ plan: this.plan, job: this.spec.name, hub: this.hub }, node, columns, changelog, resume),
          onLate: (e) => this.onLate(e),
          onDeadLetter: (d) => this.onDeadLetter(d),
          onStarted: () => {
            const [rowsIn, rowsOut] = totals(job);
            this.rates.reset(Date.now(), rowsIn, rowsOut);
          },
        },
      });
      this.job = job;
      this.rates = new RateMeter();
      if (this.controller.signal.aborted) return true;
      this.status = 'running';
      const summary = await job.run();
      return summary.aborted;
    } finally {
      this.store.close();
      this.store = undefined;
    }
  }

  private ended(status: JobStatus, error?: string): void {
    this.status = status;
    this.error = error;
    this.hub.send('status', { status, metrics: this.metrics() });
    this.hub.send('end', { status, ...(error ? { error } : {}) });
    this.hub.closeAll();
  }

  private lateSource(e: LateEvent): string {
    return e.ref?.source ?? (upstreamSources(this.plan, e.operator).map((s) => s.source.name).join(' or ') || 'an input');
  }

  private onLate(e: LateEvent): void {
    const item = {
      source: this.lateSource(e),
      reason: e.reason,
      position: e.ref?.position ?? null,
      row: e.ref?.raw ?? null,
      eventTime: isoOrNull(e.eventTime),
      watermark: isoOrNull(e.watermark),
      at: new Date().toISOString(),
    };
    this.hub.late.push(item);
    this.hub.send('late', item);
  }

  private onDeadLetter(d: DeadLetterInfo): void {
    const item = { source: d.source, reason: d.reason, position: d.position, record: d.raw, at: new Date().toISOString() };
    this.hub.deadLetters.push(item);
    this.hub.send('deadLetter', item);
  }

  /** The status-line figures: totals, rates (rates.ts: the same figures everywhere), the largest lag, checkpoint age, state bytes. */
  metrics(now = Date.now()): MetricsJson {
    const job = this.job;
    if (!job) return { rowsIn: 0, rowsOut: 0, rateIn: 0, rateOut: 0, lagMs: null, late: 0, deadLetters: 0, checkpointAgeMs: null, stateBytes: 0 };
    const m = job.metrics();
    const [rowsIn, rowsOut] = totals(job, m);
    const { rateIn, rateOut } = this.active ? this.rates.rates(now, rowsIn, rowsOut) : { rateIn: 0, rateOut: 0 };
    const lags = m.sources.filter((s) => Number.isFinite(s.watermark) && !s.ended).map((s) => Math.max(0, now - s.watermark / 1000));
    const c = job.lastCheckpoint;
    return {
      rowsIn,
      rowsOut,
      rateIn,
      rateOut,
      lagMs: lags.length > 0 ? Math.round(Math.max(...lags)) : null,
      late: m.sources.reduce((a, s) => a + s.late, 0),
      deadLetters: m.sources.reduce((a, s) => a + s.deadLetters, 0),
      checkpointAgeMs: c ? now - c.createdAt : null,
      stateBytes: this.active ? job.stateSizes().reduce((a, t) => a + t.bytes + t.spilledBytes, 0) : 0,
    };
  }

  /** Once a second while clients listen: status, and each source's (and partition's) watermark when it moved. */
  tick(now = Date.now()): void {
    if (!this.job) return;
    if (this.active) {
      const [rowsIn, rowsOut] = totals(this.job);
      this.rates.sample(now, rowsIn, rowsOut);
    }
    if (this.hub.clientCount === 0) return;
    this.hub.send('status', { status: this.status, metrics: this.metrics(now) });
    for (const s of this.job.metrics().sources) {
      const marks: Array<[string, number | undefined, number]> = [[s.name, undefined, s.watermark]];
      for (const p of s.partitions ?? []) marks.push([`${s.name}#${p.partition}`, p.partition, p.watermark]);
      for (const [key, partition, w] of marks) {
        if (!Number.isFinite(w) || this.sentWatermarks.get(key) === w) continue;
        this.sentWatermarks.set(key, w);
        this.hub.send('watermark', { source: s.name, ...(partition !== undefined ? { partition } : {}), watermark: formatTimestamp(w), lagMs: Math.max(0, Math.round(now - w / 1000)) });
      }
    }
  }

  sinksJson(): Array<{ name: string; columns: Array<{ name: string; type: string }>; updating: boolean; windowed: boolean; keyColumns: string[] }> {
    return this.sinkNodes.map((n) => {
      const columns = n.schema.filter((c) => !c.hidden);
      const key = streamKey(this.plan, n.id) ?? [];
      return {
        name: n.sink.name,
        columns: columnsJson(columns),
        updating: !n.appendOnly,
        windowed: columns.some((c) => c.name === 'window_start' || c.name === 'window_end'),
        keyColumns: key.map((i) => columns[i]?.name).filter((x): x is string => x !== undefined),
      };
    });
  }

  /** What the watermark report (exec/job-status.ts) reads; undefined before the first run. */
  get watched(): WatchedJob {
    const job = this.job;
    if (!job) throw new Error('the job has not started');
    const self = this;
    return {
      job,
      plan: this.plan,
      startedAt: this.startedAt,
      finishedAt: this.active ? undefined : Date.now(),
      running: this.active,
      sourceNodes: this.plan.nodes.filter((n): n is SourceNode => n.kind === 'source'),
      silentFor: (node, records, now) => self.idle.silentFor(node, records, now),
    };
  }

  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      name: this.spec.name,
      status: this.status,
      ...(this.error ? { error: this.error } : {}),
      startedAt: new Date(this.startedAt).toISOString(),
      ...(this.spec.file ? { file: this.spec.file } : {}),
      sql: this.spec.sql,
      sinks: this.sinksJson(),
      metrics: this.metrics(),
    };
  }
}

/** Rows read by every source and written by every sink so far. */
function totals(job: Job, m = job.metrics()): [number, number] {
  return [m.sources.reduce((a, s) => a + s.recordsIn, 0), m.sinks.reduce((a, s) => a + s.rowsOut, 0)];
}
