// The fault suite's common ground: which broker it owns (never the tests' shared one, since it
// kills it), temp dirs and processes that are cleaned up even when a scenario fails or times out,
// and the record of each scenario (what it tried, what it found, pass or fail) that
// test/faults/run.ts prints as the closing table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The suite's own broker: SLUICE_FAULTS_KAFKA_PORT (default 9392), controller on the next port. */
export const KAFKA_PORT = Number(process.env['SLUICE_FAULTS_KAFKA_PORT'] ?? 9392);
export const BOOTSTRAP = `127.0.0.1:${KAFKA_PORT}`;
// Everything this process starts (sluice jobs, kafka-up.sh, the test helpers' clients) uses it.
process.env['SLUICE_KAFKA_PORT'] = String(KAFKA_PORT);
process.env['SLUICE_KAFKA_CONTROLLER_PORT'] = String(KAFKA_PORT + 1);
process.env['SLUICE_BROKERS'] = BOOTSTRAP;
// kafka-up.sh's readiness check runs `node`: this one (the machine's default may be too old).
process.env['PATH'] = `${path.dirname(process.execPath)}${path.delimiter}${process.env['PATH'] ?? ''}`;

export const BIN = path.resolve('bin/sluice.js');

// What must be undone however the scenario ends: run at process exit too (a timed-out test's
// finally blocks may never run), synchronously.
const cleanups = new Map<number, () => void>();
let nextCleanup = 0;

/** Registers an undo step; returns its remover (call it once the step has run normally). */
export function onCleanup(fn: () => void): () => void {
  const id = nextCleanup++;
  cleanups.set(id, fn);
  return () => cleanups.delete(id);
}

export function cleanupAll(): void {
  // Newest first: a job is killed before its directory is removed, a mount unmounted before its dir.
  for (const [id, fn] of [...cleanups].reverse()) {
    cleanups.delete(id);
    try {
      fn();
    } catch {
      // Cleanup is best effort: one failure must not keep the others from running.
    }
  }
}
process.on('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    cleanupAll();
    process.exit(130);
  });
}

/** A temp dir removed at cleanup. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `sluice-fault-${prefix}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Finding {
  readonly scenario: string;
  readonly tried: string;
  readonly found: string;
  readonly pass: boolean | 'skip';
}

/** Prints a scenario's outcome and appends it to $SLUICE_FAULTS_REPORT (the runner's table). */
export function record(f: Finding): void {
  const verdict = f.pass === 'skip' ? 'SKIP' : f.pass ? 'PASS' : 'FAIL';
  console.log(`\n[fault] ${f.scenario}: ${verdict}\n  tried: ${f.tried}\n  found: ${f.found}\n`);
  const file = process.env['SLUICE_FAULTS_REPORT'];
  if (file) appendFileSync(file, JSON.stringify(f) + '\n');
}

/** A progress line while a scenario runs (the suite is long; silence looks like a hang). */
export function say(text: string): void {
  console.log(`  · ${new Date().toISOString().slice(11, 19)} ${text}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns true or `ms` pass; true when it did. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number, everyMs = 100): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
}

/** A seeded PRNG (the seed is printed, SLUICE_FAULTS_SEED replays it). */
export function seeded(): { seed: number; next: () => number } {
  const seed = Number(process.env['SLUICE_FAULTS_SEED'] ?? Date.now() % 100_000);
  let s = seed;
  return { seed, next: () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 };
}

export interface Outcome {
  /** What was done, in order. */
  readonly tried: string;
  /** What came of it (exits, error texts, counts, RSS). */
  readonly found: string;
  /** What is wrong with it; none: the scenario passes. */
  readonly problems: readonly string[];
  /** Why it could not run here (then it is skipped, not failed). */
  readonly skipped?: string;
}

/**
 * One scenario as a node:test test: records its outcome for the closing table (a FAIL row also
 * when the scenario itself throws or overruns `ms`), then fails the test on any problem.
 */
export function scenario(name: string, ms: number, run: () => Promise<Outcome>): void {
  test(name, { timeout: ms + 30_000 }, async () => {
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the scenario did not finish within ${ms / 1000} s`)), ms);
    });
    let o: Outcome;
    try {
      o = await Promise.race([run(), overrun]);
    } catch (e) {
      record({ scenario: name, tried: '(did not complete)', found: `the scenario failed: ${e instanceof Error ? e.message : String(e)}`, pass: false });
      throw e;
    } finally {
      clearTimeout(timer);
      cleanupAll();
    }
    if (o.skipped !== undefined) {
      record({ scenario: name, tried: o.tried, found: `skipped: ${o.skipped}`, pass: 'skip' });
      return;
    }
    record({ scenario: name, tried: o.tried, found: [o.found, ...o.problems].filter((p) => p !== '').join('; '), pass: o.problems.length === 0 });
    assert.deepEqual(o.problems, []);
  });
}
