// Values as VARCHAR, spelled exactly as DuckDB's CAST(... AS VARCHAR) prints them: doubles in
// Python-repr style (`2.0`, `1e+16`, `1e-05`, `nan`), timestamps as `2024-05-20 10:00:00.123`.

import type { SqlType, Value } from '../catalog/types.js';
import { civilFromDays } from '../catalog/timestamp.js';

export function formatDouble(x: number): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without digits gives the shortest round-trip digits.
  const e = x.toExponential();
  const at = e.indexOf('e');
  const exp = Number(e.slice(at + 1));
  const neg = x < 0;
  const digits = e.slice(neg ? 1 : 0, at).replace('.', '');
  const sign = neg ? '-' : '';
  // Python's repr thresholds: scientific below 1e-4 and from 1e16 on.
  if (exp < -4 || exp >= 16) return sci(sign, digits, exp);
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intLen = exp + 1;
  if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

function sci(sign: string, digits: string, exp: number): string {
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const a = Math.abs(exp);
  return `${sign}${mant}e${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
}

const MICROS_PER_DAY = 86_400_000_000;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `HH:MM:SS` plus a fraction with trailing zeros removed, as DuckDB prints times. */
function formatTimeOfDay(micros: number): string {
  const secs = Math.floor(micros / 1_000_000);
  const frac = micros - secs * 1_000_000;
  const h = Math.floor(secs / 3600);
  const text = `${pad2(h)}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}`;
  if (frac === 0) return text;
  return `${text}.${String(frac).padStart(6, '0').replace(/0+$/, '')}`;
}

export function formatTimestampSql(micros: number): string {
  const days = Math.floor(micros / MICROS_PER_DAY);
  const { y, m, d } = civilFromDays(days);
  const time = formatTimeOfDay(micros - days * MICROS_PER_DAY);
  if (y <= 0) return `${String(1 - y).padStart(4, '0')}-${pad2(m)}-${pad2(d)} (BC) ${time}`;
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)} ${time}`;
}

/** A micros-only interval as DuckDB prints it: `00:00:01.5`, `-25:01:01`. */
export function formatIntervalSql(micros: number): string {
  return micros < 0 ? `-${formatTimeOfDay(-micros)}` : formatTimeOfDay(micros);
}

/** Any value of type `t` as text (CONCAT, CAST AS VARCHAR, struct fields). */
export function formatValue(v: Value, t: SqlType): string {
  if (v === null) return 'NULL';
  switch (t.kind) {
    case 'double':
      return formatDouble(v as number);
    case 'timestamp':
      return formatTimestampSql(v as number);
    case 'interval':
      return formatIntervalSql(v as number);
    case 'struct': {
      const o = v as { readonly [k: string]: Value };
      const parts = t.fields.map((f) => `'${f.name}': ${formatValue(o[f.name] ?? null, f.type)}`);
      return `{${parts.join(', ')}}`;
    }
    case 'int':
    case 'bigint':
    case 'boolean':
    case 'varchar':
    case 'null':
      return String(v);
  }
}
