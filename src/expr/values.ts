// SQL value semantics shared by expressions, keys and aggregates: ordering (DuckDB's: NaN is the
// greatest double and equal to itself, strings in UTF-8 byte order, false < true) and equality.

import type { SqlType, StructValue, Value } from '../catalog/types.js';

/** A total order over non-null values of one SQL type: negative, zero or positive. */
export type Comparator = (a: Value, b: Value) => number;

/**
 * UTF-8 byte order (= code point order), as DuckDB's binary collation. JS `<` compares UTF-16
 * code units, which differs only when a surrogate meets a unit in U+E000..U+FFFF.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) return surrogateLast(x) - surrogateLast(y);
      return x - y;
    }
  }
  return a.length - b.length;
}

function surrogateLast(u: number): number {
  return u >= 0xe000 ? u - 0x800 : u + 0x2000;
}

/** Doubles: NaN equals NaN and sorts above +Infinity; -0 equals 0. */
export function compareDoubles(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const an = a !== a;
  const bn = b !== b;
  return an === bn ? 0 : an ? 1 : -1;
}

export function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Any two non-null values of the same type (falls back on a type-agnostic order). */
export function compareValues(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return compareDoubles(a, b);
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === 'object' && typeof b === 'object') return compareStructs(a, b);
  return typeRank(a) - typeRank(b);
}

function compareStructs(a: StructValue, b: StructValue): number {
  // SQL structs compare field by field in declaration order; NULL fields sort last.
  for (const k of Object.keys(a)) {
    const c = compareValues(a[k] ?? null, b[k] ?? null);
    if (c !== 0) return c;
  }
  return 0;
}

function typeRank(v: Value): number {
  return v === null ? 5 : typeof v === 'boolean' ? 1 : typeof v === 'number' ? 2 : typeof v === 'string' ? 3 : 4;
}

/** The comparator specialised for a type, so hot loops do no typeof dispatch. */
export function comparatorFor(t: SqlType): Comparator {
  switch (t.kind) {
    case 'int':
    case 'bigint':
    case 'timestamp':
    case 'interval':
      return compareNumbers as Comparator;
    case 'double':
      return compareDoubles as Comparator;
    case 'varchar':
      return compareStrings as Comparator;
    case 'boolean':
    case 'null':
    case 'struct':
      return compareValues;
  }
}

/** SQL `=` on two non-null values (NaN = NaN, structs by fields). */
export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a === 'number') return typeof b === 'number' && a !== a && b !== b;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => {
      const x = a[k] ?? null;
      const y = b[k] ?? null;
      return x === null || y === null ? x === y : valuesEqual(x, y);
    });
  }
  return false;
}
