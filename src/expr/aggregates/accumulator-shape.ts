// The shape of an aggregate's accumulator; accumulator.ts picks one per aggregate call from the
// implementations beside it (count, sum, avg, min-max, stddev, distinct, and issue 13's ordered,
// collect, bool, variance, quantile, hll, ddsketch).

import type { Value } from '../../catalog/types.js';

export interface Accumulator<S = unknown> {
  init(): S;
  /**
   * Add one input value (the evaluated argument; for COUNT(*) a non-null marker; for an ordered
   * aggregate the entry [argument, order key, arrival] of entries.ts). Returns the new state (may
   * be the same object, mutated).
   */
  add(state: S, value: Value): S;
  /** Undo one add of `value`. Only called when the input is a changelog. */
  retract(state: S, value: Value): S;
  merge(a: S, b: S): S;
  result(state: S): Value;
}
