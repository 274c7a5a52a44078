// The linear grouping of a send's messages by partition (src/connectors/kafka/kafkajs/
// group-messages.ts) against kafkajs's own: random messages, partition counts and partitioners
// (kafkajs's default, by key, and one that ignores the key) give equal objects with the
// messages in their order, and kafkajs's producer loads the linear one (installed before
// kafkajs loads, as the Kafka thread's worker does through client.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { Partitioners, type Message, type PartitionerArgs } from 'kafkajs';
import '../../../src/connectors/kafka/kafkajs/client.js';
import { groupMessagesLinear, kafkajsGroupMessages } from '../../../src/connectors/kafka/kafkajs/group-messages.js';
import { RUNS } from '../expr/support.js';

const require = createRequire(import.meta.url);

const metadata = (n: number): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));

test('the linear grouping gives what kafkajs gives (property)', () => {
  const original = kafkajsGroupMessages.original;
  assert.ok(original, "kafkajs's grouping was found");
  const message = fc.record({ key: fc.option(fc.string({ maxLength: 6 })), value: fc.string({ maxLength: 8 }) });
  fc.assert(
    fc.property(fc.array(message, { maxLength: 60 }), fc.integer({ min: 0, max: 5 }), fc.constantFrom('default', 'round'), (msgs, partitions, kind) => {
      // kafkajs's default partitioner starts keyless messages at a random partition: keyed only.
      const messages = (kind === 'default' ? msgs.map((m) => ({ ...m, key: m.key ?? '' })) : msgs) as Message[];
      const make = (): ((a: PartitionerArgs) => number) => {
        if (kind === 'default') return Partitioners.DefaultPartitioner();
        let i = 0;
        return (a) => i++ % a.partitionMetadata.length;
      };
      const args = { topic: 't', partitionMetadata: metadata(partitions), messages };
      const want = original({ ...args, partitioner: make() });
      const got = groupMessagesLinear({ ...args, partitioner: make() });
      assert.deepEqual(got, want);
      // The same message objects, not copies.
      for (const [p, list] of Object.entries(got)) list.forEach((m, j) => assert.equal(m, want[Number(p)]![j]));
    }),
    { numRuns: RUNS * 10 },
  );
});

test("kafkajs's producer groups with the linear function", () => {
  assert.equal(kafkajsGroupMessages.installed, true);
  assert.equal(require('kafkajs/src/producer/groupMessagesPerPartition.js'), groupMessagesLinear);
  assert.notEqual(groupMessagesLinear, kafkajsGroupMessages.original);
});
