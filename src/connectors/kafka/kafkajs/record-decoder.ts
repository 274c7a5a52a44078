// A leaner decoder of fetched Kafka records, installed in place of kafkajs's own. kafkajs 2.2
// computes every record's offset and timestamp with its 64-bit Long class (the batch's first
// offset parsed from text, the delta added, the sum printed again): a third of its per-record
// decoding in bench:kafka's profile. Here, while the batch's first offset and timestamp and the
// record's timestamp delta are exact in a double (below 2^53, as every real offset and epoch
// millisecond is), the sum is plain arithmetic; the result (a LeanRecord, below) reads the same
// fields with the same values, its key, value, offset and timestamp made only when read. Anything
// else (headers, a sum past 2^53) is handed to kafkajs's decoder from the record's start.
// test/unit/connectors/kafka-record-decoder.test.ts holds the two to equality.
//
// WHY a module swap: kafkajs has no hook for it; its batch decoder takes the record decoder from
// its module at load time, so this module must be evaluated before kafkajs is (client.ts imports
// it first). It is installed only into kafkajs 2.2.4 (the version package-lock.json holds, whose
// record object it reproduces); any other version, or a module not where it was, keeps kafkajs's
// own decoder.

import { swapKafkajsModule } from './swap.js';

const RECORD_DECODER = 'kafkajs/src/protocol/recordBatch/record/v0/decoder.js';
const LOG_APPEND_TIME = 1;

/** The part of kafkajs's Decoder the record decoder reads with. */
export interface KafkajsDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readVarInt(): number;
  readVarIntBytes(): Buffer | null;
}

export interface BatchContext {
  firstOffset: string;
  firstTimestamp: string;
  magicByte: number;
  isControlBatch?: boolean;
  timestampType: number;
  maxTimestamp: string;
}

export type RecordDecoder = (decoder: KafkajsDecoder, ctx?: BatchContext) => unknown;

/** A zigzag varlong at `decoder.offset` as a number, or undefined when it is 7 bytes or longer (|v| may pass 2^48). */
function readSmallVarLong(decoder: KafkajsDecoder): number | undefined {
  const buf = decoder.buffer;
  let at = decoder.offset;
  let raw = 0;
  let scale = 1;
  for (let n = 0; n < 7; n++) {
    const b = buf[at++];
    if (b === undefined) return undefined;
    raw += (b & 0x7f) * scale;
    if (b < 0x80) {
      decoder.offset = at;
      return raw % 2 === 1 ? -(raw + 1) / 2 : raw / 2;
    }
    scale *= 128;
  }
  return undefined;
}

/**
 * The lean decoding of the record at `decoder.offset` (its fields, not its length prefix), which
 * ends at `limit`: a LeanRecord, `decoder.offset` past its fields; or undefined, `decoder.offset`
 * where it was, when the record is kafkajs's to decode (see the head of this file). `bases` holds
 * the LeanBytes of the records last decoded (records of one batch, in one buffer, share them).
 */
export function decodeLeanRecord(decoder: KafkajsDecoder, ctx: BatchContext, bases: LeanBases, limit: number): LeanRecord | undefined {
  let shared = bases.bytes;
  if (shared === undefined || ctx !== shared.batchContext || decoder.buffer !== shared.raw) shared = bases.bytes = new LeanBytes(decoder.buffer, ctx);
  if (shared.baseOffset !== shared.baseOffset || (!shared.appendTime && shared.baseTimestamp !== shared.baseTimestamp)) return undefined;
  const start = decoder.offset;
  const attributes = decoder.readInt8();
  const tsDelta = readSmallVarLong(decoder);
  if (tsDelta === undefined) {
    decoder.offset = start;
    return undefined;
  }
  const offsetDelta = decoder.readVarInt();
  const keyStart = skipVarIntBytes(decoder);
  const keyEnd = decoder.offset;
  const valueStart = skipVarIntBytes(decoder);
  const valueEnd = decoder.offset;
  // kafkajs's Buffer.slice clamps a range past the end; here that record is kafkajs's to decode.
  if (valueEnd > limit) {
    decoder.offset = start;
    return undefined;
  }
  const headerCount = decoder.readVarInt();
  if (headerCount > 0 || !Number.isSafeInteger(shared.baseTimestamp + tsDelta) || !Number.isSafeInteger(shared.baseOffset + offsetDelta)) {
    decoder.offset = start;
    return undefined;
  }
  // The attributes byte rides in the low 8 bits of the offset delta (exact in a double).
  return new LeanRecord(shared, offsetDelta * 256 + (attributes & 0xff), tsDelta, keyStart, keyEnd, valueStart, valueEnd);
}

/** The LeanBytes decodeLeanRecord made last (the records of one batch share them). */
export interface LeanBases {
  bytes: LeanBytes | undefined;
}

export const newLeanBases = (): LeanBases => ({ bytes: undefined });

/** The lean decoder in front of kafkajs's `original` (see the head of this file). */
export function leanRecordDecoder(original: RecordDecoder): RecordDecoder {
  const bases = newLeanBases();
  return (decoder, ctx) => {
    if (ctx === undefined) return original(decoder, ctx);
    return decodeLeanRecord(decoder, ctx, bases, decoder.buffer.length) ?? original(decoder, ctx);
  };
}

/** What the records of one batch share: its bytes, its context, its first offset and timestamp as numbers (NaN when not exact). */
export class LeanBytes {
  readonly baseOffset: number;
  readonly baseTimestamp: number;
  /** Log-append time: every record's timestamp is the batch's max timestamp (kafkajs's text). */
  readonly appendTime: boolean;
  constructor(
    readonly raw: Buffer,
    readonly batchContext: BatchContext,
  ) {
    const o = Number(batchContext.firstOffset);
    const t = Number(batchContext.firstTimestamp);
    this.baseOffset = Number.isSafeInteger(o) ? o : Number.NaN;
    this.baseTimestamp = Number.isSafeInteger(t) ? t : Number.NaN;
    this.appendTime = batchContext.timestampType === LOG_APPEND_TIME && Boolean(batchContext.maxTimestamp);
  }
}

/**
 * A fetched record as kafkajs's decoder makes it (the same fields, read the same), with less made
 * per record: its key and value are ranges of the batch's bytes, made Buffers only when read (the
 * Kafka source reads them in place: `raw`, `keyStart`... see port.ts FetchedMessage), its offset
 * and timestamp deltas from the batch's (LeanBytes, shared), made text only when read, and its
 * (empty) headers made when read. Seven fields: two Buffer views, two strings, a heap number and
 * an object per record, and then fields the batch's records all share, were the largest part of
 * the bytes the engine allocated per record in bench:kafka (allocation sampling). WARNING: the
 * swap is the process's, so other kafkajs consumers in it (tests, scripts) get these records too,
 * and their fields are getters: `{ ...message }` copies none of them; read them one by one
 * (test/kafka/broker.ts readAll).
 */
export class LeanRecord {
  constructor(
    private readonly shared: LeanBytes,
    /** offset delta * 256 + the attributes byte (unsigned). */
    private readonly deltaAndAttributes: number,
    private readonly tsDelta: number,
    /** Key and value are [start, end) ranges in `raw`, start -1 for null. */
    readonly keyStart: number,
    readonly keyEnd: number,
    readonly valueStart: number,
    readonly valueEnd: number,
  ) {}
  /** The batch's bytes (the fetch's, or a decompressed batch's). */
  get raw(): Buffer {
    return this.shared.raw;
  }
  get batchContext(): BatchContext {
    return this.shared.batchContext;
  }
  get attributes(): number {
    const a = ((this.deltaAndAttributes % 256) + 256) % 256;
    return a >= 128 ? a - 256 : a;
  }
  /** The offset: exact (below 2^53). */
  get offsetNumber(): number {
    const a = ((this.deltaAndAttributes % 256) + 256) % 256;
    return this.shared.baseOffset + (this.deltaAndAttributes - a) / 256;
  }
  get magicByte(): number {
    return this.shared.batchContext.magicByte;
  }
  get isControlRecord(): boolean {
    return this.shared.batchContext.isControlBatch ?? false;
  }
  /** A new view of the record's bytes at each read (kafkajs's decoder made one per record). */
  get key(): Buffer | null {
    return this.keyStart < 0 ? null : this.shared.raw.subarray(this.keyStart, this.keyEnd);
  }
  get value(): Buffer | null {
    return this.valueStart < 0 ? null : this.shared.raw.subarray(this.valueStart, this.valueEnd);
  }
  get offset(): string {
    return String(this.offsetNumber);
  }
  get timestamp(): string {
    const s = this.shared;
    return s.appendTime ? s.batchContext.maxTimestamp : String(s.baseTimestamp + this.tsDelta);
  }
  /** Always empty (records with headers are kafkajs's to decode); a new object at each read. */
  get headers(): Record<string, never> {
    return {};
  }
  /** The fields kafkajs's record has, as a plain object (tests compare it to kafkajs's). */
  toJSON(): Record<string, unknown> {
    const { magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord, batchContext } = this;
    return { magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord, batchContext };
  }
}

/** A varint-length byte range at `decoder.offset` (kafkajs's readVarIntBytes without the Buffer): its start, -1 for null; `decoder.offset` moves past it. */
function skipVarIntBytes(decoder: KafkajsDecoder): number {
  const length = decoder.readVarInt();
  if (length === -1) return -1;
  const start = decoder.offset;
  decoder.offset = start + length;
  return start;
}

/** kafkajs's own record decoder, and whether the lean one took its place (false: kafkajs was loaded first, or moved it). */
export const kafkajsRecordDecoder = swapKafkajsModule<RecordDecoder>(RECORD_DECODER, leanRecordDecoder);
