// VARCHAR -> INT/BIGINT/DOUBLE/BOOLEAN/TIMESTAMP as DuckDB's TRY_CAST reads text: surrounding
// whitespace ignored, `_` between digits, hex/binary integers, `inf`/`nan` doubles, and
// `2024-05-20[ T]10:00[:00[.ffffff]]` timestamps. Returns null where DuckDB's CAST would fail.

import { daysFromCivil } from '../catalog/timestamp.js';

const DIGITS = '\\d+(?:_\\d+)*';
const DECIMAL = new RegExp(`^([+-]?)(${DIGITS})?(?:\\.(${DIGITS})?)?(?:[eE]([+-]?${DIGITS}))?$`);
const RADIX = /^0([xXbB])([0-9a-fA-F]+(?:_[0-9a-fA-F]+)*)$/;
const SPECIAL_DOUBLE = /^([+-]?)(inf|infinity|nan)$/i;

/** Integer text: decimals are rounded half away from zero, as DuckDB does for text. */
export function parseInteger(text: string, min: number, max: number): number | null {
  const s = text.trim();
  const r = RADIX.exec(s);
  if (r) {
    const digits = r[2]!.replace(/_/g, '');
    const isHex = r[1] === 'x' || r[1] === 'X';
    if (!isHex && /[^01]/.test(digits)) return null;
    const v = parseInt(digits, isHex ? 16 : 2);
    return v >= min && v <= max ? v : null;
  }
  const m = DECIMAL.exec(s);
  if (!m || (m[2] === undefined && m[3] === undefined)) return null;
  const intDigits = (m[2] ?? '').replace(/_/g, '');
  const fracDigits = (m[3] ?? '').replace(/_/g, '');
  const exp = m[4] === undefined ? 0 : Number(m[4].replace(/_/g, ''));
  // Shift the decimal point exactly on the digit string, then round on the first dropped digit.
  const all = intDigits + fracDigits;
  const point = intDigits.length + exp;
  let whole: number;
  let roundUp: boolean;
  if (point <= 0) {
    whole = 0;
    roundUp = point === 0 && all.length > 0 && all.charCodeAt(0) >= 53;
  } else if (point >= all.length) {
    whole = Number(all + '0'.repeat(point - all.length));
    roundUp = false;
  } else {
    whole = Number(all.slice(0, point));
    roundUp = all.charCodeAt(point) >= 53;
  }
  let v = whole + (roundUp ? 1 : 0);
  if (m[1] === '-') v = v === 0 ? 0 : -v;
  return v >= min && v <= max ? v : null;
}

export function parseDouble(text: string): number | null {
  const s = text.trim();
  const sp = SPECIAL_DOUBLE.exec(s);
  if (sp) {
    if (sp[2]!.toLowerCase() === 'nan') return NaN;
    return sp[1] === '-' ? -Infinity : Infinity;
  }
  const m = DECIMAL.exec(s);
  if (!m || (m[2] === undefined && m[3] === undefined)) return null;
  return Number(s.replace(/_/g, ''));
}

const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0']);

export function parseBoolean(text: string): boolean | null {
  const s = text.toLowerCase();
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  return null;
}

const TIMESTAMP_TEXT =
  /^(\d+)([-/ ])(\d{1,2})\2(\d{1,2})(?:(?:T| +)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d*))?)?(?:Z| UTC|[+-]\d{2}(?::?\d{2})?)?)?$/;

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Epoch micros, or null. WARNING: a zone offset is accepted and ignored, because that is what
 * DuckDB's CAST(text AS TIMESTAMP) does; connectors parse zones themselves (catalog/timestamp.ts).
 */
export function parseTimestampText(text: string): number | null {
  const m = TIMESTAMP_TEXT.exec(text.trim());
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[3]);
  const d = Number(m[4]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  const h = m[5] === undefined ? 0 : Number(m[5]);
  const mi = m[6] === undefined ? 0 : Number(m[6]);
  const sec = m[7] === undefined ? 0 : Number(m[7]);
  const frac = m[8] === undefined || m[8] === '' ? 0 : Number(m[8].slice(0, 6).padEnd(6, '0'));
  if (mi > 59 || sec > 59) return null;
  if (h > 24 || (h === 24 && (mi !== 0 || sec !== 0 || frac !== 0))) return null;
  const days = daysFromCivil(y, mo, d);
  return ((days * 24 + h) * 60 + mi) * 60_000_000 + sec * 1_000_000 + frac;
}
