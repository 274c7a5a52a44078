// The scalar function registry: for each function, its typing rule, its implementation and its
// DuckDB spelling (used by the oracle), kept together so engine and oracle cannot drift apart.
// Implementations live in functions/ by family; aggregate names and result types are here too.

import type { ScalarFunction } from './functions/scalar.js';
import { CONDITIONAL_FUNCTIONS } from './functions/conditional.js';
import { MATH_FUNCTIONS } from './functions/math.js';
import { TEXT_FUNCTIONS } from './functions/text.js';
import { TIME_FUNCTIONS } from './functions/time.js';

export { AGGREGATE_NAMES, aggregateFn, aggregateResultType } from './aggregates/types.js';

export type { ScalarFunction } from './functions/scalar.js';

const REGISTRY: ReadonlyMap<string, ScalarFunction> = (() => {
  const m = new Map<string, ScalarFunction>();
  for (const family of [MATH_FUNCTIONS, TEXT_FUNCTIONS, CONDITIONAL_FUNCTIONS, TIME_FUNCTIONS]) {
    for (const [fn, ...aliases] of family) {
      for (const name of [fn.name, ...aliases]) {
        if (m.has(name)) throw new Error(`function ${name} registered twice`);
        m.set(name, fn);
      }
    }
  }
  return m;
})();

/** Case-insensitive; an alias (CEILING, POW, SUBSTR) gives the canonical function. */
export function lookupFunction(name: string): ScalarFunction | undefined {
  return REGISTRY.get(name.toLowerCase());
}

/** Every name a call may use, aliases included, sorted (for completion). */
export function functionNames(): string[] {
  return [...REGISTRY.keys()].sort();
}
