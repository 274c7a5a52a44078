// STDDEV (= STDDEV_SAMP): Welford's running mean and sum of squared deviations, with exact
// inverse steps for retraction and Chan et al.'s formula for merging partial states. Both
// formulas stay valid for negative counts, i.e. partial states that only hold retractions.

import type { Accumulator } from './accumulator-shape.js';

export interface StddevState {
  n: number;
  mean: number;
  m2: number;
}

function reset(st: StddevState): StddevState {
  st.n = 0;
  st.mean = 0;
  st.m2 = 0;
  return st;
}

export const stddev: Accumulator<StddevState> = {
  init: () => ({ n: 0, mean: 0, m2: 0 }),
  add: (st, v) => {
    if (v === null) return st;
    const x = v as number;
    st.n++;
    if (st.n === 0) return reset(st);
    const d = x - st.mean;
    st.mean += d / st.n;
    st.m2 += d * (x - st.mean);
    return st;
  },
  retract: (st, v) => {
    if (v === null) return st;
    const x = v as number;
    st.n--;
    if (st.n === 0) return reset(st);
    const d = x - st.mean;
    st.mean -= d / st.n;
    st.m2 -= d * (x - st.mean);
    // One value left: no spread, whatever rounding the inverse steps left (VAR_POP of it is 0).
    if (st.n === 1) st.m2 = 0;
    return st;
  },
  merge: (a, b) => {
    const n = a.n + b.n;
    if (n === 0) return { n: 0, mean: 0, m2: 0 };
    if (a.n === 0) return { ...b };
    if (b.n === 0) return { ...a };
    const d = b.mean - a.mean;
    return { n, mean: a.mean + (d * b.n) / n, m2: a.m2 + b.m2 + (d * d * a.n * b.n) / n };
  },
  result: (st) => (st.n < 2 ? null : Math.sqrt(Math.max(st.m2, 0) / (st.n - 1))),
};
