// The console's time helpers: watermarks arrive as ISO text, epoch ms or epoch µs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatTime, toMillis } from '../../../web/src/model/time.js';
import { SeriesHistory } from '../../../web/src/model/history.js';

test('toMillis reads ISO text (with or without Z), epoch ms and epoch µs', () => {
  const ms = Date.parse('2026-01-01T10:00:00.500Z');
  assert.equal(toMillis('2026-01-01T10:00:00.500Z'), ms);
  assert.equal(toMillis('2026-01-01 10:00:00.500'), ms);
  assert.equal(toMillis(ms), ms);
  assert.equal(toMillis(ms * 1000), ms);
  assert.equal(toMillis(null), null);
  assert.equal(toMillis('not a time'), null);
  assert.equal(toMillis(-Infinity), null);
});

test('formats', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  assert.equal(formatTime(Date.parse('2026-01-01T10:00:01.250Z'), now), '10:00:01.250');
  assert.equal(formatTime(Date.parse('2025-12-31T10:00:01Z'), now), '2025-12-31 10:00:01');
  assert.equal(formatDuration(850), '850 ms');
  assert.equal(formatDuration(2500), '2.5 s');
  assert.equal(formatDuration(5 * 3_600_000), '5 h');
  assert.equal(formatDuration(30 * 86_400_000), '30 d');
  assert.equal(formatDuration(null), '—');
});

test('history keeps the last points per series and aligns them on one time axis', () => {
  const h = new SeriesHistory(2);
  h.add('a', 1000, 1);
  h.add('a', 2000, 2);
  h.add('a', 3000, 3);
  h.add('b', 2000, 20);
  const { xs, series } = h.aligned();
  assert.deepEqual(xs, [2, 3]);
  assert.deepEqual(series, [
    { label: 'a', values: [2, 3] },
    { label: 'b', values: [20, null] },
  ]);
});
