// keyCachingPartitioner (connectors/kafka/partitioner.ts) puts every message where kafkajs's
// default partitioner puts it: string keys are remembered per topic and partition count, so a
// topic that grows, Buffer keys, explicit partitions and keyless messages must not be fooled.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { keyCachingPartitioner } from '../../../src/connectors/kafka/kafkajs/partitioner.js';

const meta = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0, replicas: [0], isr: [0], offlineReplicas: [], partitionErrorCode: 0 }));

test('string keys land where the default partitioner puts them, also after the topic grows (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ topic: fc.constantFrom('a', 'b'), key: fc.oneof(fc.string(), fc.constantFrom('sensor-1', 'sensor-2', 'sensor-3')), count: fc.integer({ min: 1, max: 12 }) }), { minLength: 1, maxLength: 60 }),
      (sends) => {
        const cached = keyCachingPartitioner();
        const plain = Partitioners.DefaultPartitioner();
        for (const { topic, key, count } of sends) {
          const args = { topic, partitionMetadata: meta(count), message: { key, value: 'v' } };
          assert.equal(cached(args), plain(args), `key ${JSON.stringify(key)} over ${count} partitions`);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('a key seen at one partition count is placed again when the count changes', () => {
  const cached = keyCachingPartitioner();
  const plain = Partitioners.DefaultPartitioner();
  // Keys whose partition differs between 3 and 7 partitions, so a stale memory would show.
  const keys = Array.from({ length: 50 }, (_, i) => `k${i}`).filter((k) => {
    const m = { key: k, value: 'v' };
    return plain({ topic: 't', partitionMetadata: meta(3), message: m }) !== plain({ topic: 't', partitionMetadata: meta(7), message: m });
  });
  assert.ok(keys.length > 10);
  for (const count of [3, 7, 3]) {
    for (const key of keys) {
      const args = { topic: 't', partitionMetadata: meta(count), message: { key, value: 'v' } };
      assert.equal(cached(args), plain(args));
    }
  }
});

test('explicit partitions, Buffer keys and keyless messages are placed as kafkajs does', () => {
  const cached = keyCachingPartitioner();
  const plain = Partitioners.DefaultPartitioner();
  const partitionMetadata = meta(5);
  assert.equal(cached({ topic: 't', partitionMetadata, message: { key: 'x', value: 'v', partition: 4 } }), 4);
  for (const key of ['alpha', 'beta', 'gamma']) {
    const buf = Buffer.from(key);
    assert.equal(cached({ topic: 't', partitionMetadata, message: { key: buf, value: 'v' } }), plain({ topic: 't', partitionMetadata, message: { key: buf, value: 'v' } }));
    // A Buffer key and the same text as a string key hash alike.
    assert.equal(cached({ topic: 't', partitionMetadata, message: { key, value: 'v' } }), cached({ topic: 't', partitionMetadata, message: { key: buf, value: 'v' } }));
  }
  // Keyless: round robin over the partitions with a leader, every one of them in turn.
  const seen = new Set<number>();
  for (let i = 0; i < 5; i++) seen.add(cached({ topic: 'r', partitionMetadata, message: { key: null, value: 'v' } }));
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
});
