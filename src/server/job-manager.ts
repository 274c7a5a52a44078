// The jobs of one `sluice serve` process: submitted texts and the files given on the command
// line, each a ServedJob with its own id and state directory (<state dir>/<id>), the demo
// catalog they are planned against, and the once-a-second tick that feeds their live clients.
// Submitted jobs are kept in the state directory's registry (job-registry.ts) and come back when
// a server starts again on it: running ones resume from their checkpoints, stopped ones stay stopped.

import * as path from 'node:path';
import * as fs from 'node:fs';
import { Catalog } from '../catalog/catalog.js';
import { loadScriptText } from '../cli/load.js';
import { DEMO_SQL } from '../catalog/demo.js';
import { ServedJob } from './served-job.js';
import { HttpError } from './errors.js';
import { UsageError } from '../cli/errors.js';
import { JobRegistry, RegistryWriteError } from './job-registry.js';
import { log } from '../util/log.js';

/** How long stopping every job may take before the server exits anyway. */
export const STOP_TIMEOUT_MS = 15_000;

export class JobManager {
  readonly catalog: Catalog;
  readonly stateDir: string;
  private readonly jobs = new Map<string, ServedJob>();
  private readonly registry: JobRegistry;
  private readonly ticker: NodeJS.Timeout;

  constructor(stateDir: string) {
    this.stateDir = path.resolve(stateDir);
    this.catalog = loadScriptText(DEMO_SQL, undefined, process.cwd()).catalog;
    this.registry = new JobRegistry(this.stateDir);
    this.restore();
    this.ticker = setInterval(() => {
      for (const j of this.jobs.values()) j.tick();
    }, 1000);
    this.ticker.unref();
  }

  list(): ServedJob[] {
    return [...this.jobs.values()];
  }

  get(id: string): ServedJob {
    const j = this.jobs.get(id);
    if (!j) throw new HttpError(404, `no job with id '${id}'`, { hint: 'GET /api/jobs lists the jobs' });
    return j;
  }

  /**
   * Plans and starts a job (throws SqlError and the like, nothing started, on a bad text). A
   * file's job resumes from its checkpoint in <state dir>/<file name>; a submitted text starts
   * fresh under a new id (a directory left by an earlier process with that id is discarded).
   */
  submit(sql: string, options: { name?: string; file?: string } = {}): ServedJob {
    const base = options.file ? path.basename(options.file).replace(/\.sql$/i, '') : (options.name ?? 'job');
    const slug = base.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'job';
    let id = options.file ? slug : `${slug}-${this.registry.nextNumber()}`;
    while (this.jobs.has(id)) id = `${slug}-${this.registry.nextNumber()}`;
    const stateDir = path.join(this.stateDir, id);
    const baseDir = options.file ? path.dirname(path.resolve(options.file)) : process.cwd();
    const name = options.name ?? base;
    const job = new ServedJob({ id, name, sql, ...(options.file ? { file: options.file } : {}), baseDir, stateDir }, this.catalog);
    // Kept before it starts: a job the registry cannot hold would vanish at the next restart of
    // the server, so it is refused (nothing started) rather than accepted and lost later.
    if (!options.file) {
      try {
        this.registry.put({ id, name, sql, stopped: false });
      } catch (e) {
        if (!(e instanceof RegistryWriteError)) throw e;
        throw new HttpError(500, `job not started: ${e.message}`, { hint: `make ${this.stateDir} writable (or free space on its disk), or start the server with another --state-dir` });
      }
    }
    this.jobs.set(id, job);
    void job.start(!options.file);
    return job;
  }

  /** Brings back the registry's jobs: running ones resume from their checkpoints, stopped ones are listed as stopped. */
  private restore(): void {
    for (const e of this.registry.list()) {
      let job: ServedJob;
      try {
        job = new ServedJob({ id: e.id, name: e.name, sql: e.sql, baseDir: process.cwd(), stateDir: path.join(this.stateDir, e.id) }, this.catalog);
      } catch (err) {
        log.warn(`sluice serve: job '${e.id}' of ${this.stateDir} no longer plans and is not brought back: ${(err as Error).message}`, { event: 'job-restore-failed', job: e.id });
        continue;
      }
      this.jobs.set(e.id, job);
      if (e.stopped) job.markStopped();
      else void job.start(false);
    }
  }

  /** Stops a job cleanly (a final checkpoint); a later server on this state directory lists it as stopped. */
  async stop(id: string): Promise<ServedJob> {
    const j = this.get(id);
    this.keep(id, () => this.registry.setStopped(id, true), 'stopped');
    await j.stop();
    return j;
  }

  /** Stops a job if running and starts it again, from its last checkpoint or `fresh`. */
  async restart(id: string, fresh: boolean): Promise<ServedJob> {
    const j = this.get(id);
    await j.stop();
    this.keep(id, () => this.registry.setStopped(id, false), 'restarted');
    void j.start(fresh);
    return j;
  }

  submitFile(file: string): ServedJob {
    let sql: string;
    try {
      sql = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    return this.submit(sql, { file });
  }

  async remove(id: string): Promise<void> {
    const j = this.get(id);
    this.jobs.delete(id);
    this.keep(id, () => this.registry.remove(id), 'deleted');
    await j.remove();
  }

  /**
   * A stop, restart or delete goes ahead when the registry cannot record it (refusing to stop a
   * job because a disk is full would be worse); the server says so, since after its own restart
   * the job comes back as the registry last recorded it.
   */
  private keep(id: string, change: () => void, what: string): void {
    try {
      change();
    } catch (e) {
      if (!(e instanceof RegistryWriteError)) throw e;
      log.warn(`sluice serve: job '${id}' ${what}, but ${e.message}; a restart of the server will not know it was ${what}`, { event: 'registry-write-failed', job: id });
    }
  }

  /** Stops every job (each takes its final checkpoint); one that has not stopped within `timeoutMs` (a hung sink) is left behind. */
  async stopAll(timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
    clearInterval(this.ticker);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(this.list().map((j) => j.stop())), timeout]);
    clearTimeout(timer);
    for (const j of this.list()) j.hub.closeAll();
  }
}
