// STRING_AGG(x, sep) (= LISTAGG) and ARRAY_AGG(x): every row's value, in event-time order, ties
// (and NULL event times, last) in arrival order. STRING_AGG skips NULLs and gives NULL for none;
// ARRAY_AGG keeps NULLs and renders a JSON array as VARCHAR (see jsonElement). State: every
// entry (entries.ts), so merging concatenates and retraction removes one entry.

import type { SqlType, Value } from '../../catalog/types.js';
import { formatTimestampSql } from '../format.js';
import type { Accumulator } from './accumulator-shape.js';
import { bagRetract, entryOrder, sortedEntries, type BagState, type Entry } from './entries.js';

function collect(keyType: SqlType, skipNull: boolean, render: (values: Value[]) => Value): Accumulator<BagState> {
  const order = entryOrder(keyType);
  return {
    init: () => ({ e: [] }),
    add: (st, v) => {
      const e = v as unknown as Entry;
      if (!(skipNull && e[0] === null)) st.e.push(e);
      return st;
    },
    retract: (st, v) => {
      const e = v as unknown as Entry;
      return skipNull && e[0] === null ? st : bagRetract(st, e);
    },
    merge: (a, b) => ({ e: [...a.e, ...b.e] }),
    result: (st) => (st.e.length === 0 ? null : render(sortedEntries(st, order).map((e) => e[0]))),
  };
}

export function stringAgg(keyType: SqlType, separator: string): Accumulator<BagState> {
  return collect(keyType, true, (values) => values.join(separator));
}

export function arrayAgg(keyType: SqlType, elementType: SqlType): Accumulator<BagState> {
  return collect(keyType, false, (values) => `[${values.map((v) => jsonElement(v, elementType)).join(',')}]`);
}

/** One element as DuckDB's `to_json` writes it: doubles keep `.0`, timestamps are quoted SQL text. */
export function jsonElement(v: Value, t: SqlType): string {
  if (v === null) return 'null';
  switch (t.kind) {
    case 'double': {
      const x = v as number;
      if (x !== x) return 'NaN';
      if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
      if (Object.is(x, -0)) return '-0.0';
      if (Number.isInteger(x) && Math.abs(x) < 1e21) return `${x}.0`;
      return String(x).replace('e+', 'e');
    }
    case 'timestamp':
      return JSON.stringify(formatTimestampSql(v as number));
    case 'varchar':
      // DuckDB writes \u escapes with upper-case hex digits (an escaped backslash is not one).
      return JSON.stringify(v).replace(/(?<!\\)((?:\\\\)*)\\u([0-9a-f]{4})/g, (_m, pre: string, hex: string) => `${pre}\\u${hex.toUpperCase()}`);
    default:
      return JSON.stringify(v);
  }
}
