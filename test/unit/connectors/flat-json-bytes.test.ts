// The Kafka value's byte path (format/flat-json-bytes.ts through decode.ts compileByteDecoder and
// the Kafka decoders' fromRecord) against the text path: for any bytes, the row or the error must
// be what decoding the value's UTF-8 text gives, whether the byte scanner read them or gave up.
// Bytes are flat and nested objects with schema fields, other-case and unknown keys, duplicates,
// numbers written every JSON way, escapes, non-ASCII and invalid UTF-8, random whitespace, broken
// copies of all of these, and every value sits inside a larger buffer (as kafkajs's do).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import type { Column } from '../../../src/catalog/catalog.js';
import { T } from '../../../src/catalog/types.js';
import { compileByteDecoder, compileDecoder } from '../../../src/connectors/format/decode.js';
import { compileFlatByteScanner } from '../../../src/connectors/format/flat-json-bytes.js';
import { compileKafkaDecoder, KafkaRecord } from '../../../src/connectors/kafka/record.js';
import { LeanBytes, LeanRecord } from '../../../src/connectors/kafka/kafkajs/record-decoder.js';

const ctx = { firstOffset: '0', firstTimestamp: '1716199200000', magicByte: 2, timestampType: 0, maxTimestamp: '0' };
import { RUNS } from '../expr/support.js';

const cols: Column[] = [
  { name: 'sensor', type: T.varchar },
  { name: 'value', type: T.double },
  { name: 'n', type: T.int },
  { name: 'ok', type: T.boolean },
  { name: 'ts', type: T.timestamp },
];
const viaText = compileDecoder(cols, 'ts');
const viaBytes = compileByteDecoder(cols, 'ts');

/** `bytes` as a record holds a value: a range of a larger buffer (quotes around it, to catch a range read wrong). */
function inside(bytes: Uint8Array): { big: Buffer; start: number; end: number } {
  const big = Buffer.alloc(bytes.length + 16, 0x22);
  big.set(bytes, 7);
  return { big, start: 7, end: 7 + bytes.length };
}

/** A record of `bytes` whose text is made only when read, and says whether it was. */
function source(raw: Uint8Array): { big: Buffer; start: number; end: number; readonly value: string; texts: number } {
  const { big, start, end } = inside(raw);
  return {
    big,
    start,
    end,
    texts: 0,
    get value() {
      this.texts++;
      return big.toString('utf8', start, end);
    },
  };
}

const byBytes = (s: ReturnType<typeof source>): unknown => viaBytes(s, s.big, s.start, s.end);

const numberText = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9][0-9]{0,20}$/)),
    fc.option(fc.stringMatching(/^[0-9]{1,18}$/), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{1,3}$/)), { nil: undefined }),
  )
  .map(([neg, int, frac, exp]) => `${neg ? '-' : ''}${int}${frac !== undefined ? `.${frac}` : ''}${exp ? exp.join('') : ''}`);
const space = fc.stringMatching(/^[ \t\n\r]{0,3}$/);
const str = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('sensor-1', 'a"b', 'back\\slash', 'tab\there', '\u2028', '', 'é', 'naïve', '温度', '😀', '\u007f', '\ud800'),
);
const valueText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: numberText },
  { weight: 3, arbitrary: str.map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null', '1e3', '-0', '1.0', '-0.0', '1E+2', '0.1e-2') },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
);
const key = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('sensor', 'value', 'n', 'ok', 'ts') },
  { weight: 1, arbitrary: fc.constantFrom('Sensor', 'VALUE', 'Ts', '__proto__', 'constructor', 'sens\\u006fr', 'sénsor', '温') },
  { weight: 1, arbitrary: fc.string() },
);
const objectText = fc
  .tuple(fc.array(fc.tuple(key, valueText, space, space, space, space), { maxLength: 7 }), space, space)
  .map(([fields, a, b]) => {
    const body = fields.map(([k, v, s1, s2, s3, s4]) => `${s1}${k.includes('\\u') ? `"${k}"` : JSON.stringify(k)}${s2}:${s3}${v}${s4}`).join(',');
    return `${a}{${body}}${b}`;
  });
/** The text's UTF-8 bytes, sometimes with a byte deleted, replaced or inserted (invalid UTF-8 included). */
const bytesOf = fc
  .tuple(fc.oneof(objectText, valueText), fc.nat(), fc.constantFrom(-1, 0x22, 0x2c, 0x7d, 0x7b, 0x3a, 0x5c, 0x30, 0x20, 0x01, 0x80, 0xc3, 0xe2, 0xff, 0xef))
  .map(([text, at, b]) => {
    const bytes = Buffer.from(text);
    if (b === -1 || bytes.length === 0) return bytes;
    const i = at % bytes.length;
    const mode = at % 3;
    if (mode === 0) return Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
    if (mode === 1) return Buffer.concat([bytes.subarray(0, i), Buffer.of(b), bytes.subarray(i + 1)]);
    return Buffer.concat([bytes.subarray(0, i), Buffer.of(b), bytes.subarray(i)]);
  });

test('the byte path gives for any bytes what the text path gives for their UTF-8 text (property)', () => {
  fc.assert(
    fc.property(bytesOf, (raw) => {
      assert.deepStrictEqual(byBytes(source(raw)), viaText(raw.toString()), JSON.stringify(raw.toString()));
    }),
    { numRuns: RUNS * 20 },
  );
});

test('the Kafka decoders read records from their bytes as from their text, keyed and not (property)', () => {
  const keyed: Column[] = [{ name: 'id', type: T.varchar, key: true }, ...cols];
  for (const columns of [cols, keyed]) {
    const decode = compileKafkaDecoder(columns, 'ts');
    assert.ok(decode.fromRecord !== undefined);
    fc.assert(
      fc.property(bytesOf, fc.option(fc.string(), { nil: null }), (raw, k) => {
        const message = { key: k === null ? null : Buffer.from(k), value: raw, offset: '7', timestamp: '1716199200000', attributes: 0, headers: {} } as KafkaMessage;
        const expected = decode(message.value!.toString(), new KafkaRecord('t', 0, message));
        // kafkajs's own record, and the lean decoder's (key and value read in place in the record's bytes).
        assert.deepStrictEqual(decode.fromRecord!(new KafkaRecord('t', 0, message)), expected, raw.toString());
        const keyBytes = k === null ? Buffer.alloc(0) : Buffer.from(k);
        const big = Buffer.concat([Buffer.from('"x'), keyBytes, Buffer.from('"'), raw, Buffer.from('"')]);
        const ks = k === null ? -1 : 2;
        const lean = new LeanRecord(new LeanBytes(big, ctx), 7 * 256, 0, ks, 2 + keyBytes.length, 3 + keyBytes.length, 3 + keyBytes.length + raw.length);
        assert.deepStrictEqual(decode.fromRecord!(new KafkaRecord('t', 0, lean)), expected, raw.toString());
      }),
      { numRuns: RUNS * 10 },
    );
  }
});

test('plain ASCII records are read from the bytes alone, their text never made; the rest from the text', () => {
  const scan = compileFlatByteScanner(cols.map((c) => c.name))!;
  const out: unknown[] = [];
  const plain = [
    '{"sensor":"sensor-7","value":21.5,"n":3,"ok":true,"ts":1716199200000}',
    ' {\n  "ts": 1, "extra": "x", "ok": false,\t"n": -0, "value": null, "other": 2.5e3, "sensor": "a b"\r\n} ',
    '{"sensor":"","value":-0.0,"n":0,"ok":null,"ts":0,"skipped":"ünïcode"}',
    '{"sensor":"x","value":0.1234567890123456789,"n":1e2,"ok":true,"ts":12345678901234567890}',
  ];
  for (const text of plain) {
    const s = source(Buffer.from(text));
    assert.equal(scan(s.big, s.start, s.end, out), true, text);
    assert.deepStrictEqual(byBytes(s), viaText(text), text);
    assert.equal(s.texts, 0, `${text}: the text was made`);
  }
  assert.ok(Object.is((byBytes(source(Buffer.from(plain[2]!))) as unknown[])[1], -0));
  for (const text of [
    '{"sensor":"é","value":1,"n":1,"ok":true,"ts":1}',
    '{"sensor":"a\\"b","value":1,"n":1,"ok":true,"ts":1}',
    '{"sensor":"s","value":1,"n":1,"ok":true}',
    '{"sensor":"s","value":1,"n":1,"ok":true,"ts":1,"ts":2}',
    '{"sensor":"s","value":01,"n":1,"ok":true,"ts":1}',
    '{"sensor":"s","value":1,"n":1,"ok":true,"ts":1',
    '\ufeff{"sensor":"s","value":1,"n":1,"ok":true,"ts":1}',
    '',
  ]) {
    const s = source(Buffer.from(text));
    assert.equal(scan(s.big, s.start, s.end, out), false, text);
    assert.deepStrictEqual(byBytes(s), viaText(text), text);
  }
  // Malformed JSON is a dead letter with JSON.parse's words and position, as before.
  const bad = byBytes(source(Buffer.from('{"sensor":"s","value":1,}')));
  assert.deepStrictEqual(bad, viaText('{"sensor":"s","value":1,}'));
  assert.match(JSON.stringify(bad), /not valid JSON: .*position 24/);
  assert.equal(compileFlatByteScanner(['a', 'sénsor']), undefined, 'names past ASCII are left to the text path');
});
