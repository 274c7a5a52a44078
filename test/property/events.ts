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

/**
 * Event times that mostly advance, jitter backwards within `delay`, and sometimes jump far back
 * (late). `ties`: fewer keys and mostly zero steps, so a key often has several rows at one event
 * time, spread over batches (what tests of arrival order across spills need).
 */
export const eventsArb = (delayMs: number, ties = false, minLength = ties ? 10 : 0) =>
  fc
    .array(
      fc.record({
        k: ties ? fc.constantFrom('a', 'b', null) : fc.constantFrom('a', 'b', 'c', 'd', null),
        v: fc.option(fc.integer({ min: -50, max: 100 }), { freq: 6 }),
        d: fc.option(fc.double({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }), { freq: 6 }),
        // Round steps and jitters put event times and watermarks exactly on window bounds.
        step: ties ? fc.constantFrom(0, 0, 0, 250, 1000) : fc.oneof({ arbitrary: fc.constantFrom(0, 250, 500, 1000), weight: 6 }, { arbitrary: fc.integer({ min: 0, max: 1500 }), weight: 1 }),
        jitter: (ties ? fc.constantFrom(0, 0, 0, delayMs) : fc.oneof({ arbitrary: fc.constantFrom(0, 250, delayMs), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: Math.max(0, delayMs) }), weight: 1 })).map((j) => Math.min(j, delayMs)),
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
        const e = { k: r.k, v: r.v, d: r.d, ms: BASE_MS + ms };
        out.push(e);
        if (r.dup === 0) out.push(e);
      }
      return out;
    });
