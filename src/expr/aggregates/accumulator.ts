// The accumulator of every aggregate call, picked from the implementations beside it (the
// interface, init/add/retract/merge/result, is accumulator-shape.ts). States must be mergeable
// (spilled partial aggregates are merged back) and serialisable as JSON values (use
// stateReplacer/stateReviver: DOUBLE states may hold NaN or an infinity).

import type { AggCall } from '../bound.js';
import type { Accumulator } from './accumulator-shape.js';
import { avgFloat, avgInt } from './avg.js';
import { count, countStar } from './count.js';
import { distinct } from './distinct.js';
import { extreme, extremeMultiset } from './min-max.js';
import { stddev } from './stddev.js';
import { sumFloat, sumInt } from './sum.js';

export { AGGREGATE_NAMES, aggregateFn, aggregateResultType } from './types.js';

export type { Accumulator } from './accumulator-shape.js';

/**
 * The accumulator for an aggregate call. `retractable` is true when the input carries
 * retractions (MIN/MAX then keep a multiset of values).
 */
export function createAccumulator(call: AggCall, retractable: boolean): Accumulator {
  const argType = call.arg?.type ?? { kind: 'null' };
  const isDouble = argType.kind === 'double';
  let base: Accumulator;
  switch (call.fn) {
    case 'count_star':
      return countStar as Accumulator;
    case 'count':
      base = count as Accumulator;
      break;
    case 'sum':
      base = (isDouble ? sumFloat : sumInt) as Accumulator;
      break;
    case 'avg':
      base = (isDouble ? avgFloat : avgInt) as Accumulator;
      break;
    case 'stddev':
      base = stddev as Accumulator;
      break;
    case 'min':
    case 'max':
      // DISTINCT does not change MIN or MAX.
      return (retractable ? extremeMultiset(call.fn, argType) : extreme(call.fn, argType)) as Accumulator;
  }
  return call.distinct ? (distinct(base, argType) as Accumulator) : base;
}

const NON_FINITE = '$num';

/** JSON.stringify replacer keeping NaN and the infinities (JSON would turn them into null). */
export function stateReplacer(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? { [NON_FINITE]: String(v) } : v;
}

/** JSON.parse reviver undoing stateReplacer. */
export function stateReviver(_key: string, v: unknown): unknown {
  if (typeof v === 'object' && v !== null && Object.keys(v).length === 1 && Object.hasOwn(v, NON_FINITE)) {
    return Number((v as Record<string, unknown>)[NON_FINITE]);
  }
  return v;
}
