// Row values for the oracle's reports: exact encoding (multiset keys), approximate equality
// (DOUBLE within a relative 1e-9) and human-readable formatting (timestamps as ISO UTC).

import type { Row, SqlType, Value } from '../catalog/types.js';

export interface ColumnInfo {
  readonly name: string;
  readonly type: SqlType;
}

const REL_TOL = 1e-9;
const ABS_TOL = 1e-12;

/** An exact, type-tagged key for a value: equal SQL values (NULLs, NaN, -0 and 0) give equal keys. */
export function encodeValue(v: Value): string {
  if (v === null || v === undefined) return 'N';
  switch (typeof v) {
    case 'boolean':
      return v ? 'T' : 'F';
    case 'number':
      return Number.isNaN(v) ? 'dNaN' : `d${v === 0 ? 0 : v}`;
    case 'string':
      return JSON.stringify(v);
    default: {
      const keys = Object.keys(v).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${encodeValue(v[k] ?? null)}`).join(',')}}`;
    }
  }
}

export function encodeRow(row: readonly Value[]): string {
  return row.map(encodeValue).join('|');
}

/** Like encodeRow but DOUBLE positions (also inside structs) are blanked: rows that may match approximately share it. */
export function coarseKey(row: readonly Value[], columns: readonly ColumnInfo[]): string {
  return row.map((v, i) => coarseValue(v, columns[i]?.type)).join('|');
}

function coarseValue(v: Value, t: SqlType | undefined): string {
  if (v === null || v === undefined) return 'N';
  if (t?.kind === 'double') return '~';
  if (t?.kind === 'struct' && typeof v === 'object') {
    return `{${t.fields.map((f) => coarseValue(v[f.name] ?? null, f.type)).join(',')}}`;
  }
  return encodeValue(v);
}

export function hasDouble(t: SqlType): boolean {
  if (t.kind === 'double') return true;
  return t.kind === 'struct' && t.fields.some((f) => hasDouble(f.type));
}

export function numbersClose(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const d = Math.abs(a - b);
  return d <= ABS_TOL || d <= REL_TOL * Math.max(Math.abs(a), Math.abs(b));
}

/** SQL equality for the comparison: NULL matches NULL, DOUBLE within tolerance, the rest exactly. */
export function valuesMatch(a: Value, b: Value, t: SqlType | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === 'number' && typeof b === 'number') {
    return t?.kind === 'double' ? numbersClose(a, b) : encodeValue(a) === encodeValue(b);
  }
  if (typeof a === 'object' && typeof b === 'object') {
    if (t?.kind === 'struct') return t.fields.every((f) => valuesMatch(a[f.name] ?? null, b[f.name] ?? null, f.type));
    return encodeValue(a) === encodeValue(b);
  }
  return a === b;
}

export function rowsMatch(a: Row, b: Row, columns: readonly ColumnInfo[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((v, i) => valuesMatch(v, b[i] ?? null, columns[i]?.type));
}

/** `2024-05-20T10:00:00.000Z`, or with six fraction digits when there are microseconds. */
export function formatMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return `${us}us`;
  const iso = d.toISOString();
  const sub = us - ms * 1000;
  return sub === 0 ? iso : `${iso.slice(0, -1)}${String(sub).padStart(3, '0')}Z`;
}

export function formatValue(v: Value, t: SqlType | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  if (t?.kind === 'timestamp' && typeof v === 'number') return formatMicros(v);
  switch (typeof v) {
    case 'string':
      return `'${v.replace(/'/g, "''")}'`;
    case 'number':
    case 'boolean':
      return String(v);
    default: {
      const fields = t?.kind === 'struct' ? t.fields : Object.keys(v).map((name) => ({ name, type: undefined }));
      return `{${fields.map((f) => `${f.name}: ${formatValue(v[f.name] ?? null, f.type)}`).join(', ')}}`;
    }
  }
}

/** `{sensor: 'a', window_start: 2024-05-20T10:00:00.000Z, cnt: 3}` */
export function formatRow(row: Row, columns: readonly ColumnInfo[]): string {
  return `{${row.map((v, i) => `${columns[i]?.name ?? `c${i}`}: ${formatValue(v, columns[i]?.type)}`).join(', ')}}`;
}
