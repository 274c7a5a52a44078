// Rows as Kafka messages, for every Kafka writer (the sinks, a scaled-out task's sinks): the
// message key of a row (one key column's text, or a JSON object of the key columns) and the
// upsert stream of a changelog (+I/+U the row under its key, -U/-D a tombstone unless the next
// row replaces it).

import type { Column } from '../../catalog/catalog.js';
import type { Row } from '../../catalog/types.js';
import { Op } from '../../catalog/batch.js';
import { compileEncoder, compileValueEncoder } from '../format/encode.js';
import type { OutMessage } from './port.js';

/** What every Kafka sink writer is given (sink.ts sets it from the options). */
export interface KafkaSinkSettings {
  readonly topic: string;
  /** Output column indexes forming the message key; empty: no key. */
  readonly key: readonly number[];
  readonly batchSize: number;
  /** Partitions of the topic when the sink creates it. */
  readonly partitions: number;
}

/** The message key of a row: the one key column's text, or a JSON object of the key columns. */
export function compileKeyEncoder(columns: readonly Column[], key: readonly number[]): (row: Row) => string | null {
  if (key.length === 0) return () => null;
  if (key.length === 1) {
    const i = key[0]!;
    const enc = compileValueEncoder(columns[i]!.type);
    return (row) => {
      const v = row[i] ?? null;
      if (v === null) return null;
      return typeof v === 'string' ? v : enc(v);
    };
  }
  const cols = key.map((i) => columns[i]!);
  const encode = compileEncoder(cols, false);
  return (row) => encode(key.map((i) => row[i] ?? null), Op.Insert);
}

/**
 * The upsert stream of a changelog, one (key, value) per message: +I/+U the row; a retraction
 * (-U, -D) nothing when the row right after it inserts under the same key (it replaces the
 * row: an update, or a session that grew under a key without its end) and a tombstone (null)
 * otherwise: a -U/+U pair whose key changed (`key = 'n'` over a changing n), or a -U without
 * its +U, must not leave the old key in a compacted topic.
 */
export function upsertMessages(
  rows: readonly Row[],
  ops: readonly Op[] | null,
  encodeKey: (row: Row) => string | null,
  encodeValue: (row: Row, op: Op) => string,
  out: (key: string | null, value: string | null) => void,
): void {
  let nextKey: string | null | undefined;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const op = ops ? ops[i]! : Op.Insert;
    const key = nextKey !== undefined ? nextKey : encodeKey(row);
    nextKey = undefined;
    const retract = op === Op.UpdateBefore || op === Op.Delete;
    if (retract && (ops![i + 1] === Op.UpdateAfter || ops![i + 1] === Op.Insert)) {
      nextKey = encodeKey(rows[i + 1]!);
      if (nextKey === key) continue;
    }
    out(key, retract ? null : encodeValue(row, op));
  }
}

/** Rows to messages: an upsert stream for a changelog (upsertMessages), one message per row otherwise. */
export function compileMessageEncoder(columns: readonly Column[], key: readonly number[]): (batch: { rows: readonly Row[]; ops: readonly Op[] | null }, out: OutMessage[]) => void {
  // The upsert stream carries the row itself; the op is in how the message is sent.
  const encodeValue = compileEncoder(columns, false);
  const encodeKey = compileKeyEncoder(columns, key);
  return ({ rows, ops }, out) => upsertMessages(rows, ops, encodeKey, encodeValue, (k, value) => out.push({ key: k, value }));
}
