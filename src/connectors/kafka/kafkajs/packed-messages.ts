// A send's messages packed for the Kafka thread (thread.ts): the keys joined into one string,
// the values into another, and each one's length (-1 null, -2 no key) in one Int32Array. A
// structured clone of 1,000 {key, value} objects writes an object, two property names and two
// strings per message (~1.6 µs each on the engine's thread: ~80 ms of bench:kafka's 50,000
// output rows); two strings and one typed array are copied whole. The worker slices them back
// into the same messages. Only plain text messages are packed (string or null key and value,
// no partition, headers or timestamp); anything else crosses as it is.

import type { Message } from 'kafkajs';

export interface PackedMessages {
  readonly keys: string;
  readonly values: string;
  /** Per message: key length, then value length; -1: null, -2: undefined (no key). */
  readonly lengths: Int32Array;
}

const NULL = -1;
const ABSENT = -2;

/** The messages packed, or undefined when one of them is not plain text. */
export function packMessages(messages: readonly Message[]): PackedMessages | undefined {
  const n = messages.length;
  const lengths = new Int32Array(n * 2);
  const keys: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    if (m.partition !== undefined || m.headers !== undefined || m.timestamp !== undefined) return undefined;
    const k = m.key;
    const v = m.value;
    if (typeof k === 'string') {
      lengths[2 * i] = k.length;
      keys.push(k);
    } else if (k === null) lengths[2 * i] = NULL;
    else if (k === undefined) lengths[2 * i] = ABSENT;
    else return undefined;
    if (typeof v === 'string') {
      lengths[2 * i + 1] = v.length;
      values.push(v);
    } else if (v === null) lengths[2 * i + 1] = NULL;
    else return undefined;
  }
  return { keys: keys.join(''), values: values.join(''), lengths };
}

/** The messages of packMessages() again, in order. */
export function unpackMessages(p: PackedMessages): Message[] {
  const { keys, values, lengths } = p;
  const n = lengths.length >> 1;
  const out: Message[] = new Array<Message>(n);
  let ki = 0;
  let vi = 0;
  for (let i = 0; i < n; i++) {
    const kl = lengths[2 * i]!;
    const vl = lengths[2 * i + 1]!;
    let value: string | null = null;
    if (vl >= 0) {
      value = values.slice(vi, vi + vl);
      vi += vl;
    }
    if (kl >= 0) {
      out[i] = { key: keys.slice(ki, ki + kl), value };
      ki += kl;
    } else out[i] = kl === NULL ? { key: null, value } : { value };
  }
  return out;
}
