// RFC-4180 CSV lines -> rows. One record per line (quoted fields may hold commas and `""`
// escapes, not newlines: the file source splits on '\n'). An empty unquoted field is NULL;
// `""` is the empty string. Columns are matched to header names, exact first, then ignoring case.
// A row with more or fewer fields than the header is malformed (dead-lettered, as DuckDB's
// reader refuses it); a blank line is BLANK (skipped and counted).

import type { Column } from '../../catalog/catalog.js';
import type { Row } from '../../catalog/types.js';
import { BLANK, DecodeError, isBlank, type RecordDecoder } from '../connector.js';
import { compileConverter, failure, FAIL } from './convert.js';
import { eventTimeIndex } from './decode.js';

/**
 * Splits one CSV line into `out` (reused; entries past the returned count are stale).
 * Returns the field count, or a negative number when the line is malformed:
 * -1 unterminated quote, -2 text after a closing quote.
 */
export function splitCsvLine(line: string, out: Array<string | null>): number {
  let len = line.length;
  if (len > 0 && line.charCodeAt(len - 1) === 13) len--; // tolerate a '\r' left by the caller
  let n = 0;
  let i = 0;
  for (;;) {
    if (i < len && line.charCodeAt(i) === 34 /* " */) {
      let text = '';
      let from = i + 1;
      let j = from;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0 || q >= len) return -1;
        if (q + 1 < len && line.charCodeAt(q + 1) === 34) {
          text += line.slice(from, q + 1);
          from = j = q + 2;
          continue;
        }
        text += line.slice(from, q);
        i = q + 1;
        break;
      }
      out[n++] = text;
      if (i < len && line.charCodeAt(i) !== 44 /* , */) return -2;
    } else {
      let comma = line.indexOf(',', i);
      if (comma < 0 || comma > len) comma = len;
      out[n++] = comma === i ? null : line.slice(i, comma);
      i = comma;
    }
    if (i >= len) return n;
    i++; // past the comma
    if (i === len) {
      out[n++] = null; // trailing comma: one more empty field
      return n;
    }
  }
}

/** The header line's field names (BOM and surrounding blanks removed). */
export function parseCsvHeader(line: string): string[] {
  const text = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  const out: Array<string | null> = [];
  const n = splitCsvLine(text, out);
  const names: string[] = [];
  for (let i = 0; i < Math.abs(n) && i < out.length; i++) names.push((out[i] ?? '').trim());
  return names;
}

/** A decoder of CSV lines whose fields follow `header`; values converted as text. */
export function compileCsvDecoder(
  columns: readonly Column[],
  eventTime: string | undefined,
  header: readonly string[],
): RecordDecoder {
  const n = columns.length;
  const width = header.length;
  const lowerHeader = header.map((h) => h.toLowerCase());
  const index = columns.map((c) => {
    const exact = header.indexOf(c.name);
    return exact >= 0 ? exact : lowerHeader.indexOf(c.name.toLowerCase());
  });
  const convs = columns.map((c) => compileConverter(c.type, c.name));
  const et = eventTimeIndex(columns, eventTime);
  const missingEventTime = `missing event time '${eventTime ?? ''}'`;
  const fields: Array<string | null> = [];
  return (value) => {
    if (typeof value !== 'string') return new DecodeError('expected a CSV line');
    if (!(value.charCodeAt(0) > 32) && isBlank(value)) return BLANK;
    const count = splitCsvLine(value, fields);
    if (count === -1) return new DecodeError('malformed CSV: unterminated quoted field');
    if (count === -2) return new DecodeError('malformed CSV: text after a closing quote');
    if (count !== width) return new DecodeError(`malformed CSV: expected ${width} field${width === 1 ? '' : 's'} (the header's), found ${count}`);
    const row: Row = [];
    for (let i = 0; i < n; i++) {
      const k = index[i]!;
      const text = k >= 0 && k < count ? fields[k]! : null;
      if (text === null) {
        if (i === et) return new DecodeError(missingEventTime);
        row.push(null);
        continue;
      }
      const c = convs[i]!(text);
      if (c === FAIL) return new DecodeError(failure());
      row.push(c);
    }
    return row;
  };
}
