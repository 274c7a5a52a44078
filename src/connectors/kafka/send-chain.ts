// The order of a Kafka writer's work: sends (and, for the exactly-once sink, commits) run one
// after another in the order they were added; the first failure stops the rest and is kept for
// the writer to report. relieve() is the writer's backpressure: it waits only while more than
// `max` sends are outstanding, so the engine keeps computing while earlier output is on its way.

/** Sends queued or under way past which a writer's relieve() waits: enough to hide the broker's round trips. */
export const MAX_SENDS = 8;

export class SendChain {
  private tail: Promise<void> = Promise.resolve();
  /** Counted steps not yet finished, oldest first (steps finish in order). */
  private readonly outstanding: Array<Promise<void>> = [];
  error: unknown;

  /** Runs `f` after every earlier step; `counted` steps are what relieve() bounds. */
  add(f: () => Promise<void>, counted = true): Promise<void> {
    const step = this.tail.then(async () => {
      if (this.error !== undefined) return;
      try {
        await f();
      } catch (e) {
        this.error = e;
      }
    });
    this.tail = step;
    if (counted) {
      this.outstanding.push(step);
      void step.then(() => this.outstanding.shift());
    }
    return step;
  }

  /** Waits until at most `max` counted steps are outstanding. */
  async relieve(max: number): Promise<void> {
    while (this.outstanding.length > max) await this.outstanding[0];
  }

  /** Every step added so far, finished. */
  get done(): Promise<void> {
    return this.tail;
  }

  /** Counted steps not yet finished. */
  get pending(): number {
    return this.outstanding.length;
  }

  /** Throws the first failure as `what: its message`, for the writer to report. */
  check(what: string): void {
    const e = this.error;
    if (e !== undefined) throw new Error(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
