// TIMESTAMP text and numbers: parsing JSON/CSV input and formatting output as ISO-8601 UTC.
// Hand-written scanner (no Date.parse): this runs once per record on the decode hot path.

const US_PER_SECOND = 1_000_000;
const US_PER_DAY = 86_400_000_000;
const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (valid for any year). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Proleptic Gregorian civil date of a day number (days since 1970-01-01), after H. Hinnant; inverse of daysFromCivil. */
export function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Value of `n` ASCII digits at `i`, or -1 when any is not a digit. */
function digits(s: string, i: number, n: number): number {
  if (i + n > s.length) return -1;
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * ISO-8601 with `T` or a space, `HH:MM` with optional `:SS` and a fraction of 1 or more digits
 * (digits past the sixth are truncated, not rounded), optional zone (`Z`, `+02:00`, `+0200`,
 * `-05`; none means UTC), or a date alone (midnight UTC); a number is epoch milliseconds
 * (a fraction gives microseconds). Returns epoch microseconds, or undefined when the input is
 * not a timestamp or a field is out of range.
 */
export function parseTimestamp(v: string | number): number | undefined {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return undefined;
    const us = Number.isInteger(v) ? v * 1000 : Math.round(v * 1000);
    return Number.isSafeInteger(us) ? us : undefined;
  }
  return parseIsoTimestamp(v);
}

function parseIsoTimestamp(s: string): number | undefined {
  const len = s.length;
  if (len < 10) return undefined;
  const y = digits(s, 0, 4);
  if (y < 0 || s.charCodeAt(4) !== 45 /* - */ || s.charCodeAt(7) !== 45) return undefined;
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  const days = daysFromCivil(y, mo, d);
  if (len === 10) return days * US_PER_DAY;

  const sep = s.charCodeAt(10);
  if (sep !== 84 /* T */ && sep !== 32 /* space */ && sep !== 116 /* t */) return undefined;
  const h = digits(s, 11, 2);
  if (h < 0 || h > 23 || s.charCodeAt(13) !== 58 /* : */) return undefined;
  const mi = digits(s, 14, 2);
  if (mi < 0 || mi > 59) return undefined;
  let i = 16;
  let sec = 0;
  let frac = 0;
  if (i < len && s.charCodeAt(i) === 58) {
    sec = digits(s, i + 1, 2);
    if (sec < 0 || sec > 59) return undefined;
    i += 3;
    if (i < len && (s.charCodeAt(i) === 46 /* . */ || s.charCodeAt(i) === 44) /* , */) {
      i++;
      const start = i;
      let scale = 100_000;
      while (i < len) {
        const c = s.charCodeAt(i) - 48;
        if (c < 0 || c > 9) break;
        frac += c * scale;
        scale = scale >= 10 ? scale / 10 : 0;
        i++;
      }
      if (i === start) return undefined;
    }
  }
  let offsetUs = 0;
  if (i < len) {
    const z = s.charCodeAt(i);
    if (z === 90 /* Z */ || z === 122 /* z */) {
      i++;
    } else if (z === 43 /* + */ || z === 45 /* - */) {
      const oh = digits(s, i + 1, 2);
      if (oh < 0 || oh > 23) return undefined;
      i += 3;
      let om = 0;
      if (i < len) {
        if (s.charCodeAt(i) === 58) i++;
        om = digits(s, i, 2);
        if (om < 0 || om > 59) return undefined;
        i += 2;
      }
      offsetUs = (oh * 3600 + om * 60) * US_PER_SECOND;
      if (z === 45) offsetUs = -offsetUs;
    } else {
      return undefined;
    }
    if (i !== len) return undefined;
  }
  return days * US_PER_DAY + ((h * 60 + mi) * 60 + sec) * US_PER_SECOND + frac - offsetUs;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`;
}

/**
 * `2024-05-20T10:00:00.123Z` (always milliseconds; six fraction digits when there are micros:
 * `...00.123456Z`). Floors toward minus infinity, so pre-1970 values print the right fields.
 */
export function formatTimestamp(micros: number): string {
  if (!Number.isFinite(micros)) return micros > 0 ? '+infinity' : micros < 0 ? '-infinity' : 'NaN';
  const ms = Math.floor(micros / 1000);
  const subMs = micros - ms * 1000;
  const days = Math.floor(ms / MS_PER_DAY);
  let rem = ms - days * MS_PER_DAY;
  const milli = rem % 1000;
  rem = (rem - milli) / 1000;
  const sec = rem % 60;
  rem = (rem - sec) / 60;
  const min = rem % 60;
  const hour = (rem - min) / 60;
  const { y, m, d } = civilFromDays(days);
  const year = y >= 0 && y <= 9999 ? String(y).padStart(4, '0') : (y < 0 ? '-' : '+') + String(Math.abs(y)).padStart(6, '0');
  const fraction = subMs === 0 ? pad3(milli) : pad3(milli) + pad3(subMs);
  return `${year}-${pad2(m)}-${pad2(d)}T${pad2(hour)}:${pad2(min)}:${pad2(sec)}.${fraction}Z`;
}

/**
 * formatTimestamp with a memo of the last second formatted: a column's values (an output's event
 * times) come mostly in order, many per second, so the date and time of day are built once per
 * second and only the fraction per value. One formatter per column (each keeps its own second).
 */
export function timestampFormatter(): (micros: number) => string {
  let second = Number.NaN;
  let prefix = '';
  return (micros) => {
    // Fractional micros, or beyond 2^53 (past the year 2255), round differently: left to formatTimestamp.
    if (!Number.isSafeInteger(micros)) return formatTimestamp(micros);
    const sec = Math.floor(micros / 1_000_000);
    if (sec !== second) {
      const whole = formatTimestamp(sec * 1_000_000);
      // `...:SS.000Z`: everything up to and including the dot.
      prefix = whole.slice(0, whole.length - 4);
      second = sec;
    }
    const within = micros - sec * 1_000_000;
    const milli = Math.floor(within / 1000);
    const subMs = within - milli * 1000;
    return `${prefix}${subMs === 0 ? pad3(milli) : pad3(milli) + pad3(subMs)}Z`;
  };
}
