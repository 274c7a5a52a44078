// The lean record batch decoder (src/connectors/kafka/kafkajs/batch-decoder.ts) against kafkajs's
// own: batches written by kafkajs's batch encoder, with offsets and timestamps near and past 2^53,
// null keys and values, headers, transactional, control and log-append-time attributes, gzip
// compression, several batches in one buffer and a batch cut short, decode to equal objects and
// leave the fetch decoder at the same offset. And kafkajs's fetch decoder uses it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { kafkajsBatchDecoder, leanBatchDecoder, type BatchDecoderInput } from '../../../src/connectors/kafka/kafkajs/batch-decoder.js';
import { kafkajsRecordDecoder, LeanRecord } from '../../../src/connectors/kafka/kafkajs/record-decoder.js';
import { RUNS } from '../expr/support.js';

const require = createRequire(import.meta.url);
type Encoder = { buffer: Buffer };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: object) => Encoder;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer | null) => BatchDecoderInput;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (b: object) => Promise<Encoder> };
const { Types, lookupCodecByAttributes: codecOf } = require('kafkajs/src/protocol/message/compression/index.js') as {
  Types: { GZIP: number; None: number };
  lookupCodecByAttributes: Parameters<typeof leanBatchDecoder>[3];
};

/** A decoded batch with every record as a plain object (a LeanRecord read field by field). */
function plain(batch: unknown): unknown {
  const b = batch as { records: unknown[] };
  return { ...b, records: b.records.map((r) => (r instanceof LeanRecord ? r.toJSON() : r)) };
}

/** Decodes every batch in `buf` with `decode`: the batches (or the error) and where the decoder ended. */
async function decodeAll(decode: (d: BatchDecoderInput) => Promise<unknown>, buf: Buffer, batches: number): Promise<unknown> {
  const d = new Decoder(buf);
  const out: unknown[] = [];
  try {
    for (let i = 0; i < batches; i++) out.push(plain(await decode(d)));
  } catch (e) {
    out.push(`error: ${(e as Error).name}: ${(e as Error).message}`);
  }
  return { out, offset: d.offset };
}

const bigint = (lo: bigint, hi: bigint) => fc.bigInt({ min: lo, max: hi });
const base = fc.oneof(bigint(0n, 1000n), bigint(2n ** 53n - 100n, 2n ** 53n + 100n), fc.constant(1716199200000n));
const bytes = fc.option(fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)));
const headers = fc.oneof(fc.constant({}), fc.constant({}), fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }).map((s) => Buffer.from(s)), { maxKeys: 2 }));
const record = fc.record({ key: bytes, value: bytes, headers, timestampDelta: fc.integer({ min: -1000, max: 1000 }) });
const batch = fc.record({
  firstOffset: base,
  firstTimestamp: base,
  records: fc.array(record, { maxLength: 6 }),
  // Bits of the attributes' low byte: 0x08 log-append time, 0x10 transactional, 0x20 control.
  flags: fc.constantFrom(0, 0x08, 0x10, 0x30, 0x18),
  gzip: fc.boolean(),
});

type BatchSpec = typeof batch extends fc.Arbitrary<infer T> ? T : never;

async function encode(b: BatchSpec): Promise<Buffer> {
  const records = b.records.map((r, i) => Record({ ...r, offsetDelta: i }));
  const enc = await RecordBatch({
    compression: b.gzip ? Types.GZIP : Types.None,
    firstOffset: b.firstOffset.toString(),
    firstTimestamp: b.firstTimestamp.toString(),
    maxTimestamp: (b.firstTimestamp + 7n).toString(),
    lastOffsetDelta: Math.max(0, records.length - 1),
    records,
  });
  const buf = Buffer.from(enc.buffer);
  // The attributes' low byte (after first offset, length, leader epoch, magic byte, CRC).
  buf[22] = buf[22]! | b.flags;
  return buf;
}

test('the lean batch decoder gives what kafkajs gives (property)', async () => {
  const original = kafkajsBatchDecoder.original;
  const recordDecoder = kafkajsRecordDecoder.original;
  assert.ok(original && recordDecoder, "kafkajs's batch and record decoders were found");
  const lean = leanBatchDecoder(original, recordDecoder, Decoder, codecOf);
  await fc.assert(
    fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 3 }), fc.nat(40), async (batches, cut) => {
      const whole = Buffer.concat(await Promise.all(batches.map(encode)));
      // The whole buffer, and the buffer cut short by a few bytes (a fetch's partial last batch).
      for (const buf of [whole, whole.subarray(0, Math.max(0, whole.length - cut))]) {
        assert.deepEqual(await decodeAll(lean, buf, batches.length), await decodeAll(original, buf, batches.length));
      }
    }),
    { numRuns: RUNS * 10 },
  );
});

test('a batch of plain records is decoded in place (lean records over the fetch buffer)', async () => {
  const original = kafkajsBatchDecoder.original!;
  const lean = leanBatchDecoder(original, kafkajsRecordDecoder.original!, Decoder, codecOf);
  const records = Array.from({ length: 4 }, (_, i) => Record({ offsetDelta: i, timestampDelta: i, key: Buffer.from(`k${i}`), value: Buffer.from(`{"i":${i}}`), headers: {} }));
  const buf = (await RecordBatch({ firstOffset: '10', firstTimestamp: '1716199200000', maxTimestamp: '1716199200003', records })).buffer;
  const out = (await lean(new Decoder(buf))) as { records: LeanRecord[] };
  assert.ok(out.records.every((r) => r instanceof LeanRecord && r.raw.buffer === buf.buffer && r.raw.length === buf.length - 12 && r.raw === out.records[0]!.raw));
  assert.deepEqual(out.records.map((r) => [r.offset, r.key!.toString(), r.value!.toString()]), [0, 1, 2, 3].map((i) => [String(10 + i), `k${i}`, `{"i":${i}}`]));
});

test('a gzip batch is decoded in place too (lean records over its decompressed bytes)', async () => {
  const lean = leanBatchDecoder(kafkajsBatchDecoder.original!, kafkajsRecordDecoder.original!, Decoder, codecOf);
  const records = Array.from({ length: 3 }, (_, i) => Record({ offsetDelta: i, timestampDelta: i, key: null, value: Buffer.from(`v${i}`), headers: {} }));
  const buf = (await RecordBatch({ compression: Types.GZIP, firstOffset: '5', firstTimestamp: '1', maxTimestamp: '3', records })).buffer;
  const out = (await lean(new Decoder(buf))) as { records: LeanRecord[] };
  assert.ok(out.records.every((r) => r instanceof LeanRecord && r.raw === out.records[0]!.raw));
  assert.deepEqual(out.records.map((r) => [r.offset, r.timestamp, r.key, r.value!.toString()]), [0, 1, 2].map((i) => [String(5 + i), String(1 + i), null, `v${i}`]));
});

test("kafkajs's fetch decoder decodes batches with the lean batch decoder", () => {
  assert.equal(kafkajsBatchDecoder.installed, true);
  assert.notEqual(require('kafkajs/src/protocol/recordBatch/v0/decoder.js'), kafkajsBatchDecoder.original);
});
