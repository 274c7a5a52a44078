// The aggregates whose result is one row's value: FIRST_VALUE/LAST_VALUE (first/last by event
// time), LATEST_BY_OFFSET (last by arrival, NULLs skipped), ARG_MIN/ARG_MAX (x at the smallest/
// largest y; rows with a NULL x or y skipped). Ties go to the earliest arrival, except that
// LAST_VALUE takes the latest (it is FIRST_VALUE's order reversed). Append-only input keeps the
// best entry; a changelog input keeps every entry (entries.ts) so a retracted best is replaced,
// and ARG_MIN/ARG_MAX then break ties by the smaller value (AggCall.tieByValue).

import type { SqlType, Value } from '../../catalog/types.js';
import type { AggFn } from '../bound.js';
import { comparatorFor } from '../values.js';
import type { Accumulator } from './accumulator-shape.js';
import { bagRetract, entryOrder, type BagState, type Entry } from './entries.js';

export type OrderedFn = Extract<AggFn, 'first_value' | 'last_value' | 'latest_by_offset' | 'arg_min' | 'arg_max'>;

export interface BestState {
  b: Entry | null;
}

/** Negative when `a` beats `b`. */
function rank(fn: OrderedFn, keyType: SqlType, valueTies: SqlType | undefined): (a: Entry, b: Entry) => number {
  const order = entryOrder(keyType);
  if (valueTies !== undefined && (fn === 'arg_min' || fn === 'arg_max')) {
    // Over a changelog: y, then the smaller x (arrival is not kept across a retraction).
    const cy = comparatorFor(keyType);
    const cx = comparatorFor(valueTies);
    const sign = fn === 'arg_min' ? 1 : -1;
    return (a, b) => sign * cy(a[1]!, b[1]!) || cx(a[0]!, b[0]!) || a[2] - b[2];
  }
  switch (fn) {
    case 'first_value':
    case 'arg_min':
      return order;
    case 'last_value':
      return (a, b) => order(b, a);
    case 'latest_by_offset':
      return (a, b) => b[2] - a[2];
    case 'arg_max': {
      // y descending (never NULL: skipped), ties by earliest arrival.
      const cmp = comparatorFor(keyType);
      return (a, b) => cmp(b[1]!, a[1]!) || a[2] - b[2];
    }
  }
}

function skips(fn: OrderedFn): (e: Entry) => boolean {
  switch (fn) {
    case 'first_value':
    case 'last_value':
      return () => false;
    case 'latest_by_offset':
      return (e) => e[0] === null;
    case 'arg_min':
    case 'arg_max':
      return (e) => e[0] === null || e[1] === null;
  }
}

/** `valueTies`: the argument's type when ARG_MIN/ARG_MAX break ties by value (AggCall.tieByValue). */
export function ordered(fn: OrderedFn, keyType: SqlType, retractable: boolean, valueTies?: SqlType): Accumulator<BestState> | Accumulator<BagState> {
  const better = rank(fn, keyType, valueTies);
  const skip = skips(fn);
  if (!retractable) {
    const best: Accumulator<BestState> = {
      init: () => ({ b: null }),
      add: (st, v) => {
        const e = v as unknown as Entry;
        if (!skip(e) && (st.b === null || better(e, st.b) < 0)) st.b = e;
        return st;
      },
      retract: () => {
        throw new Error(`${fn.toUpperCase()} over a changelog needs the retractable accumulator`);
      },
      merge: (a, b) => (a.b === null ? { b: b.b } : b.b === null || better(a.b, b.b) <= 0 ? { b: a.b } : { b: b.b }),
      result: (st) => (st.b === null ? null : st.b[0]),
    };
    return best;
  }
  const bag: Accumulator<BagState> = {
    init: () => ({ e: [] }),
    add: (st, v) => {
      const e = v as unknown as Entry;
      if (!skip(e)) st.e.push(e);
      return st;
    },
    retract: (st, v) => {
      const e = v as unknown as Entry;
      return skip(e) ? st : bagRetract(st, e);
    },
    merge: (a, b) => ({ e: [...a.e, ...b.e] }),
    result: (st) => {
      let b: Entry | null = null;
      for (const e of st.e) if (b === null || better(e, b) < 0) b = e;
      return b === null ? null : (b[0] as Value);
    },
  };
  return bag;
}
