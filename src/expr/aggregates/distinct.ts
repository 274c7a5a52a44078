// DISTINCT aggregates: a multiset of the input (value -> multiplicity) in front of an inner
// accumulator that sees each value once, when its multiplicity becomes positive, and is
// retracted when it drops back to zero. So retraction and merging stay exact.

import type { SqlType, Value } from '../../catalog/types.js';
import type { Accumulator } from './accumulator-shape.js';
import { valueCodec } from './value-codec.js';

export interface DistinctState<S> {
  items: Record<string, number>;
  inner: S;
}

export function distinct<S>(inner: Accumulator<S>, type: SqlType): Accumulator<DistinctState<S>> {
  const codec = valueCodec(type);
  const step = (st: DistinctState<S>, v: Value, delta: 1 | -1): DistinctState<S> => {
    if (v === null) return st;
    const k = codec.key(v);
    const before = st.items[k] ?? 0;
    const after = before + delta;
    if (after === 0) delete st.items[k];
    else st.items[k] = after;
    if (before <= 0 && after > 0) st.inner = inner.add(st.inner, v);
    else if (before > 0 && after <= 0) st.inner = inner.retract(st.inner, v);
    return st;
  };
  return {
    init: () => ({ items: {}, inner: inner.init() }),
    add: (st, v) => step(st, v, 1),
    retract: (st, v) => step(st, v, -1),
    merge: (a, b) => {
      // Rebuild from a's inner state, then apply b's multiplicities one key at a time.
      const out: DistinctState<S> = { items: { ...a.items }, inner: inner.merge(inner.init(), a.inner) };
      for (const k in b.items) {
        const before = out.items[k] ?? 0;
        const after = before + (b.items[k] ?? 0);
        if (after === 0) delete out.items[k];
        else out.items[k] = after;
        if (before <= 0 && after > 0) out.inner = inner.add(out.inner, codec.value(k));
        else if (before > 0 && after <= 0) out.inner = inner.retract(out.inner, codec.value(k));
      }
      return out;
    },
    result: (st) => inner.result(st.inner),
  };
}
