// SUM and AVG states. Integers add exactly (JS numbers, exact to 2^53). Doubles use Neumaier's
// compensated sum, so retracting a large value does not leave rounding residue behind, and
// count infinities and NaNs apart so that a retracted infinity really leaves the sum.

import type { Value } from '../../catalog/types.js';
import type { Accumulator } from './accumulator-shape.js';

/** `n` is the count of non-NULL values (negative only in a partial state holding retractions). */
export interface IntSumState {
  n: number;
  s: number;
}

export interface FloatSumState {
  n: number;
  s: number;
  /** Neumaier compensation: the low-order part lost from `s`. */
  c: number;
  pinf: number;
  ninf: number;
  nan: number;
}

export function intSum(result: (s: IntSumState) => Value): Accumulator<IntSumState> {
  return {
    init: () => ({ n: 0, s: 0 }),
    add: (st, v) => {
      if (v !== null) {
        st.n++;
        st.s += v as number;
      }
      return st;
    },
    retract: (st, v) => {
      if (v !== null) {
        st.n--;
        st.s -= v as number;
      }
      return st;
    },
    merge: (a, b) => ({ n: a.n + b.n, s: a.s + b.s }),
    result,
  };
}

function neumaier(st: FloatSumState, x: number): void {
  const s = st.s;
  const t = s + x;
  if (Math.abs(s) >= Math.abs(x)) st.c += s - t + x;
  else st.c += x - t + s;
  st.s = t;
}

/** Adds (sign 1) or removes (sign -1) one value. */
function floatStep(st: FloatSumState, x: number, sign: 1 | -1): void {
  st.n += sign;
  if (x === Infinity) st.pinf += sign;
  else if (x === -Infinity) st.ninf += sign;
  else if (x !== x) st.nan += sign;
  else neumaier(st, sign * x);
}

export function floatTotal(st: FloatSumState): number {
  if (st.nan > 0 || (st.pinf > 0 && st.ninf > 0)) return NaN;
  if (st.pinf > 0) return Infinity;
  if (st.ninf > 0) return -Infinity;
  return st.s + st.c;
}

export function floatSum(result: (s: FloatSumState) => Value): Accumulator<FloatSumState> {
  return {
    init: () => ({ n: 0, s: 0, c: 0, pinf: 0, ninf: 0, nan: 0 }),
    add: (st, v) => {
      if (v !== null) floatStep(st, v as number, 1);
      return st;
    },
    retract: (st, v) => {
      if (v !== null) floatStep(st, v as number, -1);
      return st;
    },
    merge: (a, b) => {
      const m: FloatSumState = { ...a, n: a.n + b.n, pinf: a.pinf + b.pinf, ninf: a.ninf + b.ninf, nan: a.nan + b.nan };
      neumaier(m, b.s);
      neumaier(m, b.c);
      return m;
    },
    result,
  };
}

export const sumInt = intSum((s) => (s.n > 0 ? s.s : null));
export const sumFloat = floatSum((s) => (s.n > 0 ? floatTotal(s) : null));
