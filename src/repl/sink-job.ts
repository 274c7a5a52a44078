// A sink created in the REPL, running as a background job of the session until DROP SINK or the
// end of the session (or of its bounded inputs). A stdout sink's rows go to the scrollback, not
// to the terminal under ink; any other connector (file now, Kafka later) writes as in `sluice run`.

import { Writable } from 'node:stream';
import type { Catalog, Column, SinkDef } from '../catalog/catalog.js';
import { planSinks } from '../plan/job.js';
import type { PhysicalPlan, SourceNode } from '../plan/physical.js';
import { Job, type JobSummary } from '../exec/job.js';
import type { SinkWriter } from '../connectors/connector.js';
import { openStdoutSink } from '../connectors/stdout/sink.js';
import { resolvePath } from '../connectors/options.js';
import { IdleTracker, type WatchedJob } from './status.js';
import { out, type Output } from './output.js';
import { plural } from './format.js';

export type SinkState = 'running' | 'finished' | 'stopped' | 'failed';

/** Lines of a stdout sink held for the scrollback; past it they are counted, not kept. */
const MAX_PENDING_LINES = 1000;
/** A sink that does not stop within this (a hung close) is reported and left behind. */
export const STOP_TIMEOUT_MS = 5000;

export class SinkJob implements WatchedJob {
  readonly def: SinkDef;
  readonly plan: PhysicalPlan;
  readonly job: Job;
  readonly startedAt = Date.now();
  finishedAt: number | undefined;
  summary: JobSummary | undefined;
  error: Error | undefined;
  readonly done: Promise<void>;
  /** Set by stop(): the job ended because it was asked to, so it reports nothing by itself. */
  stopRequested = false;
  /** stdout sinks: output lines not yet printed, and how many were left out past the limit. */
  private pending: string[] = [];
  private omitted = 0;
  private readonly controller = new AbortController();
  private readonly idle = new IdleTracker();

  /**
   * Plans and starts the sink's job; throws (nothing started) when it cannot (a file that cannot
   * be opened). `onEnd` is called when the job ends by itself: bounded inputs done, or an error.
   */
  constructor(catalog: Catalog, def: SinkDef, onEnd: (j: SinkJob) => void) {
    this.def = def;
    this.plan = planSinks(catalog, [def], { provenance: false });
    const toScrollback = this.connector === 'stdout';
    this.job = new Job(this.plan, {
      signal: this.controller.signal,
      sideOutputs: true,
      hooks: toScrollback ? { sinkWriter: (_n, columns, changelog) => this.scrollbackWriter(columns, changelog) } : {},
    });
    this.done = this.job.run().then(
      (s) => {
        this.summary = s;
      },
      (e: unknown) => {
        this.error = e instanceof Error ? e : new Error(String(e));
      },
    );
    void this.done.then(() => {
      this.finishedAt = Date.now();
      if (!this.stopRequested) onEnd(this);
    });
  }

  get name(): string {
    return this.def.name;
  }

  get connector(): string {
    return (this.def.options['connector'] ?? 'stdout').toLowerCase();
  }

  /** Where the rows go, for SHOW SINKS and the messages. */
  get target(): string {
    const p = this.def.options['path'];
    if (this.connector === 'file' && p !== undefined) return `file ${resolvePath(this.def.baseDir, p)}`;
    if (this.connector === 'stdout') return 'the scrollback (stdout)';
    const topic = this.def.options['topic'];
    return topic !== undefined ? `${this.connector} topic ${topic}` : this.connector;
  }

  get running(): boolean {
    return this.finishedAt === undefined;
  }

  get state(): SinkState {
    if (this.running) return 'running';
    if (this.error) return 'failed';
    return this.stopRequested || this.summary?.aborted ? 'stopped' : 'finished';
  }

  get sourceNodes(): SourceNode[] {
    return this.plan.nodes.filter((n): n is SourceNode => n.kind === 'source');
  }

  get rowsOut(): number {
    return this.job.metrics().sinks.reduce((a, s) => a + s.rowsOut, 0);
  }

  /** Late and dead-lettered rows of the sink's sources: the errors SHOW SINKS counts. */
  get rejected(): { late: number; deadLetters: number } {
    const m = this.job.metrics().sources;
    return { late: m.reduce((a, s) => a + s.late, 0), deadLetters: m.reduce((a, s) => a + s.deadLetters, 0) };
  }

  silentFor(sourceNode: number, records: number, now: number): number {
    return this.idle.silentFor(sourceNode, records, now);
  }

  /**
   * Stops reading; the job then flushes and closes the sink. Resolves false when it has not
   * ended within `timeoutMs` (a sink whose close hangs).
   */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<boolean> {
    this.stopRequested = true;
    this.controller.abort();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.done.then(() => true as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One line on how the job ended, e.g. "sink s finished after 2.1s: 400 rows to file /x". */
  endMessage(): Output {
    const secs = (((this.finishedAt ?? Date.now()) - this.startedAt) / 1000).toFixed(1);
    const rows = `${plural(this.rowsOut, 'row')} to ${this.target}`;
    if (this.error) return out.error(`sink ${this.name} failed after ${secs}s (${rows}): ${this.error.message}`);
    const how = this.state === 'finished' ? 'finished (its inputs ended)' : 'stopped, flushed and closed';
    return out.dim(`sink ${this.name} ${how} after ${secs}s: ${rows}`);
  }

  /** A stdout sink's pending lines, each prefixed with the sink's name; and a count of any left out. */
  drainLines(): Output[] {
    if (this.pending.length === 0 && this.omitted === 0) return [];
    const outputs = [out.plain(this.pending.map((l) => `${this.name}> ${l}`).join('\n'))];
    if (this.omitted > 0) outputs.push(out.dim(`${this.name}> … ${plural(this.omitted, 'more line')} not shown (the sink outran the screen)`));
    this.pending = [];
    this.omitted = 0;
    return outputs;
  }

  private scrollbackWriter(columns: readonly Column[], changelog: boolean): SinkWriter {
    const sink = new Writable({
      write: (chunk: Buffer | string, _enc, cb) => {
        for (const line of String(chunk).split('\n')) {
          if (line === '') continue;
          if (this.pending.length < MAX_PENDING_LINES) this.pending.push(line);
          else this.omitted++;
        }
        cb();
      },
    });
    const format = this.def.options['format'] === 'table' ? 'table' : 'jsonl';
    return openStdoutSink(sink, format, columns, changelog);
  }
}
