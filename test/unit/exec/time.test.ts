import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  eventJoinsSession,
  formatMicros,
  hopFirstStart,
  hopWindowStarts,
  isLate,
  lastReleasable,
  sessionEnd,
  sessionsOverlap,
  sourceWatermark,
  tumbleEnd,
  tumbleStart,
  WatermarkCombiner,
  windowClosed,
  windowLateReason,
} from '../../../src/exec/time.js';

describe('tumble', () => {
  it('floors to the window start, also for negative times', () => {
    assert.equal(tumbleStart(25, 10), 20);
    assert.equal(tumbleStart(20, 10), 20);
    assert.equal(tumbleStart(19, 10), 10);
    assert.equal(tumbleStart(0, 10), 0);
    assert.equal(tumbleStart(-1, 10), -10);
    assert.equal(tumbleStart(-10, 10), -10);
    assert.equal(tumbleStart(-11, 10), -20);
    assert.ok(Object.is(tumbleStart(-10, 10), -10));
  });
  it('is exact for real epoch micros', () => {
    assert.equal(tumbleStart(1_716_199_209_999_999, 10_000_000), 1_716_199_200_000_000);
    assert.equal(tumbleStart(1_716_199_210_000_000, 10_000_000), 1_716_199_210_000_000);
    assert.equal(tumbleEnd(1_716_199_209_999_999, 10_000_000), 1_716_199_210_000_000);
  });
  it('has an exclusive end: ts at the end belongs to the next window', () => {
    assert.equal(tumbleEnd(9, 10), 10);
    assert.equal(tumbleEnd(10, 10), 20);
    assert.equal(tumbleEnd(-1, 10), 0);
  });
});

describe('hop', () => {
  it('lists the windows holding ts, ascending', () => {
    assert.deepEqual(hopWindowStarts(10, 5, 10), [5, 10]);
    assert.deepEqual(hopWindowStarts(9, 5, 10), [0, 5]);
    assert.deepEqual(hopWindowStarts(7, 5, 10), [0, 5]);
  });
  it('handles a slide that does not divide the size', () => {
    // size 10, slide 4: windows [4,14) [8,18) [12,22) ...
    assert.deepEqual(hopWindowStarts(12, 4, 10), [4, 8, 12]);
    assert.deepEqual(hopWindowStarts(13, 4, 10), [4, 8, 12]);
    assert.deepEqual(hopWindowStarts(14, 4, 10), [8, 12]);
    assert.deepEqual(hopWindowStarts(10, 3, 10), [3, 6, 9]);
    assert.equal(hopFirstStart(14, 4, 10), 8);
  });
  it('handles negative times', () => {
    assert.deepEqual(hopWindowStarts(0, 3, 10), [-9, -6, -3, 0]);
    assert.deepEqual(hopWindowStarts(-1, 3, 10), [-9, -6, -3]);
    assert.deepEqual(hopWindowStarts(-10, 5, 10), [-15, -10]);
  });
  it('handles a slide larger than the size (gaps between windows)', () => {
    // size 2, slide 5: windows [0,2) [5,7): 3 is in none.
    assert.deepEqual(hopWindowStarts(3, 5, 2), []);
    assert.deepEqual(hopWindowStarts(6, 5, 2), [5]);
  });
});

describe('closing and lateness', () => {
  it('closes a window when the watermark reaches its end', () => {
    assert.equal(windowClosed(10, 9), false);
    assert.equal(windowClosed(10, 10), true);
    assert.equal(windowClosed(10, 11), true);
    assert.equal(windowClosed(10, Number.NEGATIVE_INFINITY), false);
    assert.equal(windowClosed(10, Number.POSITIVE_INFINITY), true);
  });
  it('calls a buffered row late when it is behind the watermark', () => {
    assert.equal(isLate(9, 10), true);
    assert.equal(isLate(10, 10), false);
    assert.equal(lastReleasable(10), 9);
    assert.equal(lastReleasable(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
  });
  it('derives the source watermark from the max event time', () => {
    assert.equal(sourceWatermark(100, 5), 95);
    assert.equal(sourceWatermark(100, 0), 100);
  });
});

describe('sessions', () => {
  it('puts events closer than the gap together, not events exactly a gap apart', () => {
    assert.equal(sessionEnd(20, 5), 25);
    // session [10, 15) from one event at 10, gap 5
    assert.equal(eventJoinsSession(14, 5, 10, 15), true);
    assert.equal(eventJoinsSession(15, 5, 10, 15), false);
    assert.equal(eventJoinsSession(6, 5, 10, 15), true);
    assert.equal(eventJoinsSession(5, 5, 10, 15), false);
    assert.equal(eventJoinsSession(-4, 5, 0, 5), true);
    assert.equal(eventJoinsSession(-5, 5, 0, 5), false);
  });
  it('merges overlapping sessions, not touching ones', () => {
    assert.equal(sessionsOverlap(0, 10, 10, 20), false);
    assert.equal(sessionsOverlap(0, 10, 9, 20), true);
    assert.equal(sessionsOverlap(9, 20, 0, 10), true);
  });
});

describe('WatermarkCombiner', () => {
  it('takes the minimum over inputs and only reports advances', () => {
    const c = new WatermarkCombiner(2);
    assert.equal(c.current, Number.NEGATIVE_INFINITY);
    assert.equal(c.update(0, 10), undefined);
    assert.equal(c.update(1, 5), 5);
    assert.equal(c.update(1, 20), 10);
    assert.equal(c.update(0, 8), undefined, 'an input watermark never goes back');
    assert.equal(c.current, 10);
    assert.equal(c.update(0, 12), 12);
  });
  it('ignores idle inputs, and takes the max when all are idle', () => {
    const c = new WatermarkCombiner(2);
    c.update(0, 10);
    c.update(1, 20);
    assert.equal(c.current, 10);
    assert.equal(c.markIdle(0, true), 20);
    assert.equal(c.update(1, 25), 25);
    assert.equal(c.markIdle(1, true), undefined, 'max(10, 25) = 25: no advance');
    assert.equal(c.update(0, 30), 30);
    assert.equal(c.markIdle(0, false), undefined);
    assert.equal(c.markIdle(1, false), undefined, 'min(30, 25) is behind: held at 30');
    assert.equal(c.current, 30);
    assert.equal(c.update(1, 40), undefined);
    assert.equal(c.update(0, 35), 35);
  });
  it('works for one input and reaches +Infinity at end', () => {
    const c = new WatermarkCombiner(1);
    assert.equal(c.update(0, 3), 3);
    assert.equal(c.update(0, Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
    assert.throws(() => c.update(1, 4));
  });
});

describe('formatMicros', () => {
  it('shows the full UTC timestamp, with the date', () => {
    assert.equal(formatMicros(1_716_199_210_000_000), '2024-05-20T10:00:10.000Z');
    assert.equal(formatMicros(1_716_199_210_123_000), '2024-05-20T10:00:10.123Z');
    assert.equal(formatMicros(1_716_199_210_000_250), '2024-05-20T10:00:10.000250Z');
    assert.equal(formatMicros(0), '1970-01-01T00:00:00.000Z');
    assert.equal(formatMicros(-1), '1969-12-31T23:59:59.999999Z');
    assert.equal(formatMicros(-1000), '1969-12-31T23:59:59.999Z');
    assert.equal(formatMicros(Number.NEGATIVE_INFINITY), '-inf');
    assert.equal(formatMicros(Number.POSITIVE_INFINITY), '+inf');
  });
  it('writes late reasons', () => {
    const b = 1_716_199_200_000_000;
    assert.equal(windowLateReason(b, b + 10_000_000, b + 11_000_000), 'window [2024-05-20T10:00:00.000Z, 2024-05-20T10:00:10.000Z) closed at watermark 2024-05-20T10:00:11.000Z');
  });
});
