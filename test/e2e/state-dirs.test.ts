// Tests never share the README demo's state: a `sluice run` of a job in queries/ writes its
// checkpoints to queries/.sluice/<job> unless given --state-dir, so after `npm test` the
// README's `npx sluice run queries/demo.sql` would resume (or refuse) a test's state. This scans
// every test source for runs of queries/ jobs through the CLI or runCommand and requires a
// temporary state directory in each.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** A job of the repository's queries/ named in the text (a literal path or the helpers' QUERIES_DIR / exampleQueries). */
const QUERIES_JOB = /queries\/|QUERIES_DIR|exampleQueries|\bq\.file\b/;

/** The runs of a job in `text` that name a queries/ job without --state-dir (or stateDir), as quoted lines. */
export function sharedStateRuns(text: string): string[] {
  const out: string[] = [];
  // CLI argv arrays holding 'run' (spawn, spawnSync, execFile, the tests' sluice() helpers).
  for (const m of text.matchAll(/\[[^[\]]*'run'[^[\]]*\]/g)) {
    if (QUERIES_JOB.test(m[0]) && !m[0].includes('--state-dir')) out.push(m[0]);
  }
  // In-process runs.
  for (const m of text.matchAll(/runCommand\([^;]*\)/g)) {
    if (QUERIES_JOB.test(m[0]) && !/stateDir/.test(m[0])) out.push(m[0]);
  }
  return out;
}

test('the scan finds a run of a queries/ job without --state-dir (as the demo test once was)', () => {
  assert.deepEqual(sharedStateRuns("spawn(process.execPath, [BIN, 'run', 'queries/demo.sql', '--format', 'jsonl'], {});"), ["[BIN, 'run', 'queries/demo.sql', '--format', 'jsonl']"]);
  assert.deepEqual(sharedStateRuns("sluice(['run', 'queries/demo.sql', '--state-dir', tmp()]);"), []);
  assert.deepEqual(sharedStateRuns("await runCommand(q.file, { format: 'jsonl' });"), ["runCommand(q.file, { format: 'jsonl' })"]);
  assert.deepEqual(sharedStateRuns("sluice(['run', 'job.sql'], dir);"), []);
});

test('no test runs a job of queries/ on the shared queries/.sluice state', () => {
  const found: string[] = [];
  for (const file of sources(path.resolve('test')).filter((f) => !f.endsWith(path.join('e2e', 'state-dirs.test.ts')))) {
    for (const run of sharedStateRuns(readFileSync(file, 'utf8'))) found.push(`${path.relative(process.cwd(), file)}: ${run}`);
  }
  assert.deepEqual(found, [], 'pass a temporary --state-dir (or stateDir) to these runs');
});
