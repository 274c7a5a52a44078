// The rates in and out of a served job: one computation for every place that shows them (GET
// /api/jobs, the `status` events of /api/jobs/:id/events). Totals are sampled once a second;
// a rate is the growth from the oldest sample kept (at most WINDOW_MS old) to the totals now,
// so output that comes in bursts (a window closing every few seconds) reads as its average
// instead of alternating between 0 and a peak, and the first second of a run already has one.

/** How far back a rate looks. */
export const RATE_WINDOW_MS = 5000;

interface Sample {
  readonly at: number;
  readonly rowsIn: number;
  readonly rowsOut: number;
}

export class RateMeter {
  private samples: Sample[] = [];

  /**
   * Starts over from these totals (a run whose counters are now in place: a restored run's
   * counters come from its checkpoint, and they are not growth).
   */
  reset(now: number, rowsIn: number, rowsOut: number): void {
    this.samples = [{ at: now, rowsIn, rowsOut }];
  }

  get started(): boolean {
    return this.samples.length > 0;
  }

  /** Keeps the totals at `now` and forgets samples the window no longer needs. */
  sample(now: number, rowsIn: number, rowsOut: number): void {
    if (this.samples.length === 0) return;
    this.samples.push({ at: now, rowsIn, rowsOut });
    // Keep the newest sample at least RATE_WINDOW_MS old, so the window is always full once a run is that old.
    while (this.samples.length > 2 && this.samples[1]!.at <= now - RATE_WINDOW_MS) this.samples.shift();
  }

  /** Rows per second in and out from the oldest sample kept to the totals at `now` (0 before the first sample), to one decimal. */
  rates(now: number, rowsIn: number, rowsOut: number): { rateIn: number; rateOut: number } {
    const first = this.samples[0];
    const secs = first === undefined ? 0 : (now - first.at) / 1000;
    if (first === undefined || secs <= 0) return { rateIn: 0, rateOut: 0 };
    const round = (x: number): number => Math.round(Math.max(0, x) * 10) / 10;
    return { rateIn: round((rowsIn - first.rowsIn) / secs), rateOut: round((rowsOut - first.rowsOut) / secs) };
  }
}
