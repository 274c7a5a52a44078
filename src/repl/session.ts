// A REPL session without any UI: the catalog (demo sources first), settings (\format, \timing),
// the running query and the last one (for \compare and \watermarks), and the sinks running as
// background jobs. `submit` takes what the user typed (SQL ended by ';' or a backslash command)
// and returns outputs to print; what happens later (a sink ending, a stdout sink's rows) waits
// in `drainNotices` for the UI.

import * as path from 'node:path';
import { Catalog } from '../catalog/catalog.js';
import { parseScript } from '../sql/index.js';
import { applyDdl } from '../plan/ddl.js';
import type { Statement } from '../sql/ast.js';
import { DEMO_SQL } from './demo.js';
import { LiveQuery } from './live-query.js';
import { SinkJob } from './sink-job.js';
import { out, type Output } from './output.js';
import { errorOutput } from './error-output.js';
import type { OutputFormat } from './format.js';
import { describeStatement, explainStatement, showSinks, showStatement } from './statements.js';
import { findCommand } from './commands/index.js';
import { showState, type StateJob } from './show-state.js';

export interface SessionOptions {
  /** Load the demo sources (default true). */
  readonly demo?: boolean;
  readonly baseDir?: string;
}

export class Session {
  readonly catalog = new Catalog();
  format: OutputFormat = 'table';
  timing = false;
  baseDir: string;
  /** The query on screen: running, or finished and not yet moved to the scrollback. */
  live: LiveQuery | undefined;
  /** The most recent query started, for \compare and \watermarks after it stopped. */
  last: LiveQuery | undefined;
  exitRequested = false;
  /** The last file read with \i or --file (its test file is what \test runs by default). */
  loadedFile: string | undefined;
  /** Called when a statement starts a query (the UI subscribes to show it live). */
  onQuery: ((q: LiveQuery) => void) | undefined;
  /** Each CREATE SINK's job, by sink name, until DROP SINK (ended ones stay for SHOW SINKS). */
  readonly sinkJobs = new Map<string, SinkJob>();
  private notices: Output[] = [];

  constructor(options: SessionOptions = {}) {
    this.baseDir = options.baseDir ?? process.cwd();
    if (options.demo ?? true) this.runScript(DEMO_SQL, undefined);
  }

  /** One submission: a backslash command, or one or more `;`-separated statements. */
  async submit(input: string): Promise<Output[]> {
    const text = input.trim();
    if (text === '') return [];
    const t0 = performance.now();
    let result: Output[];
    if (text.startsWith('\\')) {
      const [name = '', ...rest] = text.slice(1).split(/\s+/);
      const cmd = findCommand(name.replace(/;$/, ''));
      if (!cmd) return [out.error(`unknown command \\${name}; \\help lists the commands`)];
      result = await cmd.run(rest.join(' ').replace(/;\s*$/, '').trim(), this);
    } else {
      result = await this.runScript(text, undefined);
    }
    if (this.timing) result.push(out.dim(`time: ${(performance.now() - t0).toFixed(1)} ms`));
    return result;
  }

  /**
   * Applies a script's statements in order; a query starts running (the last one wins). Runs
   * synchronously up to the first DROP SINK (the demo catalog is ready on return).
   */
  async runScript(text: string, file: string | undefined, baseDir = this.baseDir): Promise<Output[]> {
    const outputs: Output[] = [];
    try {
      const script = parseScript(text, file);
      for (const s of script.statements) {
        // Only DROP SINK waits (for its job to close), so a script of DDL applies synchronously.
        const r = this.statement(s.statement, text, baseDir);
        outputs.push(...(r instanceof Promise ? await r : r));
      }
    } catch (e) {
      outputs.push(errorOutput(e, file));
    }
    return outputs;
  }

  private statement(s: Statement, text: string, baseDir: string): Output[] | Promise<Output[]> {
    switch (s.kind) {
      case 'createSink':
        applyDdl(this.catalog, s, { text, baseDir });
        return [this.startSink(s.name.name)];
      case 'drop': {
        if (s.what === 'source' || s.what === 'table') {
          const readers = this.runningSinks.filter((j) => j.sourceNodes.some((n) => n.source.name === s.name.name)).map((j) => j.name);
          if (readers.length > 0) return [out.error(`error: cannot drop ${s.what} ${s.name.name}: running sink ${readers.join(', ')} reads it; DROP SINK ${readers[0]} first`)];
        }
        const job = s.what === 'sink' ? this.sinkJobs.get(s.name.name) : undefined;
        applyDdl(this.catalog, s, { text, baseDir });
        const dropped = out.dim(`dropped ${s.what} ${s.name.name}`);
        if (!job) return [dropped];
        this.sinkJobs.delete(s.name.name);
        return stopSink(job).then((o) => [dropped, ...o]);
      }
      case 'createSource':
      case 'createView':
        applyDdl(this.catalog, s, { text, baseDir });
        return [out.dim(`created ${s.kind === 'createSource' ? (s.table ? 'table' : 'source') : 'view'} ${s.name.name}`)];
      case 'set':
        applyDdl(this.catalog, s, { text, baseDir });
        return [out.dim(`set ${s.key} = '${s.value}'`)];
      case 'show':
        if (s.what === 'state') return showState(this.runningJobs());
        return s.what === 'sinks' ? showSinks(this.catalog, this.sinkJobs) : showStatement(this.catalog, s.what);
      case 'describe':
        return describeStatement(this.catalog, s, text);
      case 'explain':
        return explainStatement(this.catalog, s, text);
      case 'query': {
        const q = new LiveQuery(this.catalog, text, s.query);
        void this.live?.stop();
        this.live = q;
        this.last = q;
        this.onQuery?.(q);
        return [];
      }
    }
  }

  /** Starts a sink just registered in the catalog; when it cannot start, unregisters it. */
  private startSink(name: string): Output {
    const def = this.catalog.sinks.get(name)!;
    try {
      const job = new SinkJob(this.catalog, def, (j) => this.notices.push(j.endMessage()));
      this.sinkJobs.set(name, job);
      return out.dim(`created sink ${name}: running in the background, writing to ${job.target} (SHOW SINKS shows it, DROP SINK ${name} stops it)`);
    } catch (e) {
      this.catalog.sinks.delete(name);
      return errorOutput(e);
    }
  }

  /** What happened since the last call: stdout sinks' rows, sinks that ended by themselves. */
  drainNotices(): Output[] {
    const outputs: Output[] = [];
    for (const j of this.sinkJobs.values()) outputs.push(...j.drainLines());
    outputs.push(...this.notices);
    this.notices = [];
    return outputs;
  }

  /** The running query, then each running sink: the jobs SHOW STATE reports. */
  runningJobs(): StateJob[] {
    const jobs: StateJob[] = this.live?.running ? [{ label: 'query', job: this.live.job }] : [];
    for (const j of this.runningSinks) jobs.push({ label: `sink ${j.name}`, job: j.job });
    return jobs;
  }

  get runningSinks(): SinkJob[] {
    return [...this.sinkJobs.values()].filter((j) => j.running);
  }

  /**
   * The end of the session: stops the running query and every sink (each flushed and closed),
   * waiting at most `timeoutMs` for each; returns what to print about them.
   */
  async close(timeoutMs?: number): Promise<Output[]> {
    const q = this.live;
    if (q?.running) void q.stop();
    const jobs = this.runningSinks;
    this.sinkJobs.clear();
    const outputs = [...this.drainNotices()];
    const stopped = await Promise.all(jobs.map((j) => stopSink(j, timeoutMs)));
    for (const o of stopped) outputs.push(...o);
    if (q?.running) await Promise.race([q.done, new Promise((r) => setTimeout(r, timeoutMs ?? 2000).unref())]);
    return outputs;
  }

  /** Ctrl-C: stops the running query; false when none was running. */
  stopQuery(): boolean {
    if (!this.live?.running) return false;
    void this.live.stop();
    return true;
  }

  resolvePath(p: string): string {
    return path.resolve(this.baseDir, p);
  }
}

/** Stops a sink's job and says how it ended (its last stdout rows first). */
async function stopSink(job: SinkJob, timeoutMs?: number): Promise<Output[]> {
  const wasRunning = job.running;
  const ended = await job.stop(timeoutMs);
  const lines = job.drainLines();
  if (!ended) return [...lines, out.error(`sink ${job.name} did not stop within ${((timeoutMs ?? 5000) / 1000).toFixed(0)}s; its output may be incomplete`)];
  if (!wasRunning && !job.error) return lines;
  return [...lines, job.endMessage()];
}
