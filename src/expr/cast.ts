// CAST between scalar types with DuckDB's rules, specialised once per (from, to) pair.
// WARNING: where DuckDB's CAST raises an error (bad text, out of range), this returns NULL,
// i.e. it behaves like TRY_CAST: a stream cannot fail one row. The oracle prints TRY_CAST.

import type { SqlType, Value } from '../catalog/types.js';
import { formatDouble, formatValue } from './format.js';
import { parseBoolean, parseDouble, parseInteger, parseTimestampText } from './parse.js';

export type CastFn = (v: Value) => Value;

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
// The int64 range as doubles: the upper bound 2^63 itself is out of range.
const BIGINT_MIN = -9223372036854775808;
const BIGINT_LIMIT = 9223372036854775808;

/** Round half to even, as DuckDB converts DOUBLE to an integer (nearbyint). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function doubleToInt(min: number, inRange: (r: number) => boolean): CastFn {
  return (v) => {
    if (v === null) return null;
    const x = v as number;
    if (x !== x || x === Infinity || x === -Infinity) return null;
    const r = roundHalfEven(x) + 0;
    return r >= min && inRange(r) ? r : null;
  };
}

/** Whether DuckDB has a cast from `from` to `to` (the binder rejects the others). */
export function canCast(from: SqlType, to: SqlType): boolean {
  return castFunction(from, to) !== undefined;
}

/** The cast, or undefined when DuckDB has none (e.g. TIMESTAMP -> BIGINT). */
export function castFunction(from: SqlType, to: SqlType): CastFn | undefined {
  if (from.kind === 'null') return () => null;
  if (to.kind === 'varchar') return toVarchar(from);
  switch (to.kind) {
    case 'boolean':
      if (from.kind === 'boolean') return identity;
      if (from.kind === 'int' || from.kind === 'bigint' || from.kind === 'double') return (v) => (v === null ? null : v !== 0);
      if (from.kind === 'varchar') return (v) => (v === null ? null : parseBoolean(v as string));
      return undefined;
    case 'int':
    case 'bigint': {
      const isInt = to.kind === 'int';
      const min = isInt ? INT_MIN : BIGINT_MIN;
      const max = isInt ? INT_MAX : BIGINT_LIMIT - 1;
      switch (from.kind) {
        case 'boolean':
          return (v) => (v === null ? null : v ? 1 : 0);
        case 'int':
          return identity;
        case 'bigint':
          return isInt ? (v) => (v === null || (v as number) < min || (v as number) > max ? null : v) : identity;
        case 'double':
          return doubleToInt(min, isInt ? (r) => r <= INT_MAX : (r) => r < BIGINT_LIMIT);
        case 'varchar':
          return (v) => (v === null ? null : parseInteger(v as string, min, max));
        default:
          return undefined;
      }
    }
    case 'double':
      switch (from.kind) {
        case 'boolean':
          return (v) => (v === null ? null : v ? 1 : 0);
        case 'int':
        case 'bigint':
        case 'double':
          return identity;
        case 'varchar':
          return (v) => (v === null ? null : parseDouble(v as string));
        default:
          return undefined;
      }
    case 'timestamp':
      if (from.kind === 'timestamp') return identity;
      if (from.kind === 'varchar') return (v) => (v === null ? null : parseTimestampText(v as string));
      return undefined;
    case 'interval':
      return from.kind === 'interval' ? identity : undefined;
    case 'null':
      return () => null;
    case 'struct':
      // Struct-to-struct casts are not part of the dialect; the same type passes through.
      return from.kind === 'struct' ? identity : undefined;
  }
}

function identity(v: Value): Value {
  return v;
}

function toVarchar(from: SqlType): CastFn {
  switch (from.kind) {
    case 'varchar':
      return identity;
    case 'int':
    case 'bigint':
    case 'boolean':
      return (v) => (v === null ? null : String(v));
    case 'double':
      return (v) => (v === null ? null : formatDouble(v as number));
    default:
      return (v) => (v === null ? null : formatValue(v, from));
  }
}
