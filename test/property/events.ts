// Random input for the property tests: events whose times mostly advance, jitter backwards
// within the watermark delay, sometimes jump far back (late), repeat (duplicates) or tie.

import fc from 'fast-check';

const BASE_MS = Date.UTC(2024, 4, 20, 10, 0, 0);

export interface Event {
  readonly k: string | null;
  readonly v: number | null;
  readonly d: number | null;
  readonly ms: number;
  /** A table's changelog (temporal and lookup join tests): a tombstone, the deletion of its key. */
  readonly tomb?: boolean;
}

export interface EventsOptions {
  /**
   * Sub-millisecond times (the table-join test): each event time is moved, now and then, 1 µs,
   * half a millisecond, 999 µs or 1 ms either way off its round step, so times fall just
   * before, on and just after other rows' times and the watermarks derived from them. `ms` then
   * has a fraction of whole microseconds: read it with eventMicros. Off by default, so the other
   * property tests draw the same inputs from the same seeds.
   */
  readonly fine?: boolean;
}

/** How far `fine` moves an event time, in microseconds (mostly not at all). */
const NUDGES_US = [1, -1, 500, 999, -999, 1000, -1000];

/** An event's time in whole microseconds (what the source reads from `ms`). */
export const eventMicros = (e: Event): number => Math.round(e.ms * 1000);

/**
 * Event times that mostly advance, jitter backwards within `delay`, and sometimes jump far back
 * (late). `ties`: fewer keys and mostly zero steps, so a key often has several rows at one event
 * time, spread over batches (what tests of arrival order across spills need).
 */
export const eventsArb = (delayMs: number, ties = false, minLength = ties ? 10 : 0, options: EventsOptions = {}) =>
  fc
    .array(
      fc.record({
        // Only drawn with `fine`: without it the record, and so every seed's input, is unchanged.
        ...(options.fine ? { nudge: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.constantFrom(...NUDGES_US), weight: 2 }) } : {}),
        k: ties ? fc.constantFrom('a', 'b', null) : fc.constantFrom('a', 'b', 'c', 'd', null),
        v: fc.option(fc.integer({ min: -50, max: 100 }), { freq: 6 }),
        d: fc.option(fc.double({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }), { freq: 6 }),
        // Round steps and jitters put event times and watermarks exactly on window bounds.
        step: ties ? fc.constantFrom(0, 0, 0, 250, 1000) : fc.oneof({ arbitrary: fc.constantFrom(0, 250, 500, 1000), weight: 6 }, { arbitrary: fc.integer({ min: 0, max: 1500 }), weight: 1 }),
        jitter: (ties ? fc.constantFrom(0, 0, 0, delayMs) : fc.oneof({ arbitrary: fc.constantFrom(0, 250, delayMs), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: Math.max(0, Math.floor(delayMs)) }), weight: 1 })).map((j) => Math.min(j, delayMs)),
        late: fc.integer({ min: 0, max: 30 }),
        dup: fc.integer({ min: 0, max: 15 }),
      }),
      { minLength, maxLength: 120 },
    )
    .map((raw) => {
      const out: Event[] = [];
      let t = 0;
      for (const r of raw) {
        t += r.step;
        let ms = t - r.jitter;
        if (r.late === 0) ms -= 5000 + r.step * 3; // far behind the watermark
        // A fine time is whole microseconds (a fractional delay makes the jitter fractional too).
        const e = { k: r.k, v: r.v, d: r.d, ms: 'nudge' in r ? (Math.round((BASE_MS + ms) * 1000) + (r.nudge ?? 0)) / 1000 : BASE_MS + ms };
        out.push(e);
        if (r.dup === 0) out.push(e);
      }
      return out;
    });
