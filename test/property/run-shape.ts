// What every scheduled property test (joins, unions, tables) draws besides its events: how
// many cases a CI run makes, the seed that reproduces a failure, source watermark delays, and
// the shape of a run (batch sizes, which input goes next, checkpoints, crashes, a 1-byte
// budget, the DuckDB checkpoint store).

import fc from 'fast-check';

/** SLUICE_PROPERTY_RUNS (default 200) divided by `divisor`, rounded up: this test's case count. */
export function propertyRuns(divisor: number): number {
  return Math.ceil(Number(process.env['SLUICE_PROPERTY_RUNS'] ?? 200) / divisor);
}

/** SLUICE_PROPERTY_SEED, for fast-check's options: reruns the failing case it names. */
export const SEED: { seed?: number } = process.env['SLUICE_PROPERTY_SEED'] ? { seed: Number(process.env['SLUICE_PROPERTY_SEED']) } : {};

/** A source's WATERMARK delay in ms: mostly round values, sometimes any up to 3 s. */
export const delayArb = fc.oneof({ arbitrary: fc.constantFrom(0, 500, 1000, 2000), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 3000 }), weight: 1 });

/** A run's shape; `maxTurn` bounds the input picked at each turn (more inputs, more choices). */
export function runShapeArb(maxTurn = 7) {
  return fc.record({
    sizes: fc.array(fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 25 })), { minLength: 1, maxLength: 5 }),
    turns: fc.array(fc.nat(maxTurn), { minLength: 1, maxLength: 12 }),
    checkpointEvery: fc.integer({ min: 1, max: 4 }),
    crashAt: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 3 }),
    budget: fc.boolean(),
    duckdbStore: fc.boolean(),
  });
}

export type RunShape = ReturnType<typeof runShapeArb> extends fc.Arbitrary<infer T> ? T : never;
