// COUNT(x) counts non-NULL values, COUNT(*) every row. The state is the count itself.

import type { Accumulator } from './accumulator-shape.js';

export const countStar: Accumulator<number> = {
  init: () => 0,
  add: (s) => s + 1,
  retract: (s) => s - 1,
  merge: (a, b) => a + b,
  result: (s) => s,
};

export const count: Accumulator<number> = {
  init: () => 0,
  add: (s, v) => (v === null ? s : s + 1),
  retract: (s, v) => (v === null ? s : s - 1),
  merge: (a, b) => a + b,
  result: (s) => s,
};
