// The lean record decoder (src/connectors/kafka/kafkajs/record-decoder.ts) against kafkajs's own:
// records written by kafkajs's record encoder, with offsets and timestamps near and past 2^53,
// negative and large deltas, null keys and values, headers, and log-append time, decode to
// equal objects. And kafkajs's batch decoder uses it (it is installed before kafkajs loads).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { kafkajsRecordDecoder, LeanRecord, leanRecordDecoder } from '../../../src/connectors/kafka/kafkajs/record-decoder.js';
import { RUNS } from '../expr/support.js';

const require = createRequire(import.meta.url);
type Encoder = { buffer: Buffer };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: object) => Encoder;
type KafkajsDecoder = Parameters<ReturnType<typeof leanRecordDecoder>>[0];
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => KafkajsDecoder;
const Long = require('kafkajs/src/utils/long.js') as { fromString(s: string): unknown };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (b: object) => Promise<Encoder> };
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: unknown) => Promise<{ records: unknown[] }>;

const bigint = (lo: bigint, hi: bigint) => fc.bigInt({ min: lo, max: hi });
const base = fc.oneof(bigint(0n, 1000n), bigint(2n ** 53n - 100n, 2n ** 53n + 100n), bigint(0n, 2n ** 62n), fc.constant(1716199200000n));
const delta = fc.oneof(fc.integer({ min: -1000, max: 1000 }), bigint(-(2n ** 60n), 2n ** 60n).map(String), bigint(-(2n ** 49n), 2n ** 49n).map(String));
const bytes = fc.option(fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)));
const headers = fc.oneof(fc.constant({}), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }).map((s) => Buffer.from(s)), { maxKeys: 3 }));

test('the lean record decoder gives what kafkajs gives (property)', () => {
  const original = kafkajsRecordDecoder.original;
  assert.ok(original, "kafkajs's record decoder was found");
  fc.assert(
    fc.property(base, base, delta, fc.oneof(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: -1000, max: 1000 })), bytes, bytes, headers, fc.constantFrom(0, 1), fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })), (firstOffset, firstTs, tsDelta, offsetDelta, key, value, hdrs, timestampType, attributes) => {
      const timestampDelta = typeof tsDelta === 'number' ? tsDelta : Long.fromString(tsDelta);
      const body = new Decoder(Record({ offsetDelta, timestampDelta, key, value, headers: hdrs }).buffer).readVarIntBytes()!;
      // The attributes byte (unused by Kafka today, signed as kafkajs reads it).
      body[0] = attributes;
      const ctx = { firstOffset: String(firstOffset), firstTimestamp: String(firstTs), magicByte: 2, isControlBatch: false, timestampType, maxTimestamp: String(firstTs + 5n) };
      const lean = leanRecordDecoder(original);
      // Its record read field by field (getters included) equals kafkajs's object.
      const r = lean(new Decoder(body), ctx);
      assert.deepEqual(r instanceof LeanRecord ? r.toJSON() : r, original(new Decoder(body), ctx));
    }),
    { numRuns: RUNS * 20 },
  );
});

test("kafkajs's batch decoder decodes with the lean decoder", async () => {
  assert.equal(kafkajsRecordDecoder.installed, true);
  // What kafkajs's batch decoder gets when it loads its record decoder: the lean one.
  assert.notEqual(require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js'), kafkajsRecordDecoder.original);
  const records = Array.from({ length: 5 }, (_, i) => ({ offsetDelta: i, timestampDelta: i * 7 - 3, key: Buffer.from(`k${i}`), value: Buffer.from(`{"i":${i}}`), headers: {} }));
  const enc = await RecordBatch({ firstOffset: 41, firstTimestamp: 1716199200000, maxTimestamp: 1716199200030, records: records.map(Record) });
  const out = (await decodeBatch(new Decoder(enc.buffer))).records as Array<{ offset: string; timestamp: string; key: Buffer; value: Buffer }>;
  assert.deepEqual(out.map((r) => [r.offset, r.timestamp, r.key.toString(), r.value.toString()]), records.map((r, i) => [String(41 + i), String(1716199200000 + i * 7 - 3), `k${i}`, `{"i":${i}}`]));
});
