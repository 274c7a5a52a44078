// The accumulator of every aggregate call, picked from the implementations beside it (the
// interface, init/add/retract/merge/result, is accumulator-shape.ts). A call with an order key
// or arrival order (AggCall.orderBy/arrival) gets entries [arg, key, arrival] (entries.ts).
// States must be mergeable (spilled partial aggregates are merged back) and serialisable as
// JSON values (use stateReplacer/stateReviver: DOUBLE states may hold NaN or an infinity).

import type { AggCall } from '../bound.js';
import type { Accumulator } from './accumulator-shape.js';
import { avgFloat, avgInt } from './avg.js';
import { count, countStar } from './count.js';
import { distinct } from './distinct.js';
import { extreme, extremeMultiset } from './min-max.js';
import { stddev } from './stddev.js';
import { sumFloat, sumInt } from './sum.js';
import { boolAnd, boolOr } from './bool.js';
import { stddevPop, varPop, varSamp } from './variance.js';
import { ordered } from './ordered.js';
import { arrayAgg, stringAgg } from './collect.js';
import { quantileCont } from './quantile.js';
import { approxCountDistinct } from './hll.js';
import { approxQuantile } from './ddsketch.js';

export { AGGREGATE_NAMES, aggregateFn, aggregateResultType } from './types.js';

export type { Accumulator } from './accumulator-shape.js';

/**
 * The accumulator for an aggregate call. `retractable` is true when the input carries
 * retractions (MIN/MAX then keep a multiset of values).
 */
export function createAccumulator(call: AggCall, retractable: boolean): Accumulator {
  const argType = call.arg?.type ?? { kind: 'null' };
  const isDouble = argType.kind === 'double';
  const orderType = call.orderBy?.type ?? { kind: 'null' };
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
    case 'first_value':
    case 'last_value':
    case 'latest_by_offset':
    case 'arg_min':
    case 'arg_max':
      // DISTINCT does not change them (the binder refuses it: their argument is a tuple).
      return ordered(call.fn, orderType, retractable, call.tieByValue ? argType : undefined) as Accumulator;
    case 'string_agg':
      return stringAgg(orderType, typeof call.param === 'string' ? call.param : ',') as Accumulator;
    case 'array_agg':
      return arrayAgg(orderType, argType) as Accumulator;
    case 'approx_count_distinct':
      // Already distinct: DISTINCT is refused by the binder.
      return approxCountDistinct(argType) as Accumulator;
    case 'bool_and':
      base = boolAnd as Accumulator;
      break;
    case 'bool_or':
      base = boolOr as Accumulator;
      break;
    case 'var_pop':
      base = varPop as Accumulator;
      break;
    case 'var_samp':
      base = varSamp as Accumulator;
      break;
    case 'stddev_pop':
      base = stddevPop as Accumulator;
      break;
    case 'median':
      base = quantileCont(0.5) as Accumulator;
      break;
    case 'quantile_cont':
      base = quantileCont(call.param as number, call.descending === true) as Accumulator;
      break;
    case 'approx_quantile':
      base = approxQuantile(call.param as number) as Accumulator;
      break;
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
