// Value converters from JSON values or CSV text to the in-memory form of each SQL type
// (catalog/types.ts), compiled once per column. Shared by the JSON and CSV decoders.
// A converter returns FAIL and leaves the message in `failure()` instead of allocating a result.

import type { SqlType, StructValue, Value } from '../../catalog/types.js';
import { typeToSql } from '../../catalog/types.js';
import { parseTimestamp } from '../../catalog/timestamp.js';

export const FAIL: unique symbol = Symbol('decode failure');
export type Converted = Value | typeof FAIL;
/** Converts a present, non-null input value. */
export type Converter = (v: unknown) => Converted;

let lastFailure = '';

/** The reason of the last FAIL (valid until the next converter call). */
export function failure(): string {
  return lastFailure;
}

const SHOW_MAX = 60;

/**
 * A short rendering of an offending input value for an error message: its JSON, cut at SHOW_MAX
 * characters. Only what is shown is rendered, so a 10 MB array costs SHOW_MAX characters and a
 * value nested 5,000 deep no stack overflow (JSON.stringify and String() recurse once per level
 * and overflowed there: the whole job failed instead of dead-lettering the record). Each level
 * adds a character, so the recursion below is at most SHOW_MAX deep.
 */
export function showValue(v: unknown): string {
  const parts: string[] = [];
  let len = 0;
  /** Appends; false once past SHOW_MAX (stop rendering). */
  const put = (text: string): boolean => {
    parts.push(text);
    len += text.length;
    return len <= SHOW_MAX;
  };
  const walk = (x: unknown): boolean => {
    if (typeof x === 'string') return put(JSON.stringify(x.length > SHOW_MAX ? x.slice(0, SHOW_MAX + 1) : x));
    // JSON.stringify writes a non-finite number as null.
    if (typeof x === 'number') return put(Number.isFinite(x) ? JSON.stringify(x) : String(x));
    if (typeof x !== 'object' || x === null) return put(String(x));
    if (Array.isArray(x)) {
      if (!put('[')) return false;
      for (let i = 0; i < x.length; i++) {
        if (i > 0 && !put(',')) return false;
        if (!walk(x[i] === undefined ? null : x[i])) return false;
      }
      return put(']');
    }
    if (!put('{')) return false;
    let first = true;
    for (const k in x) {
      const fv = (x as Record<string, unknown>)[k];
      if (!Object.hasOwn(x, k) || fv === undefined || typeof fv === 'function') continue;
      if (!first && !put(',')) return false;
      first = false;
      if (!put(`${JSON.stringify(k)}:`) || !walk(fv)) return false;
    }
    return put('}');
  };
  walk(v);
  const s = parts.join('');
  return s.length > SHOW_MAX ? `${s.slice(0, SHOW_MAX - 1)}…` : s;
}

function fail(path: string, type: string, v: unknown, why = ''): typeof FAIL {
  lastFailure = `column '${path}': expected ${type}, got ${showValue(v)}${why}`;
  return FAIL;
}

/**
 * Number(text) without its leniencies: blank text is not 0, and `0x1F`, `0b1`, `0o7` are not
 * numbers. `Infinity` and `NaN` come back non-finite, for the caller to refuse.
 */
function numberFromText(s: string): number {
  if (s.length === 0) return NaN;
  const c = s.charCodeAt(0);
  if (c === 32 || c === 9 || c === 10 || c === 13) {
    if (s.trim().length === 0) return NaN;
  }
  const n = Number(s);
  return n - n === 0 && RADIX_PREFIX.test(s) ? NaN : n;
}

const RADIX_PREFIX = /[xXbBoO]/;

/** Text that spells a non-finite number (`NaN`, `-Infinity`, `1e999`), refused with its own reason. */
function nonFiniteText(s: string): boolean {
  const t = s.trim();
  if (t === 'NaN' || /^[+-]?(nan|inf|infinity)$/i.test(t)) return true;
  const n = numberFromText(s);
  return n === Number.POSITIVE_INFINITY || n === Number.NEGATIVE_INFINITY;
}

const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;

/**
 * INT and BIGINT: an integral number in range. A fraction is refused, not rounded (DuckDB's
 * readers round a JSON 4.5 but refuse the text "4.5", and wrap 2147483647.6 to a negative INT),
 * and so is a value past the range: INT's, and for BIGINT ±(2^53 - 1), the integers a JS
 * number holds exactly (DuckDB's BIGINT goes on to 2^63 - 1; such values are dead-lettered).
 */
function integral(path: string, typeName: string, min: number, max: number, range: string): Converter {
  return (v) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' ? numberFromText(v) : NaN;
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    if (typeof v === 'number' ? n - n !== 0 : typeof v === 'string' && nonFiniteText(v)) return fail(path, typeName, v, ' (not a finite number)');
    if (n - n !== 0) return fail(path, typeName, v);
    if (!Number.isInteger(n)) return fail(path, typeName, v, ' (not an integer)');
    return fail(path, typeName, v, ` (outside ${range})`);
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads field `name` of a parsed object: exact name first, then a case-insensitive match. */
export type FieldGetter = (o: Record<string, unknown>) => unknown;

/**
 * Per parsed object, its own keys lowercased (first spelling wins, as a scan in key order would).
 * Built once per object, on its first case-insensitive lookup: scanning the keys for every
 * missing column was quadratic (a 20,000-column record with other-cased names: hours).
 */
const lowerKeys = new WeakMap<object, Map<string, unknown>>();

function lowerKeyIndex(o: Record<string, unknown>): Map<string, unknown> {
  let index = lowerKeys.get(o);
  if (index === undefined) {
    index = new Map();
    for (const k in o) {
      if (!Object.hasOwn(o, k)) continue;
      const lk = k.toLowerCase();
      if (!index.has(lk)) index.set(lk, o[k]);
    }
    lowerKeys.set(o, index);
  }
  return index;
}

export function compileFieldGetter(name: string): FieldGetter {
  const lower = name.toLowerCase();
  const inherited = name in Object.prototype;
  const fallback = (o: Record<string, unknown>): unknown => lowerKeyIndex(o).get(lower);
  if (inherited) return (o) => (Object.hasOwn(o, name) ? o[name] : fallback(o));
  return (o) => {
    const v = o[name];
    return v !== undefined ? v : fallback(o);
  };
}

/** The converter for one column or struct field; `path` names it in errors (`metadata.page`). */
export function compileConverter(type: SqlType, path: string): Converter {
  switch (type.kind) {
    case 'boolean':
      return (v) => {
        if (typeof v === 'boolean') return v;
        if (typeof v === 'string') {
          const t = v.trim().toLowerCase();
          if (t === 'true') return true;
          if (t === 'false') return false;
        }
        return fail(path, 'BOOLEAN', v);
      };
    case 'int':
      return integral(path, 'INT', INT_MIN, INT_MAX, `INT's range ${INT_MIN}..${INT_MAX}`);
    case 'bigint':
      return integral(path, 'BIGINT', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, `±${Number.MAX_SAFE_INTEGER}, the integers held exactly`);
    case 'double':
      // WARNING: NaN and ±Infinity are refused everywhere a number enters (JSON `1e999`, text
      // "NaN", CSV, Kafka keys): admitted, one turned a window's SUM into NaN, written as null
      // while `v IS NULL` was false.
      return (v) => {
        if (typeof v === 'number') return v - v === 0 ? v : fail(path, 'a finite DOUBLE', v);
        if (typeof v === 'string') {
          const n = numberFromText(v);
          if (n - n === 0) return n;
          if (nonFiniteText(v)) return fail(path, 'a finite DOUBLE', v);
        }
        return fail(path, 'DOUBLE', v);
      };
    case 'varchar':
      return (v) => {
        if (typeof v === 'string') return v;
        if ((typeof v === 'number' && v - v === 0) || typeof v === 'boolean') return String(v);
        return fail(path, 'VARCHAR', v);
      };
    case 'timestamp':
      return (v) => {
        if (typeof v === 'number') return parseTimestamp(v) ?? fail(path, 'TIMESTAMP', v);
        if (typeof v === 'string') {
          const t = parseTimestamp(v);
          if (t !== undefined) return t;
          // Epoch milliseconds written as text (CSV, or a quoted JSON number).
          const n = numberFromText(v);
          if (Number.isFinite(n)) return parseTimestamp(n) ?? fail(path, 'TIMESTAMP', v);
        }
        return fail(path, 'TIMESTAMP', v);
      };
    case 'struct': {
      const names = type.fields.map((f) => f.name);
      const getters = type.fields.map((f) => compileFieldGetter(f.name));
      const convs = type.fields.map((f) => compileConverter(f.type, `${path}.${f.name}`));
      const n = names.length;
      const expected = typeToSql(type);
      return (v) => {
        let o: unknown = v;
        if (typeof v === 'string') {
          // CSV cells (and stringified JSON) carry a nested object as JSON text.
          try {
            o = JSON.parse(v);
          } catch {
            return fail(path, expected, v);
          }
        }
        if (!isPlainObject(o)) return fail(path, expected, v);
        const out: Record<string, Value> = {};
        for (let i = 0; i < n; i++) {
          const fv = getters[i]!(o);
          if (fv === undefined || fv === null) {
            out[names[i]!] = null;
            continue;
          }
          const c = convs[i]!(fv);
          if (c === FAIL) return FAIL;
          out[names[i]!] = c;
        }
        return out as StructValue;
      };
    }
    case 'interval':
    case 'null':
      return (v) => {
        lastFailure = `column '${path}': type ${typeToSql(type)} cannot be read from input (got ${showValue(v)})`;
        return FAIL;
      };
  }
}
