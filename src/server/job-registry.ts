// The jobs submitted to `sluice serve` that outlive the process: <state dir>/jobs.json holds each
// one's id, name, SQL text and whether it was stopped, and the id counter, so a server started
// again on the same state directory brings them back. Jobs given as files are not kept here (the
// command line names them again). Every change rewrites the file atomically (temp file + rename).

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RegistryEntry {
  readonly id: string;
  readonly name: string;
  readonly sql: string;
  /** Stopped through the API (a restart of the server leaves it stopped); false while it should run. */
  readonly stopped: boolean;
}

interface RegistryFile {
  readonly version: 1;
  readonly counter: number;
  readonly jobs: readonly RegistryEntry[];
}

export const REGISTRY_FILE = 'jobs.json';

export class JobRegistry {
  private readonly file: string;
  private readonly entries = new Map<string, RegistryEntry>();
  private counterValue = 0;

  /** Reads <dir>/jobs.json when there is one; a file that is not a registry is an error naming it. */
  constructor(readonly dir: string) {
    this.file = path.join(dir, REGISTRY_FILE);
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const data = parse(text);
    if (data === undefined) throw new Error(`${this.file} is not a job registry of \`sluice serve\`; move it away or give another --state-dir`);
    this.counterValue = data.counter;
    for (const e of data.jobs) this.entries.set(e.id, e);
  }

  /** The kept jobs, in the order they were submitted. */
  list(): RegistryEntry[] {
    return [...this.entries.values()];
  }

  /** The next id number (kept, so ids of deleted jobs are not handed out again after a restart). */
  nextNumber(): number {
    return ++this.counterValue;
  }

  /** Keeps a new job; when the file cannot be written the entry is not kept either (throws RegistryWriteError). */
  put(entry: RegistryEntry): void {
    const before = this.entries.get(entry.id);
    this.entries.set(entry.id, entry);
    try {
      this.write();
    } catch (e) {
      if (before) this.entries.set(entry.id, before);
      else this.entries.delete(entry.id);
      throw e;
    }
  }

  /** Records a stop or a restart (throws RegistryWriteError when the file cannot be written; the entry in memory is changed anyway). */
  setStopped(id: string, stopped: boolean): void {
    const e = this.entries.get(id);
    if (!e || e.stopped === stopped) return;
    this.entries.set(id, { ...e, stopped });
    this.write();
  }

  /** Forgets a job (throws RegistryWriteError when the file cannot be written; forgotten in memory anyway). */
  remove(id: string): void {
    if (this.entries.delete(id)) this.write();
  }

  /**
   * WARNING: temp file + rename, so a crash mid-write leaves the old registry or the new one, never
   * half of one. A write that fails (a read-only or full disk) throws RegistryWriteError naming
   * the file and the system's reason, and leaves no temp file behind.
   */
  private write(): void {
    const data: RegistryFile = { version: 1, counter: this.counterValue, jobs: this.list() };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
      fs.renameSync(tmp, this.file);
    } catch (e) {
      fs.rmSync(tmp, { force: true, recursive: true });
      const err = e as NodeJS.ErrnoException;
      throw new RegistryWriteError(`cannot write the job registry ${this.file}: ${err.code ?? ''}${err.code ? ' ' : ''}${err.message.replace(/^[A-Z]+: /, '')}`);
    }
  }
}

/** The registry could not be written: the change it records is not kept across a restart of the server. */
export class RegistryWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryWriteError';
  }
}

function parse(text: string): RegistryFile | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (o['version'] !== 1 || typeof o['counter'] !== 'number' || !Array.isArray(o['jobs'])) return undefined;
  const jobs: RegistryEntry[] = [];
  for (const j of o['jobs'] as unknown[]) {
    if (typeof j !== 'object' || j === null) return undefined;
    const e = j as Record<string, unknown>;
    if (typeof e['id'] !== 'string' || typeof e['name'] !== 'string' || typeof e['sql'] !== 'string' || typeof e['stopped'] !== 'boolean') return undefined;
    jobs.push({ id: e['id'], name: e['name'], sql: e['sql'], stopped: e['stopped'] });
  }
  return { version: 1, counter: o['counter'], jobs };
}
