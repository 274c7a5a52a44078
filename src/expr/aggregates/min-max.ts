// MIN and MAX. Append-only input keeps the running extreme; a changelog input keeps the
// multiset of values (key -> multiplicity) and rescans it when the current extreme leaves.

import type { SqlType, Value } from '../../catalog/types.js';
import { comparatorFor } from '../values.js';
import type { Accumulator } from './accumulator-shape.js';
import { valueCodec } from './value-codec.js';

export interface ExtremeState {
  v: Value;
}

export interface ExtremeMultisetState {
  /** The current extreme over values of positive multiplicity, or null. */
  cur: Value;
  /** Encoded value -> multiplicity; negative only in partial states holding retractions. */
  items: Record<string, number>;
}

export function extreme(fn: 'min' | 'max', type: SqlType): Accumulator<ExtremeState> {
  const cmp = comparatorFor(type);
  const sign = fn === 'max' ? 1 : -1;
  const add = (st: ExtremeState, v: Value): ExtremeState => {
    if (v !== null && (st.v === null || sign * cmp(v, st.v) > 0)) st.v = v;
    return st;
  };
  return {
    init: () => ({ v: null }),
    add,
    retract: () => {
      throw new Error(`${fn.toUpperCase()} over a changelog needs the retractable accumulator`);
    },
    merge: (a, b) => add({ v: a.v }, b.v),
    result: (st) => st.v,
  };
}

export function extremeMultiset(fn: 'min' | 'max', type: SqlType): Accumulator<ExtremeMultisetState> {
  const cmp = comparatorFor(type);
  const sign = fn === 'max' ? 1 : -1;
  const codec = valueCodec(type);
  const rescan = (st: ExtremeMultisetState): ExtremeMultisetState => {
    let best: Value = null;
    for (const k in st.items) {
      if ((st.items[k] ?? 0) <= 0) continue;
      const v = codec.value(k);
      if (best === null || sign * cmp(v, best) > 0) best = v;
    }
    st.cur = best;
    return st;
  };
  return {
    init: () => ({ cur: null, items: {} }),
    add: (st, v) => {
      if (v === null) return st;
      const k = codec.key(v);
      const c = (st.items[k] ?? 0) + 1;
      if (c === 0) delete st.items[k];
      else st.items[k] = c;
      if (c > 0 && (st.cur === null || sign * cmp(v, st.cur) > 0)) st.cur = v;
      return st;
    },
    retract: (st, v) => {
      if (v === null) return st;
      const k = codec.key(v);
      const c = (st.items[k] ?? 0) - 1;
      if (c === 0) delete st.items[k];
      else st.items[k] = c;
      if (c <= 0 && st.cur !== null && cmp(v, st.cur) === 0) rescan(st);
      return st;
    },
    merge: (a, b) => {
      const items: Record<string, number> = { ...a.items };
      for (const k in b.items) {
        const c = (items[k] ?? 0) + (b.items[k] ?? 0);
        if (c === 0) delete items[k];
        else items[k] = c;
      }
      return rescan({ cur: null, items });
    },
    result: (st) => st.cur,
  };
}
