// Rows of an ordered aggregate as entries [value, order key, arrival] (see AggCall.orderBy), their
// order, and a bag of them that retracts exactly: the ordered and collecting aggregates
// (ordered.ts, collect.ts) keep one when they need more than their best row.

import type { SqlType, Value } from '../../catalog/types.js';
import { comparatorFor, valuesEqual } from '../values.js';

/** [the aggregated value, the order key (event time, or ARG_MIN's y), the arrival number]. */
export type Entry = [Value, Value, number];

/** Orders entries by key ascending, NULL keys last (DuckDB's default), then by arrival. */
export function entryOrder(keyType: SqlType): (a: Entry, b: Entry) => number {
  const cmp = comparatorFor(keyType);
  return (a, b) => {
    const x = a[1];
    const y = b[1];
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      const c = cmp(x, y);
      if (c !== 0) return c;
    }
    return a[2] - b[2];
  };
}

export interface BagState {
  e: Entry[];
}

/**
 * Removes the entry a retraction undoes: the latest-arrived one with the same value and key
 * (a retraction carries a fresh arrival number, so arrival cannot match it).
 */
export function bagRetract(st: BagState, t: Entry): BagState {
  let at = -1;
  for (let i = 0; i < st.e.length; i++) {
    const e = st.e[i]!;
    if (same(e[0], t[0]) && same(e[1], t[1]) && (at < 0 || e[2] > st.e[at]![2])) at = i;
  }
  if (at >= 0) st.e.splice(at, 1);
  return st;
}

function same(a: Value, b: Value): boolean {
  return a === null || b === null ? a === b : valuesEqual(a, b);
}

/** The entries in order (a sorted copy). */
export function sortedEntries(st: BagState, order: (a: Entry, b: Entry) => number): Entry[] {
  return [...st.e].sort(order);
}
