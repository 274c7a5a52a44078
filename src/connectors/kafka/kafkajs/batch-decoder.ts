// A leaner decoder of fetched record batches, installed in place of kafkajs's own. kafkajs 2.2
// reads each record of a batch by slicing its bytes into a Buffer of their own and wrapping that
// in a new Decoder, two objects per record that its record decoder only reads through (a sixth of
// the bytes allocated per record in bench:kafka, allocation sampling). Here a batch's records are
// read in place, in the batch's bytes (a compressed batch's: its decompressed bytes), by the lean
// record decoder (record-decoder.ts decodeLeanRecord); the batch object made is kafkajs's (the
// same fields, in the same order, the same record context). A record the lean decoder leaves to
// kafkajs is decoded as kafkajs does (its slice, a Decoder, kafkajs's record decoder); a record
// null or past the batch's end, and every one after it, as kafkajs does too; a batch shorter than
// its length says is kafkajs's own decoder's (which throws its partial batch error).
// test/unit/connectors/kafka-batch-decoder.test.ts holds the two to equality.
//
// WHY a module swap: as record-decoder.ts; kafkajs's fetch response decoder takes the batch
// decoder from its module at load time. Installed only into kafkajs 2.2.4.

import { require, swapKafkajsModule } from './swap.js';
import { decodeLeanRecord, kafkajsRecordDecoder, newLeanBases, type BatchContext, type KafkajsDecoder, type RecordDecoder } from './record-decoder.js';


const BATCH_DECODER = 'kafkajs/src/protocol/recordBatch/v0/decoder.js';
const DECODER = 'kafkajs/src/protocol/decoder.js';
const COMPRESSION = 'kafkajs/src/protocol/message/compression/index.js';

const TIMESTAMP_TYPE_FLAG_MASK = 0x8;
const TRANSACTIONAL_FLAG_MASK = 0x10;
const CONTROL_FLAG_MASK = 0x20;
const LOG_APPEND_TIME = 1;
const CREATE_TIME = 0;

/** The part of kafkajs's Decoder the batch decoder reads with. */
export interface BatchDecoderInput extends KafkajsDecoder {
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  slice(length: number): BatchDecoderInput;
  readAll(): Buffer;
  forward(length: number): void;
}

export type BatchDecoder = (fetchDecoder: BatchDecoderInput) => Promise<unknown>;
type DecoderClass = new (buffer: Buffer | null) => KafkajsDecoder;

/** A batch's compression codec as kafkajs finds it from the attributes (null: none). */
type CodecLookup = (attributes: number) => { decompress(b: Buffer): Promise<Buffer> } | null;

/** The lean batch decoder in front of kafkajs's `original` (see the head of this file); `recordDecoder` is kafkajs's record decoder. */
export function leanBatchDecoder(original: BatchDecoder, recordDecoder: RecordDecoder, Decoder: DecoderClass, codecOf: CodecLookup): BatchDecoder {
  const bases = newLeanBases();

  /** `count` records from `decoder.offset` into `records`: lean in place, else kafkajs's way (see the head of this file). */
  const readRecords = (decoder: KafkajsDecoder, count: number, records: unknown[], ctx: BatchContext): void => {
    const bytes = decoder.buffer;
    let i = 0;
    for (; i < count; i++) {
      const start = decoder.offset;
      const size = decoder.readVarInt();
      const end = decoder.offset + size;
      // A null or overrunning record: kafkajs's way from here (its slice clamps, its Decoder of null throws).
      if (size < 0 || end > bytes.length) {
        decoder.offset = start;
        break;
      }
      const r = decodeLeanRecord(decoder, ctx, bases, end);
      records[i] = r ?? recordDecoder(new Decoder(bytes.subarray(decoder.offset, end)), ctx);
      decoder.offset = end;
    }
    for (; i < count; i++) records[i] = recordDecoder(new Decoder(decoder.readVarIntBytes()), ctx);
  };

  return async (fetchDecoder) => {
    const buf = fetchDecoder.buffer;
    const at = fetchDecoder.offset;
    // Too short for its header or its length: kafkajs's own decoder (it throws the partial batch error).
    if (buf.length - at < 12) return original(fetchDecoder);
    const declared = buf.readInt32BE(at + 8);
    if (declared < 0 || buf.length - at - 12 < declared) return original(fetchDecoder);

    // From here as kafkajs's decoder reads it.
    const firstOffset = fetchDecoder.readInt64().toString();
    const length = fetchDecoder.readInt32();
    const decoder = fetchDecoder.slice(length);
    fetchDecoder.forward(length);
    const partitionLeaderEpoch = decoder.readInt32();
    const magicByte = decoder.readInt8();
    decoder.readInt32(); // CRC, not checked (as kafkajs)
    const attributes = decoder.readInt16();
    const lastOffsetDelta = decoder.readInt32();
    const firstTimestamp = decoder.readInt64().toString();
    const maxTimestamp = decoder.readInt64().toString();
    const producerId = decoder.readInt64().toString();
    const producerEpoch = decoder.readInt16();
    const firstSequence = decoder.readInt32();
    const inTransaction = (attributes & TRANSACTIONAL_FLAG_MASK) > 0;
    const isControlBatch = (attributes & CONTROL_FLAG_MASK) > 0;
    const timestampType = (attributes & TIMESTAMP_TYPE_FLAG_MASK) > 0 ? LOG_APPEND_TIME : CREATE_TIME;
    const codec = codecOf(attributes);
    const recordContext = { firstOffset, firstTimestamp, partitionLeaderEpoch, inTransaction, isControlBatch, lastOffsetDelta, producerId, producerEpoch, firstSequence, maxTimestamp, timestampType };
    const ctx: BatchContext = { ...recordContext, magicByte };

    let records: unknown[];
    if (!codec) {
      // kafkajs's readArray: an int32 count, -1 for none.
      const count = decoder.readInt32();
      records = count === -1 ? [] : new Array<unknown>(count);
      readRecords(decoder, count, records, ctx);
    } else {
      // Compressed: an int32 count, then the rest of the batch compressed; records read in the decompressed bytes.
      const count = decoder.readInt32();
      if (count <= 0) records = [];
      else {
        const decompressed = await codec.decompress(decoder.readAll());
        records = new Array<unknown>(count);
        readRecords(new Decoder(decompressed), count, records, ctx);
      }
    }
    return { ...recordContext, records };
  };
}

/** kafkajs's own batch decoder, and whether the lean one took its place. */
export const kafkajsBatchDecoder = swapKafkajsModule<BatchDecoder>(BATCH_DECODER, (original) => {
  // Over the lean record decoder only (its records are what this one makes).
  const recordDecoder = kafkajsRecordDecoder.original;
  if (!kafkajsRecordDecoder.installed || recordDecoder === undefined) return undefined;
  const Decoder = require(DECODER) as DecoderClass;
  const codecOf = (require(COMPRESSION) as { lookupCodecByAttributes?: CodecLookup }).lookupCodecByAttributes;
  if (typeof Decoder !== 'function' || typeof codecOf !== 'function') return undefined;
  return leanBatchDecoder(original, recordDecoder, Decoder, codecOf);
});
