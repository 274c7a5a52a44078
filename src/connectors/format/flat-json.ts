// A scanner of flat JSON objects for the decoder's hot path (decode.ts). Records of one topic are
// mostly one flat shape (`{"sensor":"s-1","value":21.5,"ts":1716199200000}`), and reading the
// schema's fields straight from the text costs ~60% of JSON.parse, which builds an object only
// to have its fields read once.
//
// The scanner either produces exactly what JSON.parse would give for each field, or gives up and
// the caller takes JSON.parse's path, so no record decodes differently (the property test in
// test/unit/connectors/flat-json.test.ts holds the two paths to that). It gives up on anything
// outside the plain case: escapes in keys or strings, nested objects and arrays, a schema field
// missing or given twice, a field name in Object.prototype, and any text that is not valid JSON
// (JSON.parse then words the error).

/** Exact powers of ten: a mantissa below 2^53 divided by one of them is correctly rounded (Clinger). */
export const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** Schemas wider than this look keys up in a map once the expected next name misses. */
export const WIDE = 16;

/** Scans `text` into `out` (one slot per name, in `names` order); false: use JSON.parse. */
export type FlatScanner = (text: string, out: unknown[]) => boolean;

export function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** The index of the quote closing a string whose text starts at `from`; -1 at an escape, a control character or the end. */
function plainStringEnd(text: string, from: number): number {
  const len = text.length;
  for (let j = from; j < len; j++) {
    const d = text.charCodeAt(j);
    if (d === 34) return j;
    if (d === 92 || d < 32) return -1;
  }
  return -1;
}

/** Names a scanner can match safely (see above): some, distinct, none in Object.prototype, none with a quote, backslash or control character. */
export function scannableNames(names: readonly string[]): boolean {
  return names.length > 0 && !names.some((n) => n in Object.prototype || /["\\\u0000-\u001f]/.test(n)) && new Set(names).size === names.length;
}

/** Scanner for `names`, or undefined when a name cannot be matched safely (see above). */
export function compileFlatScanner(names: readonly string[]): FlatScanner | undefined {
  if (!scannableNames(names)) return undefined;
  const n = names.length;
  const codes = names.map((name) => Array.from({ length: name.length }, (_, i) => name.charCodeAt(i)));
  /** Where the value scanned last ends (numbers and strings report through it); -1: invalid. */
  let end = 0;

  // Wide schemas: past the hint, a map (trying every name was quadratic in the column count for
  // keys out of order or not in the schema: a 20,000-column record took minutes).
  const byName = n > WIDE ? new Map(names.map((name, i) => [name, i])) : undefined;

  /** Index of the schema name equal to text[from, to), -1 for another key. `hint`: the likely one. */
  function keyIndex(text: string, from: number, to: number, hint: number): number {
    const len = to - from;
    if (byName !== undefined) {
      const c = codes[hint]!;
      if (c.length === len) {
        let j = 0;
        while (j < len && text.charCodeAt(from + j) === c[j]) j++;
        if (j === len) return hint;
      }
      return byName.get(text.slice(from, to)) ?? -1;
    }
    for (let t = 0; t < n; t++) {
      const k = hint + t < n ? hint + t : hint + t - n;
      const c = codes[k]!;
      if (c.length !== len) continue;
      let j = 0;
      while (j < len && text.charCodeAt(from + j) === c[j]) j++;
      if (j === len) return k;
    }
    return -1;
  }

  /** A JSON number at `i`: its value, `end` after it (or -1 when it is not one). */
  function number(text: string, i: number): number {
    const start = i;
    let c = text.charCodeAt(i);
    const negative = c === 45;
    if (negative) c = text.charCodeAt(++i);
    let m = 0;
    let digits = 0;
    if (c === 48) {
      c = text.charCodeAt(++i);
    } else if (c >= 49 && c <= 57) {
      do {
        m = m * 10 + (c - 48);
        digits++;
        c = text.charCodeAt(++i);
      } while (c >= 48 && c <= 57);
    } else {
      end = -1;
      return 0;
    }
    let frac = 0;
    if (c === 46) {
      c = text.charCodeAt(++i);
      if (!(c >= 48 && c <= 57)) {
        end = -1;
        return 0;
      }
      do {
        m = m * 10 + (c - 48);
        digits++;
        frac++;
        c = text.charCodeAt(++i);
      } while (c >= 48 && c <= 57);
    }
    let exact = digits <= 15;
    if (c === 101 || c === 69) {
      c = text.charCodeAt(++i);
      if (c === 43 || c === 45) c = text.charCodeAt(++i);
      if (!(c >= 48 && c <= 57)) {
        end = -1;
        return 0;
      }
      do c = text.charCodeAt(++i);
      while (c >= 48 && c <= 57);
      exact = false;
    }
    end = i;
    // Up to 15 digits and no exponent: exact in a double, one rounding. Else the runtime's parse.
    if (!exact) return Number(text.slice(start, i));
    const v = frac === 0 ? m : m / POW10[frac]!;
    return negative ? -v : v;
  }

  return (text, out) => {
    const len = text.length;
    for (let k = 0; k < n; k++) out[k] = undefined;
    let found = 0;
    let i = 0;
    let c = text.charCodeAt(0);
    while (isSpace(c)) c = text.charCodeAt(++i);
    if (c !== 123) return false;
    c = text.charCodeAt(++i);
    while (isSpace(c)) c = text.charCodeAt(++i);
    // The next schema field expected: producers write fields in one order.
    let hint = 0;
    if (c !== 125) {
      for (;;) {
        if (c !== 34) return false;
        const ks = i + 1;
        const j = plainStringEnd(text, ks);
        if (j < 0) return false;
        const k = keyIndex(text, ks, j, hint);
        i = j + 1;
        c = text.charCodeAt(i);
        while (isSpace(c)) c = text.charCodeAt(++i);
        if (c !== 58) return false;
        c = text.charCodeAt(++i);
        while (isSpace(c)) c = text.charCodeAt(++i);
        let v: unknown;
        if (c === 34) {
          const vs = i + 1;
          const e = plainStringEnd(text, vs);
          if (e < 0) return false;
          v = k < 0 ? undefined : text.slice(vs, e);
          i = e + 1;
        } else if (c === 45 || (c >= 48 && c <= 57)) {
          v = number(text, i);
          if (end < 0) return false;
          i = end;
        } else if (c === 116 && text.startsWith('true', i)) {
          v = true;
          i += 4;
        } else if (c === 102 && text.startsWith('false', i)) {
          v = false;
          i += 5;
        } else if (c === 110 && text.startsWith('null', i)) {
          v = null;
          i += 4;
        } else {
          // Objects, arrays, anything else: JSON.parse's path.
          return false;
        }
        if (k >= 0) {
          // Twice: JSON.parse keeps the last, the slow path knows.
          if (out[k] !== undefined) return false;
          out[k] = v;
          found++;
          hint = k + 1 < n ? k + 1 : 0;
        }
        c = text.charCodeAt(i);
        while (isSpace(c)) c = text.charCodeAt(++i);
        if (c === 44) {
          c = text.charCodeAt(++i);
          while (isSpace(c)) c = text.charCodeAt(++i);
          continue;
        }
        if (c !== 125) return false;
        break;
      }
    }
    c = text.charCodeAt(++i);
    while (isSpace(c)) c = text.charCodeAt(++i);
    // Trailing text is invalid JSON; a missing field may be spelled in another case (the slow path's getters).
    return i >= len && found === n;
  };
}
