// JSON records -> positional rows: the decode hot path of every source. One converter and one
// field getter per column are compiled up front; a record costs its JSON.parse, the row array
// and the result object. CSV text has its own decoder (csv.ts) chosen by the reader.

import type { Column } from '../../catalog/catalog.js';
import type { Row } from '../../catalog/types.js';
import type { DecodeResult, RecordDecoder, SourceReader } from '../connector.js';
import { compileConverter, compileFieldGetter, failure, FAIL, showValue } from './convert.js';

export type { DecodeResult, RecordDecoder } from '../connector.js';

/** Index of the event-time column (exact name, then case-insensitive), -1 when none. */
export function eventTimeIndex(columns: readonly Column[], eventTime: string | undefined): number {
  if (eventTime === undefined) return -1;
  const exact = columns.findIndex((c) => c.name === eventTime);
  if (exact >= 0) return exact;
  const lower = eventTime.toLowerCase();
  return columns.findIndex((c) => c.name.toLowerCase() === lower);
}

/**
 * A decoder of JSON text or already-parsed objects (datagen) into rows in column order.
 * Missing fields and JSON null become NULL, except the event-time column, which rejects the
 * record with "missing event time 'ts'". Errors name the column and the offending value.
 */
export function compileDecoder(columns: readonly Column[], eventTime: string | undefined): RecordDecoder {
  const n = columns.length;
  const getters = columns.map((c) => compileFieldGetter(c.name));
  const convs = columns.map((c) => compileConverter(c.type, c.name));
  const et = eventTimeIndex(columns, eventTime);
  const missingEventTime = `missing event time '${eventTime ?? ''}'`;
  return (value) => {
    let o: unknown = value;
    if (typeof value === 'string') {
      try {
        o = JSON.parse(value);
      } catch (e) {
        return { error: `not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      return { error: `expected a JSON object, got ${showValue(o)}` };
    }
    const obj = o as Record<string, unknown>;
    const row: Row = [];
    for (let i = 0; i < n; i++) {
      const v = getters[i]!(obj);
      if (v === undefined || v === null) {
        if (i === et) return { error: missingEventTime };
        row.push(null);
        continue;
      }
      const c = convs[i]!(v);
      if (c === FAIL) return { error: failure() };
      row.push(c);
    }
    return { row };
  };
}

/** The decoder for a reader's records: its own (CSV) when it has one, else JSON. */
export function compileSourceDecoder(
  reader: SourceReader,
  columns: readonly Column[],
  eventTime: string | undefined,
): RecordDecoder {
  return reader.decoder?.(columns, eventTime) ?? compileDecoder(columns, eventTime);
}

/** Shape check used by callers that only want the row or the error text. */
export function isDecodeError(r: DecodeResult): r is { error: string } {
  return 'error' in r;
}
