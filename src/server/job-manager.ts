// The jobs of one `sluice serve` process: submitted texts and the files given on the command
// line, each a ServedJob with its own id and state directory (<state dir>/<id>), the demo
// catalog they are planned against, and the once-a-second tick that feeds their live clients.

import * as path from 'node:path';
import * as fs from 'node:fs';
import { Catalog } from '../catalog/catalog.js';
import { loadScriptText } from '../cli/load.js';
import { DEMO_SQL } from '../catalog/demo.js';
import { ServedJob } from './served-job.js';
import { HttpError } from './errors.js';

export class JobManager {
  readonly catalog: Catalog;
  readonly stateDir: string;
  private readonly jobs = new Map<string, ServedJob>();
  private counter = 0;
  private readonly ticker: NodeJS.Timeout;

  constructor(stateDir: string) {
    this.stateDir = path.resolve(stateDir);
    this.catalog = loadScriptText(DEMO_SQL, undefined, process.cwd()).catalog;
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
    let id = options.file ? slug : `${slug}-${++this.counter}`;
    while (this.jobs.has(id)) id = `${slug}-${++this.counter}`;
    const stateDir = path.join(this.stateDir, id);
    const baseDir = options.file ? path.dirname(path.resolve(options.file)) : process.cwd();
    const job = new ServedJob({ id, name: options.name ?? base, sql, ...(options.file ? { file: options.file } : {}), baseDir, stateDir }, this.catalog);
    this.jobs.set(id, job);
    void job.start(!options.file);
    return job;
  }

  submitFile(file: string): ServedJob {
    const sql = fs.readFileSync(file, 'utf8');
    return this.submit(sql, { file });
  }

  async remove(id: string): Promise<void> {
    const j = this.get(id);
    this.jobs.delete(id);
    await j.remove();
  }

  /** Stops every job (each takes its final checkpoint). */
  async stopAll(): Promise<void> {
    clearInterval(this.ticker);
    await Promise.all(this.list().map((j) => j.stop()));
    for (const j of this.list()) j.hub.closeAll();
  }
}
