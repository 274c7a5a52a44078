// The V8 heap cap for a job with a state budget (`--state-memory`, `SET state_memory`). V8 lets
// garbage grow the heap far past live state unless its old space is capped, and the cap is a
// start-up flag: `sluice run` re-executes itself once with a cap derived from the budget, unless
// the user set one (--max-old-space-size in NODE_OPTIONS or on node's command line).

import { spawn } from 'node:child_process';
import { HEAP_SHARE } from '../state/budget.js';

/** Set in the re-executed process, so it does not re-execute again. */
const CAPPED = 'SLUICE_HEAP_CAPPED';
/** Old-space room past live state in the JS heap: the engine, batches in flight, garbage between collections. */
const HEADROOM_MB = 112;
/**
 * A small young generation (V8's default semi-space grows to 16-32 MB, three of them): with
 * bench:state's 256 MB budget it took peak RSS from ~690 MB (old space 288 MB, default young
 * generation) to ~530 MB together with the lower old-space cap.
 */
const SEMI_SPACE_MB = 8;

/**
 * Allocator settings for a budgeted job (read only at start-up; the user's environment wins).
 * glibc malloc: two arenas instead of one per thread: DuckDB's and libuv's threads otherwise keep
 * freed native memory in arenas of their own. A fixed mmap threshold: glibc otherwise raises it to
 * the size of each large block freed, so the columnar segments' typed arrays, once freed by a
 * spill, came back from the heap and stayed there; with a trim threshold, bench:state's open shape
 * at 256 MB peaked at ~350 MB instead of ~390.
 * DuckDB's own jemalloc (DUCKDB_JE_MALLOC_CONF): freed pages go back to the system at once instead
 * of after a decay time. It held 20-50 MB of freed pages past its buffer pool in bench:state's
 * open shape at 64 MB; with this, peak RSS 204-207 MB instead of 222-250 (with the V8 page release,
 * state/heap-release.ts), for about 0.6 CPU s more of madvise and page faults.
 */
export const MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '4194304',
  DUCKDB_JE_MALLOC_CONF: 'dirty_decay_ms:0,muzzy_decay_ms:0',
};

/** The derived --max-old-space-size in MB for a state budget of `bytes` (its JS share plus headroom). */
export function heapCapMB(bytes: number): number {
  return Math.round((bytes * HEAP_SHARE) / 2 ** 20) + HEADROOM_MB;
}

/**
 * The node flags for a state budget of `bytes`. Without allocation-site pretenuring: V8 otherwise
 * learns to allocate a batch's rows and a spill's and a close's short-lived objects straight in
 * old space (it saw them outlive a scavenge), where only a full collection frees them; bench:state's
 * open shape at 64 MB then ran a mark-compact every 15-100 ms with the heap swinging between 15
 * and 84 MB committed, and V8 keeps that high-water mark resident (state/heap-release.ts). Without
 * it: 17 mark-compacts instead of ~40, 33-43 MB committed, and ~0.3 CPU s less.
 */
export function heapFlags(bytes: number): string[] {
  return [`--max-old-space-size=${heapCapMB(bytes)}`, `--max-semi-space-size=${SEMI_SPACE_MB}`, '--no-allocation-site-pretenuring'];
}

/** True when the user already chose the heap size, or this process is the re-executed one. */
function userChoseHeap(): boolean {
  if (process.env[CAPPED] !== undefined) return true;
  const flags = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  return flags.some((f) => /^--max[-_]old[-_]space[-_]size/.test(f));
}

/**
 * Under a state budget, runs this same command again in a child node with the derived heap cap
 * and resolves to its exit code; undefined when the current process should run the job itself.
 * The child shares the terminal (Ctrl-C reaches it directly); SIGTERM is passed on, and the
 * child exits when its parent disappears (a SIGKILLed parent cannot pass anything on).
 */
export function reexecWithHeapCap(bytes: number | undefined): Promise<number> | undefined {
  if (bytes === undefined || !Number.isFinite(bytes) || userChoseHeap()) return undefined;
  const args = [...process.execArgv, ...heapFlags(bytes), ...process.argv.slice(1)];
  const env = { ...MALLOC_ENV, ...process.env, [CAPPED]: String(process.pid) };
  const child = spawn(process.execPath, args, { stdio: 'inherit', env });
  // Ctrl-C goes to the whole process group: the child stops cleanly; the parent just waits for it.
  const ignore = (): void => {};
  const forward = (): void => void child.kill('SIGTERM');
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  return new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
    child.on('error', (e) => {
      process.stderr.write(`sluice: cannot restart with a heap cap (${e.message}); running without one\n`);
      resolve(2);
    });
  });
}

/** In the re-executed child: exit when the parent that started it is gone (it was SIGKILLed). */
export function exitWithParent(): void {
  const parent = process.env[CAPPED];
  if (parent === undefined || Number(parent) !== process.ppid) return;
  const timer = setInterval(() => {
    if (process.ppid !== Number(parent)) process.kill(process.pid, 'SIGKILL');
  }, 250);
  timer.unref();
}
