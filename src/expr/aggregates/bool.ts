// BOOL_AND and BOOL_OR: counts of TRUE and FALSE inputs, so retraction and merging are exact.
// NULLs are skipped; no non-NULL input gives NULL (as DuckDB).

import type { Accumulator } from './accumulator-shape.js';

export interface BoolState {
  t: number;
  f: number;
}

function bool(result: (s: BoolState) => boolean): Accumulator<BoolState> {
  return {
    init: () => ({ t: 0, f: 0 }),
    add: (s, v) => {
      if (v === true) s.t++;
      else if (v === false) s.f++;
      return s;
    },
    retract: (s, v) => {
      if (v === true) s.t--;
      else if (v === false) s.f--;
      return s;
    },
    merge: (a, b) => ({ t: a.t + b.t, f: a.f + b.f }),
    result: (s) => (s.t + s.f > 0 ? result(s) : null),
  };
}

export const boolAnd = bool((s) => s.f === 0);
export const boolOr = bool((s) => s.t > 0);
