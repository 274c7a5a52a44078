// Input history kept across sessions in ~/.sluice_history (SLUICE_HISTORY overrides the path):
// one JSON string per line so multi-line statements survive; the newest 1000 entries.

import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const MAX_ENTRIES = 1000;

export function historyPath(): string {
  return process.env['SLUICE_HISTORY'] ?? path.join(os.homedir(), '.sluice_history');
}

export class History {
  readonly entries: string[];
  private readonly file: string | undefined;

  constructor(file: string | undefined = historyPath()) {
    this.file = file;
    this.entries = file ? load(file) : [];
  }

  add(entry: string): void {
    const e = entry.trim();
    if (e === '' || this.entries[this.entries.length - 1] === e) return;
    this.entries.push(e);
    if (!this.file) return;
    try {
      if (this.entries.length > MAX_ENTRIES * 1.2) {
        this.entries.splice(0, this.entries.length - MAX_ENTRIES);
        writeFileSync(this.file, this.entries.map((x) => JSON.stringify(x)).join('\n') + '\n');
      } else {
        appendFileSync(this.file, JSON.stringify(e) + '\n');
      }
    } catch {
      // A read-only home directory must not break the REPL; history then lasts one session.
    }
  }

  /** Ctrl-R: the newest entry containing `query`, searching back from index `before`. */
  search(query: string, before = this.entries.length): { index: number; entry: string } | undefined {
    for (let i = Math.min(before, this.entries.length) - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (e.toLowerCase().includes(query.toLowerCase())) return { index: i, entry: e };
    }
    return undefined;
  }
}

function load(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const v: unknown = JSON.parse(line);
      if (typeof v === 'string') out.push(v);
    } catch {
      out.push(line);
    }
  }
  return out.slice(-MAX_ENTRIES);
}
