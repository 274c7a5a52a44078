// The text of a message key (src/connectors/kafka/key-text.ts) is always what toString() gives:
// random keys (ASCII, UTF-8, invalid UTF-8, long, empty), recurring in random order so that
// cache slots are hit, missed and replaced; and a recurring ASCII key is the same string.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KeyText } from '../../../src/connectors/kafka/key-text.js';
import { RUNS } from '../expr/support.js';

const key = fc.oneof(
  fc.string({ maxLength: 12 }).map((s) => Buffer.from(s)),
  fc.string({ unit: 'grapheme', maxLength: 6 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 10 }).map((a) => Buffer.from(a)),
  fc.string({ minLength: 60, maxLength: 70 }).map((s) => Buffer.from(s)),
  fc.integer({ min: 0, max: 20 }).map((i) => Buffer.from(`sensor-${i}`)),
);

test('a key decodes as toString() does, whatever was cached (property)', () => {
  fc.assert(
    fc.property(fc.array(key, { minLength: 1, maxLength: 200 }), fc.constantFrom(1, 2, 4096), (keys, slots) => {
      const kt = new KeyText(slots);
      // Twice over: the second pass finds them cached (or replaced).
      for (const k of [...keys, ...keys]) {
        // A copy inside a larger buffer, as a fetched record's key is a slice of the response.
        const big = Buffer.concat([Buffer.from('xx'), k, Buffer.from('yy')]);
        assert.equal(kt.of(big.subarray(2, 2 + k.length)), k.toString('utf8'));
      }
    }),
    { numRuns: RUNS * 10 },
  );
});

test('a recurring ASCII key is one string; many keys in few slots stay exact', () => {
  const kt = new KeyText();
  const a = kt.of(Buffer.from('sensor-7'));
  assert.equal(kt.of(Buffer.from('sensor-7')), a);
  // One slot: a non-ASCII key is never cached (its chars would equal other bytes).
  const one = new KeyText(1);
  assert.equal(one.of(Buffer.from('é')), 'é');
  assert.equal(one.of(Buffer.from([0xe9])), '\ufffd');
  for (let i = 0; i < 20_000; i++) assert.equal(kt.of(Buffer.from(`k${i % 9000}`)), `k${i % 9000}`);
});
