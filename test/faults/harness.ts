// The fault suite's common ground: which broker it owns (never the tests' shared one, since it
// kills it), temp dirs and processes that are cleaned up even when a scenario fails or times out,
// and the record of each scenario (what it tried, what it found, pass or fail) that
// test/faults/run.ts prints as the closing table.

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
