// A leaner constructor of kafkajs's consumer Batch, installed in place of kafkajs's own. kafkajs
// 2.2 keeps a fetched batch's messages at or past the fetched offset by parsing every message's
// offset into its 64-bit Long (from text) and comparing: an object and a parse per consumed
// message (~1/15 of the engine thread's steady state in bench:kafka's profile). Here, when the
// fetched offset and every message's offset are exact in a double (below 2^53, as every real
// offset is) and no transaction was aborted, the comparison is of numbers; the object made is
// the same: kafkajs's Batch prototype (every method), the same fields, arrays of the same messages
// (one array for all three when every message is kept and none is a control record). Anything
// else (aborted transactions to filter, an offset past 2^53) is kafkajs's own constructor.
//
// WHY a module swap: as record-decoder.ts; kafkajs's consumer group takes Batch from its module
// at load time. Installed only into kafkajs 2.2.4; test/unit/connectors/kafka-batch.test.ts
// holds the two to equality.

import { swapKafkajsModule } from './swap.js';

const BATCH = 'kafkajs/src/consumer/batch.js';

interface PartitionData {
  partition: number;
  highWatermark: string;
  abortedTransactions?: readonly unknown[] | null;
  messages: Array<{ offset: string; offsetNumber?: number; isControlRecord?: boolean }>;
}

export type BatchClass = new (topic: string, fetchedOffset: unknown, partitionData: PartitionData) => object;

/** A constructor (callable with `new`) that makes kafkajs's Batch objects the lean way (see the head of this file). */
export function leanBatch(Original: BatchClass): BatchClass {
  function LeanBatch(this: Record<string, unknown>, topic: string, fetchedOffset: unknown, partitionData: PartitionData): object {
    const from = typeof fetchedOffset === 'string' || typeof fetchedOffset === 'number' ? Number(fetchedOffset) : Number.NaN;
    const { abortedTransactions, messages } = partitionData;
    if (!Number.isSafeInteger(from) || (abortedTransactions && abortedTransactions.length > 0)) return new Original(topic, fetchedOffset, partitionData);
    // Made at the first message before the fetched offset: usually every message is within, and
    // the fetched array itself is kafkajs's three (raw, within, not control; nothing mutates them).
    let within: PartitionData['messages'] | undefined;
    let control = false;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      // The lean record decoder's records carry the number (exact), their text made on demand.
      let o = m.offsetNumber;
      if (o === undefined) {
        o = Number(m.offset);
        // Not exact in a double (or not a plain integer): kafkajs's Long decides.
        if (!Number.isSafeInteger(o) || typeof m.offset !== 'string') return new Original(topic, fetchedOffset, partitionData);
      }
      if (o >= from) within?.push(m);
      else within ??= messages.slice(0, i);
      if (m.isControlRecord) control = true;
    }
    const kept = within ?? messages;
    this['fetchedOffset'] = fetchedOffset;
    this['topic'] = topic;
    this['partition'] = partitionData.partition;
    this['highWatermark'] = partitionData.highWatermark;
    this['rawMessages'] = messages;
    this['messagesWithinOffset'] = kept;
    this['messages'] = control ? kept.filter((m) => !m.isControlRecord) : kept;
    return this;
  }
  LeanBatch.prototype = Original.prototype;
  return LeanBatch as unknown as BatchClass;
}

/** kafkajs's own Batch, and whether the lean constructor took its place. */
export const kafkajsBatch = swapKafkajsModule<BatchClass>(BATCH, leanBatch);
