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

  put(entry: RegistryEntry): void {
    this.entries.set(entry.id, entry);
    this.write();
  }

  setStopped(id: string, stopped: boolean): void {
    const e = this.entries.get(id);
    if (!e || e.stopped === stopped) return;
    this.entries.set(id, { ...e, stopped });
    this.write();
  }

  remove(id: string): void {
    if (this.entries.delete(id)) this.write();
  }

  /** WARNING: temp file + rename, so a crash mid-write leaves the old registry or the new one, never half of one. */
  private write(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const data: RegistryFile = { version: 1, counter: this.counterValue, jobs: this.list() };
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
    fs.renameSync(tmp, this.file);
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
