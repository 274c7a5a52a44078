// The group keys of an aggregate with grouping sets (GROUPING SETS, ROLLUP, CUBE): one key
// function per set, whose values are the keys (NULL where the set lacks one) then one GROUPING
// bit per key. The bits are part of the encoded key, so a rolled-up NULL never meets a NULL key.

import { T } from '../../catalog/types.js';
import type { BoundExpr } from '../../expr/bound.js';
import { compileKey, type KeyFn } from '../../expr/key.js';
import type { GroupingSets } from '../../plan/physical.js';

/** Per set, its key function; without grouping sets, the one key function of the keys. */
export function groupingKeyFns(keys: readonly BoundExpr[], sets: GroupingSets | undefined): KeyFn[] {
  if (sets === undefined) return [compileKey(keys)];
  return sets.map((set) => {
    const held = new Set(set);
    const values: BoundExpr[] = keys.map((k, i) => (held.has(i) ? k : { kind: 'literal', value: null, type: k.type }));
    const bits: BoundExpr[] = keys.map((_, i) => ({ kind: 'literal', value: held.has(i) ? 0 : 1, type: T.int }));
    return compileKey([...values, ...bits]);
  });
}
