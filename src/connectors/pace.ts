// A records-per-second limit for a reader: `take(n)` waits until n more records fit in the rate
// since the reader started. After a pause (no records for a second or more) the schedule starts
// over, so a quiet stretch is not paid back with a burst.

import { abortableSleep } from './sleep.js';

export class Pacer {
  private t0 = performance.now();
  private taken = 0;

  constructor(readonly perSecond: number) {}

  async take(n: number, signal: AbortSignal): Promise<void> {
    const now = performance.now();
    if (now - (this.t0 + (this.taken / this.perSecond) * 1000) > 1000) {
      this.t0 = now;
      this.taken = 0;
    }
    this.taken += n;
    const wait = this.t0 + (this.taken / this.perSecond) * 1000 - now;
    if (wait > 0) await abortableSleep(wait, signal);
  }
}
