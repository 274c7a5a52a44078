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
  /** Set for jobs written ahead of the features they need (PENDING): the error they get today. */
  readonly pending: string | undefined;
}

/**
 * Jobs that do not plan yet because they need features being built on other branches, with
 * the diagnostic each gets today. Their test (test/golden/nexmark.test.ts) fails once they plan:
 * then take them out of this list, run `npm run golden:update`, and they are compared as the rest.
 */
export const PENDING: Readonly<Record<string, string>> = {
  // As in Flink (its Nexmark GUIDE lists q6 as not supported): an over-window on a changelog.
  'nexmark/q6': 'window functions need an append-only input, and this input is a changelog',
};

/** Folders of queries/ that hold example jobs too (named `<folder>/<file>`, goldens likewise). */
const SUBFOLDERS = ['nexmark'];

export function exampleQueries(): ExampleQuery[] {
  const files = readdirSync(QUERIES_DIR).filter((f) => f.endsWith('.sql'));
  for (const dir of SUBFOLDERS) files.push(...readdirSync(path.join(QUERIES_DIR, dir)).filter((f) => f.endsWith('.sql')).map((f) => `${dir}/${f}`));
  return files
    .sort()
    .map((f) => {
      const file = path.join(QUERIES_DIR, f);
      const first = readFileSync(file, 'utf8').split('\n')[0] ?? '';
      const m = /^--\s*fail:\s*(.+)$/.exec(first);
      const name = f.replace(/\.sql$/, '');
      return { name, file, fail: m ? m[1]!.trim() : undefined, pending: PENDING[name] };
    });
}

export function goldenPath(name: string): string {
  return path.join(GOLDEN_DIR, `${name}.plan.txt`);
}
