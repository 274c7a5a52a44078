// Expected values: plain values (NULL is `null`; timestamps compare as instants, so
// `2024-05-20T10:00:10Z` equals `2024-05-20T10:00:10.000Z`) and matchers, written as one-key
// mappings so that they read the same in YAML and JSON:
//   {approx: 21.5, tol: 0.01}   a number within tol (default 1e-9 relative)
//   {between: [lo, hi]}        a number or timestamp in [lo, hi]
//   {any: true}                anything, NULL included
//   {not_null: true}           anything but NULL

import type { SqlType } from '../catalog/types.js';
import { parseTimestamp } from '../catalog/timestamp.js';

/** How a field's values compare. */
/** `object`: free-form JSON (a side output's position): a mapping is a value unless all its keys are a matcher's. */
export type FieldType = { readonly kind: 'timestamp' | 'number' | 'boolean' | 'other' | 'object' } | { readonly kind: 'struct'; readonly fields: ReadonlyMap<string, FieldType> };

export function fieldType(t: SqlType): FieldType {
  switch (t.kind) {
    case 'timestamp':
      return { kind: 'timestamp' };
    case 'int':
    case 'bigint':
    case 'double':
    case 'interval':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'struct':
      return { kind: 'struct', fields: new Map(t.fields.map((f) => [f.name, fieldType(f.type)])) };
    default:
      return { kind: 'other' };
  }
}

export type Matcher =
  | { readonly kind: 'any' }
  | { readonly kind: 'not_null' }
  | { readonly kind: 'approx'; readonly value: number; readonly tol: number | undefined }
  | { readonly kind: 'between'; readonly lo: number; readonly hi: number };

const MATCHER_KEYS = ['approx', 'tol', 'between', 'any', 'not_null'];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * `v` as a matcher for a field of type `t`: the matcher, an error message when it is a
 * malformed one, or undefined when `v` is a plain value. A mapping is a matcher unless the
 * field is a struct with a field of one of its keys.
 */
export function parseMatcher(v: unknown, t: FieldType): Matcher | string | undefined {
  if (!isPlainObject(v)) return undefined;
  const keys = Object.keys(v);
  if (t.kind === 'struct' && !(keys.length > 0 && keys.every((k) => MATCHER_KEYS.includes(k) && !t.fields.has(k)))) return undefined;
  if (t.kind === 'object' && !(keys.length > 0 && keys.every((k) => MATCHER_KEYS.includes(k)))) return undefined;
  if (keys.length === 0) return 'an empty mapping is no value: write a value, null, or a matcher such as {any: true}';
  if ('approx' in v) {
    const extra = keys.filter((k) => k !== 'approx' && k !== 'tol');
    if (extra.length > 0) return `unknown key '${extra[0]}' in an approx matcher (it takes approx and tol)`;
    if (typeof v['approx'] !== 'number') return '`approx:` takes a number';
    if (v['tol'] !== undefined && !(typeof v['tol'] === 'number' && v['tol'] >= 0)) return '`tol:` takes a number >= 0';
    return { kind: 'approx', value: v['approx'], tol: v['tol'] as number | undefined };
  }
  if ('between' in v) {
    const b = v['between'];
    if (keys.length > 1) return 'a between matcher takes only `between: [lo, hi]`';
    if (!Array.isArray(b) || b.length !== 2) return '`between:` takes a list of two bounds, [lo, hi]';
    const conv = (x: unknown): number | undefined => (t.kind === 'timestamp' ? (typeof x === 'string' || typeof x === 'number' ? parseTimestamp(x) : undefined) : typeof x === 'number' ? x : undefined);
    const lo = conv(b[0]);
    const hi = conv(b[1]);
    if (lo === undefined || hi === undefined) return t.kind === 'timestamp' ? '`between:` bounds of a timestamp are ISO-8601 instants' : '`between:` bounds are numbers';
    if (lo > hi) return '`between: [lo, hi]` needs lo <= hi';
    return { kind: 'between', lo, hi };
  }
  if ('any' in v || 'not_null' in v) {
    if (keys.length > 1) return 'a matcher is a mapping of one key';
    const k = keys[0]!;
    if (v[k] !== true) return `write \`{${k}: true}\``;
    return { kind: k === 'any' ? 'any' : 'not_null' };
  }
  if (t.kind === 'struct' || t.kind === 'object') return undefined;
  return `'${keys[0]}' is not a matcher: expected one of {approx: x, tol: t}, {between: [lo, hi]}, {any: true}, {not_null: true}`;
}

/** A problem with an expected value before anything runs (a malformed matcher, a bad timestamp); undefined when fine. */
export function checkExpected(v: unknown, t: FieldType): string | undefined {
  const m = parseMatcher(v, t);
  if (typeof m === 'string') return m;
  if (m || v === null) return undefined;
  if (t.kind === 'timestamp' && (typeof v === 'string' || typeof v === 'number') && parseTimestamp(v) === undefined) return `bad timestamp ${JSON.stringify(v)}`;
  if (t.kind === 'timestamp' && typeof v !== 'string' && typeof v !== 'number') return `a timestamp is an ISO-8601 instant, not ${JSON.stringify(v)}`;
  if (t.kind === 'struct' && isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      const ft = t.fields.get(k);
      if (!ft) return `the struct has no field '${k}' (fields: ${[...t.fields.keys()].join(', ')})`;
      const e = checkExpected(x, ft);
      if (e) return `${k}: ${e}`;
    }
  }
  return undefined;
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
  return undefined;
}

/** Does actual value `a` (as the sink writes it: JSON, timestamps ISO) meet expected `e`? */
export function matches(e: unknown, a: unknown, t: FieldType): boolean {
  const m = parseMatcher(e, t);
  if (m && typeof m !== 'string') {
    switch (m.kind) {
      case 'any':
        return true;
      case 'not_null':
        return a !== null && a !== undefined;
      case 'approx': {
        const n = asNumber(a);
        if (n === undefined) return false;
        const tol = m.tol ?? 1e-9 * Math.max(1, Math.abs(m.value));
        return Math.abs(n - m.value) <= tol;
      }
      case 'between': {
        const n = t.kind === 'timestamp' ? (typeof a === 'string' ? parseTimestamp(a) : undefined) : asNumber(a);
        return n !== undefined && n >= m.lo && n <= m.hi;
      }
    }
  }
  if (e === null || a === null || a === undefined) return e === null && (a === null || a === undefined);
  if (t.kind === 'timestamp') {
    const x = typeof e === 'string' || typeof e === 'number' ? parseTimestamp(e) : undefined;
    const y = typeof a === 'string' || typeof a === 'number' ? parseTimestamp(a) : undefined;
    return x !== undefined && x === y;
  }
  if (t.kind === 'number') {
    const x = asNumber(e);
    const y = asNumber(a);
    return x !== undefined && y !== undefined && (x === y || (Number.isNaN(x) && Number.isNaN(y)));
  }
  if (t.kind === 'struct') {
    if (!isPlainObject(e) || !isPlainObject(a)) return false;
    for (const [k, ft] of t.fields) if (!matches(k in e ? e[k] : null, a[k] ?? null, ft)) return false;
    return Object.keys(e).every((k) => t.fields.has(k));
  }
  return deepEqual(e, a);
}

/** JSON equality, key order aside. */
function deepEqual(e: unknown, a: unknown): boolean {
  if (Array.isArray(e)) return Array.isArray(a) && a.length === e.length && e.every((x, i) => deepEqual(x, a[i]));
  if (isPlainObject(e)) {
    if (!isPlainObject(a)) return false;
    const ek = Object.keys(e);
    return ek.length === Object.keys(a).length && ek.every((k) => k in a && deepEqual(e[k], a[k]));
  }
  return e === a;
}
