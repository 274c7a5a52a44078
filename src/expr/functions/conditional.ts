// NULL handling and choice among arguments: COALESCE, IFNULL, NULLIF, GREATEST, LEAST.
// Unlike the others these are not NULL-in-NULL-out; GREATEST and LEAST skip NULLs like DuckDB.

import { typeToSql, type SqlType, type Value } from '../../catalog/types.js';
import type { ScalarFunction } from './scalar.js';
import { comparatorFor, valuesEqual } from '../values.js';
import { arity, commonOf, define, type Impl } from './helpers.js';

const coalesceImpl: Impl = (args) => {
  for (let i = 0; i < args.length; i++) {
    const v = args[i] ?? null;
    if (v !== null) return v;
  }
  return null;
};

function extreme(name: 'greatest' | 'least', doc: string): ScalarFunction {
  return define({
    name,
    doc,
    resolve: (args) => {
      const bad = arity(name, args, 1, Infinity);
      if (bad) return bad;
      const t = commonOf(name, args);
      if ('kind' in t && t.kind === 'struct') return { error: `${name.toUpperCase()} cannot compare ${typeToSql(t)}` };
      return t;
    },
    compile: (_argTypes, type): Impl => {
      const cmp = comparatorFor(type);
      const sign = name === 'greatest' ? 1 : -1;
      return (args) => {
        let best: Value = null;
        for (let i = 0; i < args.length; i++) {
          const v = args[i] ?? null;
          if (v !== null && (best === null || sign * cmp(v, best) > 0)) best = v;
        }
        return best;
      };
    },
  });
}

export const CONDITIONAL_FUNCTIONS: readonly (readonly [ScalarFunction, ...string[]])[] = [
  [
    define({
      name: 'coalesce',
      doc: 'COALESCE(a, ...): the first non-NULL argument',
      resolve: (args) => arity('coalesce', args, 1, Infinity) ?? commonOf('coalesce', args),
      compile: () => coalesceImpl,
    }),
  ],
  [
    define({
      name: 'ifnull',
      doc: 'IFNULL(a, b): a unless it is NULL, then b',
      resolve: (args) => arity('ifnull', args, 2) ?? commonOf('ifnull', args),
      compile: () => coalesceImpl,
    }),
  ],
  [
    define({
      name: 'nullif',
      doc: 'NULLIF(a, b): NULL when a = b, else a',
      resolve: (args: readonly SqlType[]) => {
        const bad = arity('nullif', args, 2);
        if (bad) return bad;
        const t = commonOf('nullif', args);
        return 'error' in t ? t : args[0]!.kind === 'null' ? t : args[0]!;
      },
      compile: () => (args) => {
        const a = args[0] ?? null;
        const b = args[1] ?? null;
        return a !== null && b !== null && valuesEqual(a, b) ? null : a;
      },
    }),
  ],
  [extreme('greatest', 'GREATEST(a, ...): the largest non-NULL argument')],
  [extreme('least', 'LEAST(a, ...): the smallest non-NULL argument')],
];
