// JSON records -> positional rows: the decode hot path of every source. One converter and one
// field getter per column are compiled up front; a record costs its JSON.parse, the row array
// and the result object. CSV text has its own decoder (csv.ts) chosen by the reader.

import type { Column } from '../../catalog/catalog.js';
import type { SqlType, Value } from '../../catalog/types.js';
import { BLANK, DecodeError, isBlank, type DecodeResult, type RecordDecoder, type SourceReader } from '../connector.js';
import { compileConverter, compileFieldGetter, failure, FAIL, showValue } from './convert.js';
import { compileFlatScanner } from './flat-json.js';
import { compileFlatByteScanner } from './flat-json-bytes.js';

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
 * Blank text is BLANK (skipped and counted, not a dead letter). Missing fields and JSON null become NULL, except the event-time column, which rejects the
 * record with "missing event time 'ts'". Errors name the column and the offending value.
 *
 * This is the hot path of every source, so the decoder is generated once per schema as one
 * function: the fields of a plain flat object read straight from the text (flat-json.ts), else
 * JSON.parse and monomorphic property reads (`o["sensor"]`); an inline fast path per column for
 * the common JSON type (a string for VARCHAR, a number for DOUBLE), and the row built as one array
 * literal. Anything else (case-insensitive field names, numeric text, timestamps, structs,
 * errors) goes through the compiled converters of convert.ts.
 */
export function compileDecoder(columns: readonly Column[], eventTime: string | undefined): RecordDecoder {
  return generate(columns, eventTime, undefined, false) as RecordDecoder;
}

/**
 * A value decoder whose rows have `width` columns: value column i at `at[i]`, and the other
 * columns, in order, from the arguments after the value (a Kafka message's key columns, say),
 * so that the row is built once, as one array literal, with no array of the value's columns in
 * between. Errors and BLANK as compileDecoder's.
 */
export function compileWideDecoder(columns: readonly Column[], eventTime: string | undefined, width: number, at: readonly number[]): (value: string, ...extra: Value[]) => DecodeResult {
  return generate(columns, eventTime, { width, at }, false) as (value: string, ...extra: Value[]) => DecodeResult;
}

/** The way to a JSON value's text when its bytes alone do not do (a Kafka record's lazy `value`). */
export interface JsonText {
  readonly value: unknown;
}

/** A decoder of the JSON value in `bytes[start, end)`, `source.value` being its text. */
export type ByteDecoder = (source: JsonText, bytes: Buffer, start: number, end: number, ...extra: Value[]) => DecodeResult;

/**
 * A decoder of JSON values given as UTF-8 bytes (a Kafka message value, in place in its record's
 * bytes): the plain flat object read from the bytes (flat-json-bytes.ts), anything else from
 * `source.value`, the value's text, as compileDecoder (or compileWideDecoder, with `wide`) would.
 */
export function compileByteDecoder(columns: readonly Column[], eventTime: string | undefined, wide?: { width: number; at: readonly number[] }): ByteDecoder {
  return generate(columns, eventTime, wide, true) as ByteDecoder;
}

function generate(columns: readonly Column[], eventTime: string | undefined, wide: { width: number; at: readonly number[] } | undefined, bytes: boolean): unknown {
  const getters = columns.map((c) => compileFieldGetter(c.name));
  const convs = columns.map((c) => compileConverter(c.type, c.name));
  const et = eventTimeIndex(columns, eventTime);
  const missingEventTime = `missing event time '${eventTime ?? ''}'`;
  // The plain case reads the fields straight from the text (flat-json.ts); the rest, and
  // everything the scanner gives up on, goes through JSON.parse and the field getters.
  const scan = compileFlatScanner(columns.map((c) => c.name));
  const byteScan = bytes ? compileFlatByteScanner(columns.map((c) => c.name)) : undefined;
  const scratch: unknown[] = new Array<unknown>(columns.length).fill(undefined);
  const reads: string[] = [];
  const converts: string[] = [];
  columns.forEach((c, i) => {
    // Names that Object.prototype has (`constructor`) must not be read directly.
    const read = c.name in Object.prototype ? `getters[${i}](o)` : `o[${JSON.stringify(c.name)}]`;
    reads.push(`v${i} = ${read};`);
    if (!(c.name in Object.prototype)) reads.push(`if (v${i} === undefined) v${i} = getters[${i}](o);`);
    const onNull = i === et ? `return new DecodeError(missingEventTime);` : `v${i} = null;`;
    const fast = FAST_PATH[c.type.kind];
    converts.push(
      `if (v${i} === undefined || v${i} === null) { ${onNull} }` +
        (fast ? ` else if (!(${fast(`v${i}`)})) {` : ' else {') +
        ` v${i} = convs[${i}](v${i}); if (v${i} === FAIL) return new DecodeError(failure()); }`,
    );
  });
  const vars = columns.map((_, i) => `v${i}`);
  // The row literal: the value's columns, or (wide) those at their places and the extra arguments between.
  let params = '';
  let items = vars;
  if (wide !== undefined) {
    const slots: string[] = new Array<string>(wide.width);
    wide.at.forEach((o, i) => (slots[o] = `v${i}`));
    const extra: string[] = [];
    for (let o = 0; o < wide.width; o++) if (slots[o] === undefined) extra.push((slots[o] = `x${extra.length}`));
    params = extra.map((x) => `, ${x}`).join('');
    items = slots;
  }
  // Bytes: the byte scanner first, then the text (the record's lazy value) down the text path.
  const head = bytes
    ? `function decodeJsonBytes(source, bytes, start, end${params}) {
      let ${vars.length > 0 ? vars.join(', ') : '_'};
      let value;
      if (byteScan !== undefined && byteScan(bytes, start, end, scratch)) {
        ${vars.map((v, i) => `${v} = scratch[${i}];`).join(' ')}
      } else if ((value = source.value), scan !== undefined && typeof value === 'string' && scan(value, scratch)) {`
    : `function decodeJson(value${params}) {
      let ${vars.length > 0 ? vars.join(', ') : '_'};
      if (scan !== undefined && typeof value === 'string' && scan(value, scratch)) {`;
  const source = `
    return ${head}
        ${vars.map((v, i) => `${v} = scratch[${i}];`).join(' ')}
      } else {
        let o = value;
        if (typeof value === 'string') {
          try { o = JSON.parse(value); }
          catch (e) {
            if (isBlank(value)) return BLANK;
            return new DecodeError('not valid JSON: ' + (e instanceof Error ? e.message : String(e)));
          }
        }
        if (typeof o !== 'object' || o === null || Array.isArray(o)) return new DecodeError('expected a JSON object, got ' + showValue(o));
        ${reads.join('\n        ')}
      }
      ${converts.join('\n      ')}
      return [${items.join(', ')}];
    };`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('getters', 'convs', 'FAIL', 'failure', 'DecodeError', 'showValue', 'missingEventTime', 'scan', 'scratch', 'BLANK', 'isBlank', 'byteScan', source) as (
    ...args: unknown[]
  ) => unknown;
  return make(getters, convs, FAIL, failure, DecodeError, showValue, missingEventTime, scan, scratch, BLANK, isBlank, byteScan);
}

/**
 * Per type, a JS condition under which a JSON value is already the in-memory value (kept as
 * is); otherwise the column's converter decides. Only exact, cheap checks belong here.
 */
const FAST_PATH: Partial<Record<SqlType['kind'], (v: string) => string>> = {
  varchar: (v) => `typeof ${v} === 'string'`,
  // Finite only (x - x is NaN for NaN and ±Infinity): a JSON 1e999 goes to the converter, which refuses it.
  double: (v) => `typeof ${v} === 'number' && ${v} - ${v} === 0`,
  boolean: (v) => `typeof ${v} === 'boolean'`,
  int: (v) => `typeof ${v} === 'number' && (${v} | 0) === ${v}`,
};

/** The decoder for a reader's records: its own (CSV) when it has one, else JSON. */
export function compileSourceDecoder(
  reader: SourceReader,
  columns: readonly Column[],
  eventTime: string | undefined,
): RecordDecoder {
  return reader.decoder?.(columns, eventTime) ?? compileDecoder(columns, eventTime);
}

/** Shape check used by callers that only want the row or the error text. */
export function isDecodeError(r: DecodeResult): r is DecodeError {
  return r instanceof DecodeError;
}
