// The lean consumer Batch constructor (src/connectors/kafka/kafkajs/batch.ts) against kafkajs's
// own: random fetched offsets (near and past 2^53), messages before and after it, control
// records and aborted transactions give equal objects (the same fields and arrays, kafkajs's
// prototype, so the same method results); and kafkajs's consumer group builds its batches with it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import '../../../src/connectors/kafka/kafkajs/client.js';
import { kafkajsBatch, leanBatch } from '../../../src/connectors/kafka/kafkajs/batch.js';
import { RUNS } from '../expr/support.js';

const require = createRequire(import.meta.url);

type B = { messages: unknown[]; messagesWithinOffset: unknown[]; isEmpty(): boolean; isEmptyIncludingFiltered(): boolean; isEmptyControlRecord(): boolean; firstOffset(): string | null; lastOffset(): string; offsetLag(): string };

test('the lean Batch gives what kafkajs gives (property)', () => {
  const Original = kafkajsBatch.original;
  assert.ok(Original, "kafkajs's Batch was found");
  const Lean = leanBatch(Original);
  const base = fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 2n ** 53n - 20n, max: 2n ** 53n + 20n }));
  const message = fc.record({ delta: fc.integer({ min: -5, max: 30 }), control: fc.boolean(), key: fc.constantFrom(null, Buffer.from([0, 0, 0, 0]), Buffer.from('k')) });
  const aborted = fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant([]), fc.array(fc.record({ firstOffset: fc.integer({ min: 0, max: 40 }).map(String), producerId: fc.constant('7') }), { minLength: 1, maxLength: 2 }));
  fc.assert(
    fc.property(base, fc.array(message, { maxLength: 30 }), aborted, fc.boolean(), fc.boolean(), (first, msgs, abortedTransactions, numeric, lean) => {
      const fetched = first + 3n;
      const messages = msgs.map((m, i) => ({
        offset: String(first + BigInt(Math.max(0, i + m.delta))),
        // The lean record decoder's records also carry the offset as a number (always exact).
        ...(lean && first + BigInt(Math.max(0, i + m.delta)) < 2n ** 53n ? { offsetNumber: Number(first + BigInt(Math.max(0, i + m.delta))) } : {}),
        isControlRecord: m.control,
        key: m.key,
        value: Buffer.from(`v${i}`),
        batchContext: { producerId: '7', inTransaction: true },
      }));
      const fetchedOffset = numeric && fetched < 2n ** 53n ? Number(fetched) : String(fetched);
      const make = () => ({ partition: 2, highWatermark: String(first + 50n), abortedTransactions, messages });
      const want = new Original('t', fetchedOffset, make()) as B;
      const got = new Lean('t', fetchedOffset, make()) as B;
      assert.equal(Object.getPrototypeOf(got), Original.prototype);
      assert.deepEqual({ ...got }, { ...want });
      for (const f of ['isEmpty', 'isEmptyIncludingFiltered', 'isEmptyControlRecord', 'firstOffset', 'lastOffset', 'offsetLag'] as const) assert.deepEqual(got[f](), want[f](), f);
    }),
    { numRuns: RUNS * 20 },
  );
});

test("kafkajs's consumer group builds its batches with the lean constructor", () => {
  assert.equal(kafkajsBatch.installed, true);
  assert.notEqual(require('kafkajs/src/consumer/batch.js'), kafkajsBatch.original);
  assert.equal((require('kafkajs/src/consumer/batch.js') as { prototype: unknown }).prototype, kafkajsBatch.original!.prototype);
});
