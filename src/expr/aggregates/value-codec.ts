// Values of one SQL type as JSON-safe object keys and back, for the multisets kept by
// retractable MIN/MAX and by DISTINCT. Keys carry a `k` prefix so none is `__proto__`.

import type { SqlType, Value } from '../../catalog/types.js';
import { singleEncoder } from '../key.js';

export interface ValueCodec {
  key(v: Value): string;
  value(key: string): Value;
}

export function valueCodec(t: SqlType): ValueCodec {
  const enc = singleEncoder(t);
  const key = (v: Value): string => `k${enc(v)}`;
  switch (t.kind) {
    case 'int':
    case 'bigint':
    case 'double':
    case 'timestamp':
    case 'interval':
      // String(number) round-trips exactly, NaN and the infinities included.
      return { key, value: (k) => Number(k.slice(1)) };
    case 'boolean':
      return { key, value: (k) => k === 'kt' };
    case 'varchar':
      // singleEncoder prepends \u0001 to strings that start with it; NULLs never get here.
      return { key, value: (k) => (k.charCodeAt(1) === 1 ? k.slice(2) : k.slice(1)) };
    case 'null':
    case 'struct': {
      // Rare: keep the value itself beside the key.
      const seen = new Map<string, Value>();
      return {
        key: (v) => {
          const k = key(v);
          seen.set(k, v);
          return k;
        },
        value: (k) => seen.get(k) ?? null,
      };
    }
  }
}
