// AVG: a SUM state divided by its count at result time; NULL when there is no non-NULL value.

import { floatSum, floatTotal, intSum } from './sum.js';

export const avgInt = intSum((s) => (s.n > 0 ? s.s / s.n : null));
export const avgFloat = floatSum((s) => (s.n > 0 ? floatTotal(s) / s.n : null));
