// Generated items as the entries a fixture case holds (model.ts InputEntry), so generated
// streams reach the engine through the same in-memory feed as fixture cases (reader.ts
// EntryFeed): Kafka records with their partition, key and timestamp, watermark steps, idle markers.

import type { InputEntry } from '../model.js';
import type { Item } from './arbitrary.js';

/** A record as the source reads it: a row as one JSON line (Kafka: its message value), a malformed record as its text. */
export function recordText(item: Item): string {
  if (item.kind === 'row') return item.kafka ? item.kafka.value : JSON.stringify(item.values);
  return item.kind === 'raw' ? item.text : '';
}

/** The entry of item `index` of source `source`. */
export function entryOf(item: Item, source: string, index: number): InputEntry {
  const origin = { file: source, line: index };
  switch (item.kind) {
    case 'watermark':
      return { kind: 'watermark', micros: item.ms * 1000, ...(item.partition !== undefined ? { partition: item.partition } : {}), origin };
    case 'idle':
      return { kind: 'idle', partition: item.partition, origin };
    case 'row':
    case 'raw': {
      const k = item.kafka;
      if (!k) return { kind: 'row', text: recordText(item), origin };
      // The record timestamp is the event time, as a fixture row's without `_timestamp`.
      const ts = item.kind === 'row' && item.ms !== undefined ? { timestamp: item.ms } : {};
      return { kind: 'row', text: recordText(item), key: k.key, partition: k.partition, ...ts, origin };
    }
  }
}

/** Whether an item is a record (a row or a malformed one), not a watermark step or an idle marker. */
export const isRecord = (item: Item): boolean => item.kind === 'row' || item.kind === 'raw';
