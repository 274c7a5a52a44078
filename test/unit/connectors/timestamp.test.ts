// parseTimestamp / formatTimestamp: every accepted form, rejections, and round trips.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTimestamp, parseTimestamp } from '../../../src/catalog/timestamp.js';

const us = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, frac = 0): number => Date.UTC(y, mo - 1, d, h, mi, s) * 1000 + frac;

test('parses the use-case forms to exact micros', () => {
  assert.equal(parseTimestamp('2024-05-20T10:00:00.123456'), us(2024, 5, 20, 10, 0, 0, 123456));
  assert.equal(parseTimestamp('2024-05-20T10:00:00.123456'), 1716199200123456);
  assert.equal(parseTimestamp('2024-06-27 15:43:43.315342'), us(2024, 6, 27, 15, 43, 43, 315342));
  assert.equal(parseTimestamp(1705305600017), 1705305600017000);
});

test('parses every accepted string form', () => {
  const base = us(2024, 5, 20, 10, 0, 0);
  const cases: Array<[string, number]> = [
    ['2024-05-20', us(2024, 5, 20)],
    ['2024-05-20T10:00', base],
    ['2024-05-20 10:00', base],
    ['2024-05-20T10:00:00', base],
    ['2024-05-20t10:00:00z', base],
    ['2024-05-20T10:00:00Z', base],
    ['2024-05-20T10:00:00.1Z', base + 100_000],
    ['2024-05-20T10:00:00.12', base + 120_000],
    ['2024-05-20T10:00:00.123', base + 123_000],
    ['2024-05-20T10:00:00,5', base + 500_000],
    ['2024-05-20T10:00:00.1234567Z', base + 123_456], // truncated past microseconds
    ['2024-05-20T12:00:00+02:00', base],
    ['2024-05-20T12:00:00+0200', base],
    ['2024-05-20T05:00:00-05', base],
    ['2024-05-20T05:30-04:30', base],
    ['2024-05-20T10:00:00.5+00:00', base + 500_000],
    ['2024-02-29T00:00:00', us(2024, 2, 29)],
    ['2000-02-29', us(2000, 2, 29)],
    ['1969-12-31T23:59:59.999999Z', -1],
    ['1900-01-01T00:00:00Z', us(1900, 1, 1)],
  ];
  for (const [text, want] of cases) assert.equal(parseTimestamp(text), want, text);
});

test('year 1 is not confused with 1901', () => {
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  assert.equal(parseTimestamp('0001-01-01'), d.getTime() * 1000);
});

test('numbers are epoch milliseconds, fractions give micros', () => {
  assert.equal(parseTimestamp(0), 0);
  assert.equal(parseTimestamp(1.5), 1500);
  assert.equal(parseTimestamp(-1), -1000);
  assert.equal(parseTimestamp(1705305600017.25), 1705305600017250);
  assert.equal(parseTimestamp(Number.NaN), undefined);
  assert.equal(parseTimestamp(Number.POSITIVE_INFINITY), undefined);
});

test('rejects malformed and out-of-range strings', () => {
  const bad = [
    '',
    'abc',
    '2024-13-01',
    '2024-00-10',
    '2024-05-32',
    '2024-02-30',
    '2023-02-29',
    '1900-02-29',
    '2024-04-31',
    '2024-05-20T25:00:00',
    '2024-05-20T24:00:00',
    '2024-05-20T10:60:00',
    '2024-05-20T10:00:60',
    '2024-05-20T10',
    '2024-05-20T1:00',
    '2024-05-20T10:00:00.',
    '2024-05-20T10:00:00Zjunk',
    '2024-05-20T10:00:00+25:00',
    '2024-05-20T10:00:00+02:61',
    '2024-05-20T10:00:00+2',
    '2024-05-20X10:00:00',
    '2024/05/20',
    '24-05-20',
    '2024-5-20',
    '2024-05-20 ',
    '1705305600017',
  ];
  for (const b of bad) assert.equal(parseTimestamp(b), undefined, b);
});

test('formats milliseconds, or micros when present', () => {
  assert.equal(formatTimestamp(us(2024, 5, 20, 10, 0, 0, 123_000)), '2024-05-20T10:00:00.123Z');
  assert.equal(formatTimestamp(us(2024, 5, 20, 10, 0, 0)), '2024-05-20T10:00:00.000Z');
  assert.equal(formatTimestamp(us(2024, 5, 20, 10, 0, 0, 123_456)), '2024-05-20T10:00:00.123456Z');
  assert.equal(formatTimestamp(us(2024, 5, 20, 10, 0, 0, 7)), '2024-05-20T10:00:00.000007Z');
  assert.equal(formatTimestamp(0), '1970-01-01T00:00:00.000Z');
});

test('formats pre-1970 values', () => {
  assert.equal(formatTimestamp(-1), '1969-12-31T23:59:59.999999Z');
  assert.equal(formatTimestamp(-1000), '1969-12-31T23:59:59.999Z');
  assert.equal(formatTimestamp(us(1900, 1, 1)), '1900-01-01T00:00:00.000Z');
  assert.equal(formatTimestamp(us(1969, 7, 20, 20, 17, 40, 500)), '1969-07-20T20:17:40.000500Z');
});

test('format -> parse round trip, and agreement with Date', () => {
  let x = 12345;
  for (let i = 0; i < 2000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const micros = Math.floor((x / 4294967296 - 0.3) * 8e15) ;
    const text = formatTimestamp(micros);
    assert.equal(parseTimestamp(text), micros, text);
    const ms = Math.floor(micros / 1000);
    if (micros % 1000 === 0) assert.equal(text, new Date(ms).toISOString());
    else assert.equal(text.slice(0, 23), new Date(ms).toISOString().slice(0, 23));
  }
});
