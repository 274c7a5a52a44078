// The partitioner of every Sluice producer: kafkajs's default one (murmur2 of the key modulo the
// partition count, as Java's client; round robin without a key), with the partition of each
// string key remembered per topic and partition count. A sink's keys repeat (the same groups
// every window), and kafkajs's murmur2 works through 64-bit Long objects: ~2 µs a message, a
// fifth of what producing a message costs on the Kafka thread.

// First: its record and batch decoders take kafkajs's place before kafkajs loads (record-decoder.ts, batch-decoder.ts).
import './record-decoder.js';
import './batch-decoder.js';
import { Partitioners, type ICustomPartitioner } from 'kafkajs';

/** Keys remembered per topic; past it the memory starts over. */
const MAX_KEYS = 100_000;

export const keyCachingPartitioner: ICustomPartitioner = () => {
  const hash = Partitioners.DefaultPartitioner();
  const topics = new Map<string, { count: number; keys: Map<string, number> }>();
  return (args) => {
    const { topic, partitionMetadata, message } = args;
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const key = message.key;
    // Buffer keys (side outputs copy the original message's) and keyless messages: as kafkajs does.
    if (typeof key !== 'string') return hash(args);
    const count = partitionMetadata.length;
    let t = topics.get(topic);
    if (t === undefined || t.count !== count) {
      // The partition of a key depends on the count only: a topic that grew starts over.
      t = { count, keys: new Map() };
      topics.set(topic, t);
    }
    let p = t.keys.get(key);
    if (p === undefined) {
      p = hash(args);
      if (t.keys.size >= MAX_KEYS) t.keys.clear();
      t.keys.set(key, p);
    }
    return p;
  };
};
