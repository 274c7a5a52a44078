// The accumulator interface of every aggregate: init, add, retract, merge, result. States must
// be mergeable (spilled partial aggregates are merged back) and serialisable as JSON values.
// (Stub signatures: implemented by the expressions work.)

import type { Value } from '../../catalog/types.js';
import type { AggCall } from '../bound.js';

export interface Accumulator<S = unknown> {
  init(): S;
  /** Add one input value (the evaluated argument; for COUNT(*) a non-null marker). Returns the new state (may be the same object, mutated). */
  add(state: S, value: Value): S;
  /** Undo one add of `value`. Only called when the input is a changelog. */
  retract(state: S, value: Value): S;
  merge(a: S, b: S): S;
  result(state: S): Value;
}

/**
 * The accumulator for an aggregate call. `retractable` is true when the input carries
 * retractions (MIN/MAX then keep a multiset of values).
 */
export function createAccumulator(_call: AggCall, _retractable: boolean): Accumulator {
  throw new Error('not implemented');
}
