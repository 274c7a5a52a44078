// The example jobs of queries/: which exist, which must be rejected (`-- fail: <substring>` on
// the first line), and their golden plan files.

import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export const QUERIES_DIR = path.resolve('queries');
export const GOLDEN_DIR = path.resolve('test/golden/plans');

export interface ExampleQuery {
  readonly name: string;
  readonly file: string;
  /** Set for jobs that must be rejected: a substring of the expected error. */
  readonly fail: string | undefined;
}

export function exampleQueries(): ExampleQuery[] {
  return readdirSync(QUERIES_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => {
      const file = path.join(QUERIES_DIR, f);
      const first = readFileSync(file, 'utf8').split('\n')[0] ?? '';
      const m = /^--\s*fail:\s*(.+)$/.exec(first);
      return { name: f.replace(/\.sql$/, ''), file, fail: m ? m[1]!.trim() : undefined };
    });
}

export function goldenPath(name: string): string {
  return path.join(GOLDEN_DIR, `${name}.plan.txt`);
}
