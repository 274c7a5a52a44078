// The byte-level twin of flat-json.ts: the schema's fields of a plain flat JSON object read straight
// from the UTF-8 bytes of a Kafka message value, with no string of the whole value made first (a
// record's text was its largest allocation). Only the fields kept become strings.
//
// Same contract as the text scanner: it either produces exactly what JSON.parse of the value's
// UTF-8 text would give for each field, or gives up and the caller takes the text path (the
// property test in test/unit/connectors/flat-json-bytes.test.ts holds the two to that). On top of
// the text scanner's give-ups (escapes, nesting, missing or repeated fields, invalid JSON), it
// gives up on any byte past ASCII in a kept string value: the text path decodes UTF-8 (and its
// replacement of invalid sequences) once, for the whole value. Bytes past ASCII in keys and
// values that are skipped are only stepped over: UTF-8 decoding never merges such a byte with an
// ASCII one, so quotes, backslashes and control characters stand where they stood.

import { isSpace, POW10, scannableNames, WIDE } from './flat-json.js';

/** Scans `bytes[start, end)` into `out` (one slot per name, in `names` order); false: use the text path. */
export type FlatByteScanner = (bytes: Buffer, start: number, end: number, out: unknown[]) => boolean;

/** Node's Buffer has latin1Slice (its fastest decoder); for ASCII bytes it is the UTF-8 text. */
interface Latin1 {
  latin1Slice(start: number, end: number): string;
}

function ascii(bytes: Buffer, from: number, to: number): string {
  return (bytes as unknown as Latin1).latin1Slice(from, to);
}

/** Scanner for `names`, or undefined when a name cannot be matched safely (flat-json.ts's rules, plus ASCII names only). */
export function compileFlatByteScanner(names: readonly string[]): FlatByteScanner | undefined {
  if (!scannableNames(names) || names.some((n) => /[^\u0000-\u007f]/.test(n))) return undefined;
  if (typeof (Buffer.prototype as unknown as Partial<Latin1>).latin1Slice !== 'function') return undefined;
  const n = names.length;
  const codes = names.map((name) => Array.from({ length: name.length }, (_, i) => name.charCodeAt(i)));
  /** Where the value scanned last ends (numbers and strings report through it); -1: give up. */
  let end = 0;
  /** True when the string scanned last held a byte past ASCII. */
  let wide = false;
  const byName = n > WIDE ? new Map(names.map((name, i) => [name, i])) : undefined;

  /** The index of the quote closing a string whose bytes start at `from`; -1 at an escape, a control byte or the end. Sets `wide`. */
  function stringEnd(b: Buffer, from: number, len: number): number {
    let high = false;
    for (let j = from; j < len; j++) {
      const d = b[j]!;
      if (d === 34) {
        wide = high;
        return j;
      }
      if (d === 92 || d < 32) return -1;
      if (d >= 128) high = true;
    }
    return -1;
  }

  /** Index of the schema name equal to bytes[from, to), -1 for another key. `hint`: the likely one. */
  function keyIndex(b: Buffer, from: number, to: number, hint: number): number {
    const len = to - from;
    if (byName !== undefined) {
      const c = codes[hint]!;
      if (c.length === len) {
        let j = 0;
        while (j < len && b[from + j] === c[j]) j++;
        if (j === len) return hint;
      }
      // A key with bytes past ASCII matches no (ASCII) name: its latin1 text has them too.
      return byName.get(ascii(b, from, to)) ?? -1;
    }
    for (let t = 0; t < n; t++) {
      const k = hint + t < n ? hint + t : hint + t - n;
      const c = codes[k]!;
      if (c.length !== len) continue;
      let j = 0;
      while (j < len && b[from + j] === c[j]) j++;
      if (j === len) return k;
    }
    return -1;
  }

  /** A JSON number at `i`: its value, `end` after it (or -1 when it is not one). -1 past the end stands for no byte. */
  function number(b: Buffer, i: number, len: number): number {
    const start = i;
    let c = i < len ? b[i]! : -1;
    const negative = c === 45;
    if (negative) c = ++i < len ? b[i]! : -1;
    let m = 0;
    let digits = 0;
    if (c === 48) {
      c = ++i < len ? b[i]! : -1;
    } else if (c >= 49 && c <= 57) {
      do {
        m = m * 10 + (c - 48);
        digits++;
        c = ++i < len ? b[i]! : -1;
      } while (c >= 48 && c <= 57);
    } else {
      end = -1;
      return 0;
    }
    let frac = 0;
    if (c === 46) {
      c = ++i < len ? b[i]! : -1;
      if (!(c >= 48 && c <= 57)) {
        end = -1;
        return 0;
      }
      do {
        m = m * 10 + (c - 48);
        digits++;
        frac++;
        c = ++i < len ? b[i]! : -1;
      } while (c >= 48 && c <= 57);
    }
    let exact = digits <= 15;
    if (c === 101 || c === 69) {
      c = ++i < len ? b[i]! : -1;
      if (c === 43 || c === 45) c = ++i < len ? b[i]! : -1;
      if (!(c >= 48 && c <= 57)) {
        end = -1;
        return 0;
      }
      do c = ++i < len ? b[i]! : -1;
      while (c >= 48 && c <= 57);
      exact = false;
    }
    end = i;
    // Up to 15 digits and no exponent: exact in a double, one rounding. Else the runtime's parse.
    if (!exact) return Number(ascii(b, start, i));
    const v = frac === 0 ? m : m / POW10[frac]!;
    return negative ? -v : v;
  }

  /** True when bytes[i, i + word.length) are `word`'s. */
  function literal(b: Buffer, i: number, len: number, word: readonly number[]): boolean {
    if (i + word.length > len) return false;
    for (let j = 0; j < word.length; j++) if (b[i + j] !== word[j]) return false;
    return true;
  }
  const TRUE = [116, 114, 117, 101];
  const FALSE = [102, 97, 108, 115, 101];
  const NULL = [110, 117, 108, 108];

  return (b, start, len, out) => {
    for (let k = 0; k < n; k++) out[k] = undefined;
    let found = 0;
    let i = start;
    let c = i < len ? b[i]! : -1;
    while (isSpace(c)) c = ++i < len ? b[i]! : -1;
    if (c !== 123) return false;
    c = ++i < len ? b[i]! : -1;
    while (isSpace(c)) c = ++i < len ? b[i]! : -1;
    // The next schema field expected: producers write fields in one order.
    let hint = 0;
    if (c !== 125) {
      for (;;) {
        if (c !== 34) return false;
        const ks = i + 1;
        const j = stringEnd(b, ks, len);
        if (j < 0) return false;
        const k = keyIndex(b, ks, j, hint);
        i = j + 1;
        c = i < len ? b[i]! : -1;
        while (isSpace(c)) c = ++i < len ? b[i]! : -1;
        if (c !== 58) return false;
        c = ++i < len ? b[i]! : -1;
        while (isSpace(c)) c = ++i < len ? b[i]! : -1;
        let v: unknown;
        if (c === 34) {
          const vs = i + 1;
          const e = stringEnd(b, vs, len);
          if (e < 0) return false;
          if (k >= 0) {
            // Past ASCII: the text path decodes the UTF-8.
            if (wide) return false;
            v = ascii(b, vs, e);
          }
          i = e + 1;
        } else if (c === 45 || (c >= 48 && c <= 57)) {
          v = number(b, i, len);
          if (end < 0) return false;
          i = end;
        } else if (c === 116 && literal(b, i, len, TRUE)) {
          v = true;
          i += 4;
        } else if (c === 102 && literal(b, i, len, FALSE)) {
          v = false;
          i += 5;
        } else if (c === 110 && literal(b, i, len, NULL)) {
          v = null;
          i += 4;
        } else {
          // Objects, arrays, anything else: the text path.
          return false;
        }
        if (k >= 0) {
          // Twice: JSON.parse keeps the last, the text path knows.
          if (out[k] !== undefined) return false;
          out[k] = v;
          found++;
          hint = k + 1 < n ? k + 1 : 0;
        }
        c = i < len ? b[i]! : -1;
        while (isSpace(c)) c = ++i < len ? b[i]! : -1;
        if (c === 44) {
          c = ++i < len ? b[i]! : -1;
          while (isSpace(c)) c = ++i < len ? b[i]! : -1;
          continue;
        }
        if (c !== 125) return false;
        break;
      }
    }
    c = ++i < len ? b[i]! : -1;
    while (isSpace(c)) c = ++i < len ? b[i]! : -1;
    // Trailing bytes are invalid JSON; a missing field may be spelled in another case (the text path's getters).
    return i >= len && found === n;
  };
}
