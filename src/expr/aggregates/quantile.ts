// MEDIAN(x) and QUANTILE_CONT(x, q): exact, so the state keeps every non-NULL value of the group
// (sorted when a result is asked for). Interpolates between the two values around position
// q * (n - 1), as DuckDB's quantile_cont. Merging concatenates; retraction removes one value.

import type { Accumulator } from './accumulator-shape.js';
import { compareDoubles } from '../values.js';

export interface ValuesState {
  v: number[];
}

/** `descending`: positions count from the largest value (WITHIN GROUP (ORDER BY x DESC)). */
export function quantileCont(q: number, descending = false): Accumulator<ValuesState> {
  const order = descending ? (a: number, b: number) => compareDoubles(b, a) : compareDoubles;
  return {
    init: () => ({ v: [] }),
    add: (st, v) => {
      if (v !== null) st.v.push(v as number);
      return st;
    },
    retract: (st, v) => {
      if (v === null) return st;
      const x = v as number;
      const at = x !== x ? st.v.findIndex((y) => y !== y) : st.v.indexOf(x);
      if (at >= 0) st.v.splice(at, 1);
      return st;
    },
    merge: (a, b) => ({ v: [...a.v, ...b.v] }),
    result: (st) => {
      const n = st.v.length;
      if (n === 0) return null;
      const s = [...st.v].sort(order);
      const h = q * (n - 1);
      const lo = Math.floor(h);
      const hi = Math.ceil(h);
      const a = s[lo]!;
      return lo === hi ? a : a + (h - lo) * (s[hi]! - a);
    },
  };
}
