// What a dead-letter or late topic receives for one record: the original message (key, value,
// headers) unchanged, with why and where in `sluice.*` headers, as Kafka Connect's dead-letter
// queues do; and how such messages are kept in a checkpoint (an exactly-once job's side records
// are sealed with its output, bytes kept exactly: a dead letter's value is often not UTF-8).

import type { MessageHeaders, OutMessage } from './port.js';
import type { SourceRecord } from '../connector.js';
import { KafkaRecord } from './record.js';

function headerText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The side-output message for `record` (the engine's dead-letter or late record) about `origin`. */
export function sideMessage(record: Readonly<Record<string, unknown>>, origin: SourceRecord | undefined): OutMessage {
  const headers: MessageHeaders = {};
  let key: Buffer | string | null = null;
  let value: Buffer | string | null;
  if (origin instanceof KafkaRecord) {
    key = origin.key;
    value = origin.rawValue;
    for (const [k, v] of Object.entries(origin.headers ?? {})) headers[k] = v;
  } else {
    value = typeof record['raw'] === 'string' ? record['raw'] : null;
  }
  const position = (record['position'] ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(position)) headers[`sluice.${k}`] = headerText(v);
  for (const [k, v] of Object.entries(record)) {
    if (k === 'raw' || k === 'position' || k === 'at' || v === null || v === undefined) continue;
    headers[`sluice.${k}`] = headerText(v);
  }
  return { key, value, headers };
}

/** Bytes as JSON: text as is, anything else (a Buffer from the source) in base64. */
type StoredBytes = string | null | { readonly b64: string };

/** A side-output message in a checkpoint: its topic, key, value and headers. */
export interface StoredSideMessage {
  readonly topic: string;
  readonly key: StoredBytes;
  readonly value: StoredBytes;
  readonly headers: Readonly<Record<string, StoredBytes | StoredBytes[]>>;
}

function storeBytes(b: Buffer | string | null | undefined): StoredBytes {
  if (b === null || b === undefined) return null;
  return typeof b === 'string' ? b : { b64: Buffer.from(b).toString('base64') };
}

function loadBytes(b: StoredBytes): Buffer | string | null {
  return b === null || typeof b === 'string' ? b : Buffer.from(b.b64, 'base64');
}

export function storeSideMessage(topic: string, m: OutMessage): StoredSideMessage {
  const headers: Record<string, StoredBytes | StoredBytes[]> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(storeBytes) : storeBytes(v);
  }
  return { topic, key: storeBytes(m.key), value: storeBytes(m.value), headers };
}

export function loadSideMessage(s: StoredSideMessage): OutMessage {
  const headers: MessageHeaders = {};
  for (const [k, v] of Object.entries(s.headers)) {
    headers[k] = Array.isArray(v) ? v.map((x) => loadBytes(x) ?? '') : (loadBytes(v) ?? undefined);
  }
  return { key: loadBytes(s.key), value: loadBytes(s.value), headers };
}
