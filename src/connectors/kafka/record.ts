// A Kafka message as a source record, and the decoder of such records into rows: value
// columns from the JSON value, KEY columns from the message key (plain text for one VARCHAR
// key column, else JSON fields or a JSON scalar), and the metadata columns `_partition`,
// `_offset`, `_timestamp` (the record timestamp, usable as event time).

import type { Column } from '../../catalog/catalog.js';
import type { Row, Value } from '../../catalog/types.js';
import { DecodeError, type RecordDecoder, type RecordPosition, type SourceRecord } from '../connector.js';
import { compileConverter, failure, FAIL } from '../format/convert.js';
import { compileByteDecoder, compileDecoder, compileWideDecoder, eventTimeIndex } from '../format/decode.js';
import type { FetchedMessage, MessageHeaders } from './port.js';

export const METADATA_COLUMNS = ['_partition', '_offset', '_timestamp'] as const;
type Meta = (typeof METADATA_COLUMNS)[number];

/**
 * One consumed message: its raw value (the bytes the decoder reads) and, when asked for, its
 * value as text, key, offset, timestamp and headers. The text and the position object are made
 * only when asked for (dead letters, late rows, values the byte scanner gives up on).
 */
export class KafkaRecord implements SourceRecord {
  private text: string | undefined = undefined;
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly message: FetchedMessage,
  ) {}
  /** The value as UTF-8 text ('' for a tombstone), made once, on the first read. */
  get value(): string {
    let t = this.text;
    if (t === undefined) {
      const v = this.message.value;
      // toString() without an encoding is utf8 by its fastest path.
      t = this.text = v === null ? '' : v.toString();
    }
    return t;
  }
  /** False for a tombstone (a null value). */
  get hasValue(): boolean {
    const m = this.message;
    return m.raw !== undefined ? m.valueStart! >= 0 : m.value !== null;
  }
  /** A message without a value: for a table (upsert) source, the deletion of its key. */
  get tombstone(): boolean {
    return !this.hasValue;
  }
  /** The key as UTF-8 text, null without one: read in place when the client allows it. */
  get keyText(): string | null {
    const m = this.message;
    if (m.raw !== undefined) return m.keyStart! < 0 ? null : m.raw.toString('utf8', m.keyStart, m.keyEnd);
    const key = m.key;
    // toString() without an encoding is utf8 by its fastest path.
    return key === null ? null : key.toString();
  }
  get key(): Buffer | null {
    return this.message.key;
  }
  get rawValue(): Buffer | null {
    return this.message.value;
  }
  get offset(): number {
    return this.message.offsetNumber ?? Number(this.message.offset);
  }
  get timestamp(): number {
    return Number(this.message.timestamp);
  }
  get headers(): MessageHeaders | undefined {
    return this.message.headers;
  }
  get position(): RecordPosition {
    return { topic: this.topic, partition: this.partition, offset: this.offset };
  }
  /** Kept out of checkpoints (a late row's provenance may hold the record): nothing to save. */
  toJSON(): undefined {
    return undefined;
  }
}

function isMeta(name: string): name is Meta {
  return (METADATA_COLUMNS as readonly string[]).includes(name.toLowerCase());
}

/** The columns that come from the message value (not KEY, not metadata). */
export function valueColumns(columns: readonly Column[]): Column[] {
  return columns.filter((c) => !c.key && !isMeta(c.name));
}

function compileKeyDecoder(keyCols: readonly Column[]): (key: Buffer | null) => Value[] | DecodeError {
  if (keyCols.length === 0) return () => [];
  if (keyCols.length === 1 && keyCols[0]!.type.kind === 'varchar') return (key) => [key === null ? null : key.toString('utf8')];
  const objectDecoder = compileDecoder(keyCols, undefined);
  const scalar = keyCols.length === 1 ? compileConverter(keyCols[0]!.type, keyCols[0]!.name) : undefined;
  return (key) => {
    if (key === null) return keyCols.map(() => null);
    const text = key.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (scalar && (typeof parsed !== 'object' || parsed === null)) {
      const v = parsed === null ? null : scalar(parsed);
      return v === FAIL ? new DecodeError(`message key: ${failure()}`) : [v];
    }
    const r = objectDecoder(text);
    return r instanceof DecodeError ? new DecodeError(`message key: ${r.error}`) : r;
  };
}

/**
 * The decoder of a Kafka source's records into rows in `columns` order. Without KEY and
 * metadata columns it is the plain JSON decoder (the hot path); otherwise the value is decoded
 * into its columns and the rest are filled in from the message.
 */
export function compileKafkaDecoder(columns: readonly Column[], eventTime: string | undefined, upsert = false): RecordDecoder {
  const valueCols = valueColumns(columns);
  const inValue = eventTimeIndex(valueCols, eventTime) >= 0;
  const decodeValue = compileDecoder(valueCols, inValue ? eventTime : undefined);
  // A table's tombstone: its value columns NULL but the event time, which is the record timestamp.
  const tsAt = inValue ? eventTimeIndex(valueCols, eventTime) : -1;
  const tombstone = (rec: KafkaRecord): Row => {
    const vals: Row = new Array<Value>(valueCols.length).fill(null);
    if (tsAt >= 0) vals[tsAt] = rec.timestamp * 1000;
    return vals;
  };
  if (upsert) {
    const keyCols = columns.filter((c) => c.key);
    if (keyCols.length === 0) throw new Error('internal: a Kafka table without KEY columns');
  }
  if (valueCols.length === columns.length && !upsert) {
    const fromBytes = compileByteDecoder(valueCols, inValue ? eventTime : undefined);
    const decode: RecordDecoder = (value, record) => {
      if (record instanceof KafkaRecord && !record.hasValue) return new DecodeError('message has no value (a tombstone)');
      return decodeValue(value);
    };
    // The engine's path: the value's bytes, its text only when they do not do.
    return Object.assign(decode, {
      fromRecord: (record: SourceRecord) => {
        if (!(record instanceof KafkaRecord)) return decodeValue(record.value);
        if (!record.hasValue) return new DecodeError('message has no value (a tombstone)');
        const m = record.message;
        if (m.raw !== undefined) return fromBytes(record, m.raw, m.valueStart!, m.valueEnd!);
        const v = m.value!;
        return fromBytes(record, v, 0, v.length);
      },
    });
  }
  const keyCols = columns.filter((c) => c.key);
  // The common keyed shape (one VARCHAR key, value columns, no metadata): the row in one literal.
  if (!upsert && valueCols.length > 0 && keyCols.length === 1 && keyCols[0]!.type.kind === 'varchar' && keyCols.length + valueCols.length === columns.length) {
    const at = valueCols.map((c) => columns.indexOf(c));
    const wide = compileWideDecoder(valueCols, inValue ? eventTime : undefined, columns.length, at);
    const wideBytes = compileByteDecoder(valueCols, inValue ? eventTime : undefined, { width: columns.length, at });
    const decode: RecordDecoder = (value, record) => {
      if (!(record instanceof KafkaRecord)) return wide(value as string, null);
      const key = record.key;
      if (!record.hasValue) return new DecodeError('message has no value (a tombstone)');
      // toString() without an encoding is utf8 by its fastest path.
      return wide(value as string, key === null ? null : key.toString());
    };
    return Object.assign(decode, {
      fromRecord: (record: SourceRecord) => {
        if (!(record instanceof KafkaRecord)) return wide(record.value as string, null);
        if (!record.hasValue) return new DecodeError('message has no value (a tombstone)');
        const m = record.message;
        if (m.raw !== undefined) return wideBytes(record, m.raw, m.valueStart!, m.valueEnd!, record.keyText);
        const v = m.value!;
        return wideBytes(record, v, 0, v.length, record.keyText);
      },
    });
  }
  const decodeKey = compileKeyDecoder(keyCols);
  // Where each output column comes from: value index, key index or a metadata column.
  const plan = columns.map((c) => {
    if (c.key) return { from: 'key' as const, i: keyCols.indexOf(c), conv: undefined };
    if (isMeta(c.name)) return { from: c.name.toLowerCase() as Meta, i: -1, conv: compileConverter(c.type, c.name) };
    return { from: 'value' as const, i: valueCols.indexOf(c), conv: undefined };
  });
  const n = plan.length;
  return (value, record) => {
    const rec = record instanceof KafkaRecord ? record : undefined;
    let vals: Row = [];
    if (upsert && rec && !rec.hasValue) vals = tombstone(rec);
    else if (valueCols.length > 0) {
      if (rec && !rec.hasValue) return new DecodeError('message has no value (a tombstone)');
      const r = decodeValue(value);
      if (r instanceof DecodeError) return r;
      vals = r;
    }
    const keys = decodeKey(rec ? rec.key : null);
    if (keys instanceof DecodeError) return keys;
    const row: Row = new Array<Value>(n);
    for (let j = 0; j < n; j++) {
      const p = plan[j]!;
      switch (p.from) {
        case 'value':
          row[j] = vals[p.i] ?? null;
          break;
        case 'key':
          row[j] = keys[p.i] ?? null;
          break;
        default: {
          const raw = rec === undefined ? null : p.from === '_partition' ? rec.partition : p.from === '_offset' ? rec.offset : rec.timestamp;
          const v = raw === null ? null : p.conv!(raw);
          if (v === FAIL) return new DecodeError(failure());
          row[j] = v;
        }
      }
    }
    return row;
  };
}
