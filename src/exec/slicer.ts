// Keeps a job answering Ctrl-C and SIGTERM during long synchronous work. Signals reach JS only
// through the event loop, which a batch pushed through the graph holds until the push returns:
// a 100k-row batch into a HOP whose rows each update hundreds of panes held it for minutes, and
// neither the first Ctrl-C (stop cleanly) nor the second (exit at once) was ever seen. The runner
// pushes a segment's rows in slices sized to take about SLICE_MS each, yields to the event loop
// between slices once YIELD_MS have passed, and stops at a slice boundary once aborted.

/** Aim for slices of about this long. */
const SLICE_MS = 50;
/** Yield to the event loop (signals, timers, I/O) at least this often during a batch. */
const YIELD_MS = 100;
/**
 * Rows in the first slice: the default batch size, so ordinary jobs push whole batches (and the
 * changelogs they emit stay batched) unless a push is measured to be slow.
 */
const FIRST_SLICE = 4096;
/**
 * Never fewer rows: a push whose cost does not shrink with its rows (a fixed cost per batch)
 * would otherwise be cut down to one row per slice. 256 rows of a HOP at its 10,000-window
 * limit are ~2.5M window updates, well under a second.
 */
const MIN_SLICE = 256;

export class Slicer {
  private size = FIRST_SLICE;
  private lastYield = performance.now();

  /** How many rows the next push may take. */
  get rows(): number {
    return this.size;
  }

  /** A push of `n` rows took `ms`: shrink the slice when slow, grow it back when fast. */
  took(n: number, ms: number): void {
    if (ms > SLICE_MS) this.size = Math.max(MIN_SLICE, Math.floor((n * SLICE_MS) / ms));
    else if (ms < SLICE_MS / 4 && n >= this.size) this.size = Math.min(this.size * 2, Number.MAX_SAFE_INTEGER);
  }

  /** True when the event loop has waited YIELD_MS or more. */
  due(): boolean {
    return performance.now() - this.lastYield >= YIELD_MS;
  }

  /** Lets the event loop run once (setImmediate: after its poll phase, where signals arrive). */
  async pause(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
  }
}
