// Under a state budget, gives the JS heap's unused memory back to the system when the process's
// resident memory passes a ceiling (the budget plus RSS_ALLOWANCE).
//
// Node 24's V8 keeps the pages a garbage collection frees in a page pool, resident, for reuse,
// and returns them only after a memory-reducing collection (a last-resort GC, memory pressure, or
// the memory reducer, which waits for an idle heap and never runs in a busy job). A job's live
// heap is small (its state sits in typed arrays), but bursts of short-lived objects that outlive
// a scavenge (a batch in flight, a spill, a window close) leave the heap's high-water mark
// resident: bench:state's open shape at a 64 MB budget held 30-50 MB of pooled pages next to
// 35-45 MB of heap in use. A memory-reducing collection takes 20-60 ms on such a heap, so one
// runs only past the ceiling, when what it would give back is worth it, and never more than a
// tenth of the time. What DuckDB holds is not V8's to give back (cli/heap-cap.ts makes DuckDB's
// allocator return its freed pages at once).

import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { MIN_STATE_MEMORY } from './budget.js';

const MB = 2 ** 20;
/** Resident memory a budgeted job may hold past its budget before the heap's unused memory is released. */
export const RSS_ALLOWANCE = 128 * MB;
/** Memory worth a collection that gives it back. */
const WORTH_RELEASING = 8 * MB;
/** Between two looks at resident memory and the pool (reading /proc/self/smaps takes about a millisecond). */
const PROBE_EVERY_MS = 50;
/**
 * A release that took d ms allows the next one QUIET * d ms after it began: one that gave back
 * WORTH_RELEASING or more after ten times its duration, one that gave back less after forty.
 * bench:state's skewed shape (keyed state, objects in the JS heap) at 64 MB collected 112 times
 * in a 36 s run at three and twenty (9.6 s of it), 26 times at ten and forty (2.4 s; 23.5 s in
 * all without releases, peak RSS 304 MB instead of 256).
 */
const QUIET_GAVE = 10;
const QUIET_IDLE = 40;
/** V8's page size: without pointer compression (Node's build) each page is a mapping of its own. */
const V8_PAGE = 256 * 1024;

type Gc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

let gcFunction: Gc | null | undefined;

/** V8's gc(), exposed at run time when node was not started with --expose-gc; null when unavailable. */
function gc(): Gc | null {
  if (gcFunction !== undefined) return gcFunction;
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return (gcFunction = exposed as Gc);
  try {
    v8.setFlagsFromString('--expose-gc');
    // A context created after the flag is set has gc() on its global.
    const fn = vm.runInNewContext('gc') as unknown;
    gcFunction = typeof fn === 'function' ? (fn as Gc) : null;
  } catch {
    gcFunction = null;
  }
  return gcFunction;
}

/**
 * Resident bytes V8 holds in pages it does not use: resident anonymous 256 KB mappings (V8's
 * pages) in `smaps` (the text of /proc/self/smaps) past the heap's `physical` size (what its
 * spaces hold). Undefined without smaps (not Linux).
 */
export function pooledBytes(smaps: string | undefined, physical: number): number | undefined {
  if (smaps === undefined) return undefined;
  let resident = 0;
  let page = false;
  for (let at = 0; at < smaps.length; ) {
    let end = smaps.indexOf('\n', at);
    if (end < 0) end = smaps.length;
    const line = smaps.slice(at, end);
    at = end + 1;
    const dash = line.indexOf('-');
    const space = line.indexOf(' ');
    if (dash > 0 && space > dash && /^[0-9a-f]+$/.test(line.slice(0, dash))) {
      // A mapping's head, "start-end perms offset dev inode [name]": V8's pages have no name.
      const size = parseInt(line.slice(dash + 1, space), 16) - parseInt(line.slice(0, dash), 16);
      page = size === V8_PAGE && line.trimEnd().split(/\s+/).length === 5;
    } else if (page && line.startsWith('Rss:')) resident += Number(/\d+/.exec(line)?.[0] ?? 0) * 1024;
  }
  return Math.max(0, resident - physical);
}

/** This process's pooled V8 bytes (pooledBytes), or undefined where /proc/self/smaps is not there. */
export function processPooledBytes(): number | undefined {
  return pooledBytes(readSmaps(), v8.getHeapStatistics().total_physical_size);
}

function readSmaps(): string | undefined {
  try {
    return fs.readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return undefined;
  }
}

/** The JS heap: bytes in use (live, and garbage not yet collected) and committed. */
export interface HeapSize {
  readonly used: number;
  readonly committed: number;
}

function heapSize(): HeapSize {
  const h = v8.getHeapStatistics();
  return { used: h.used_heap_size, committed: h.total_heap_size };
}

/** What HeapRelease reads and does; tests pass their own. */
export interface HeapProbe {
  /** The process's resident bytes. */
  rss(): number;
  /** V8's pooled bytes (pooledBytes), or undefined where they cannot be read: then nothing is released. */
  pooled(): number | undefined;
  heap(): HeapSize;
  /** A memory-reducing collection; false when none can be run. */
  collect(): boolean;
}

const PROCESS_PROBE: HeapProbe = {
  rss: () => process.memoryUsage.rss(),
  pooled: processPooledBytes,
  heap: heapSize,
  collect: () => {
    const f = gc();
    if (f === null) return false;
    f({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    return true;
  },
};

export class HeapRelease {
  /** When resident memory was last looked at (ms, performance.now()). */
  private probed = -Infinity;
  /** No release before this time (ms). */
  private quietUntil = -Infinity;
  /** Heap in use right after the last release, or at the start: what a collection leaves. */
  private live: number;
  /** Releases done, and the time they took (ms), for benchmarks and tests. */
  releases = 0;
  releaseMs = 0;

  /** `ceiling`: resident bytes past which the heap's unused memory is released. */
  constructor(
    readonly ceiling: number,
    private readonly probe: HeapProbe = PROCESS_PROBE,
  ) {
    this.live = probe.heap().used;
  }

  /** The release for a state budget of `bytes` (tests' budgets below the smallest accepted count as it). */
  static forBudget(bytes: number): HeapRelease {
    return new HeapRelease(Math.max(bytes, MIN_STATE_MEMORY) + RSS_ALLOWANCE);
  }

  /**
   * At most every PROBE_EVERY_MS and past the ceiling: a memory-reducing collection when what it
   * would give back is worth it: V8's pooled pages, the committed heap not in use, and the heap
   * in use past what the last collection left (garbage not yet collected). Returns true when it
   * collected. Runs between batches and between the chunks of a window close.
   */
  check(now = performance.now()): boolean {
    // Resident memory is read only every PROBE_EVERY_MS too: this runs per batch.
    if (now - this.probed < PROBE_EVERY_MS || now < this.quietUntil) return false;
    this.probed = now;
    if (this.probe.rss() <= this.ceiling) return false;
    const pooled = this.probe.pooled();
    if (pooled === undefined) {
      // No /proc/self/smaps (not Linux): nothing to measure, so no more looks.
      this.quietUntil = Number.POSITIVE_INFINITY;
      return false;
    }
    const { used, committed } = this.probe.heap();
    if (pooled + (committed - used) + Math.max(0, used - this.live) < WORTH_RELEASING) return false;
    const start = performance.now();
    const before = this.probe.rss();
    if (!this.probe.collect()) {
      this.quietUntil = Number.POSITIVE_INFINITY;
      return false;
    }
    const gave = before - this.probe.rss();
    const took = performance.now() - start;
    this.quietUntil = now + took * (gave >= WORTH_RELEASING ? QUIET_GAVE : QUIET_IDLE);
    this.releaseMs += took;
    this.live = this.probe.heap().used;
    this.releases++;
    return true;
  }
}
