// VAR_POP, VAR_SAMP (= VARIANCE) and STDDEV_POP: the state of STDDEV (stddev.ts: Welford's steps,
// exact inverse steps for retraction, Chan et al.'s merge) with another result.

import type { Accumulator } from './accumulator-shape.js';
import { stddev, type StddevState } from './stddev.js';

function welford(result: (s: StddevState) => number | null): Accumulator<StddevState> {
  return { ...stddev, result };
}

export const varPop = welford((s) => (s.n < 1 ? null : s.n === 1 ? 0 : Math.max(s.m2, 0) / s.n));
export const varSamp = welford((s) => (s.n < 2 ? null : Math.max(s.m2, 0) / (s.n - 1)));
export const stddevPop = welford((s) => (s.n < 1 ? null : s.n === 1 ? 0 : Math.sqrt(Math.max(s.m2, 0) / s.n)));
