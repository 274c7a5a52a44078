// Window offsets (time.ts): TUMBLE and HOP starts at epoch + offset + k * period, for negative
// timestamps, at boundaries and near 2^53; normaliseOffset; and a brute-force check of both
// against the definition s <= ts < s + size over a grid of small integers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cumulateFirstEnd, cumulateWindowEnds, hopFirstStart, hopWindowStarts, normaliseOffset, tumbleEnd, tumbleStart, windowStartOf } from '../../../src/exec/time.js';

describe('tumble with an offset', () => {
  it('starts windows at offset + k * size', () => {
    assert.equal(tumbleStart(25, 10, 3), 23);
    assert.equal(tumbleStart(23, 10, 3), 23);
    assert.equal(tumbleStart(22, 10, 3), 13);
    assert.equal(tumbleStart(2, 10, 3), -7);
    assert.equal(tumbleStart(3, 10, 3), 3);
    assert.equal(tumbleEnd(22, 10, 3), 23);
    assert.equal(tumbleEnd(23, 10, 3), 33);
  });

  it('handles negative timestamps and boundaries', () => {
    assert.equal(tumbleStart(-7, 10, 3), -7);
    assert.equal(tumbleStart(-8, 10, 3), -17);
    assert.equal(tumbleStart(-17, 10, 3), -17);
    assert.equal(tumbleStart(-18, 10, 3), -27);
    assert.ok(Object.is(tumbleStart(-10, 10, 0), -10));
  });

  it('a day from 08:00 UTC: TUMBLE(ts, 1d, 8h)', () => {
    const H = 3_600_000_000;
    const day = 24 * H;
    const may20 = Date.UTC(2024, 4, 20) * 1000;
    assert.equal(tumbleStart(may20 + 7 * H, day, 8 * H), may20 - 16 * H);
    assert.equal(tumbleStart(may20 + 8 * H, day, 8 * H), may20 + 8 * H);
    assert.equal(tumbleEnd(may20 + 8 * H - 1, day, 8 * H), may20 + 8 * H);
    // Before the epoch: 1969-12-31T07:59:59.999999 is in [1969-12-30T08:00, 1969-12-31T08:00).
    assert.equal(tumbleStart(-16 * H - 1, day, 8 * H), -40 * H);
  });

  it('stays exact near 2^53', () => {
    const big = 1_716_199_209_999_999;
    assert.equal(tumbleStart(big, 10_000_000, 3_000_000), 1_716_199_203_000_000);
    assert.equal(tumbleStart(big + 3_000_001, 10_000_000, 3_000_000), 1_716_199_213_000_000);
  });
});

describe('hop with an offset', () => {
  it('lists the windows holding ts', () => {
    // slide 5, size 10, offset 2: starts ..., -3, 2, 7, 12, ...
    assert.deepEqual(hopWindowStarts(7, 5, 10, 2), [2, 7]);
    assert.deepEqual(hopWindowStarts(6, 5, 10, 2), [-3, 2]);
    assert.deepEqual(hopWindowStarts(12, 5, 10, 2), [7, 12]);
    assert.deepEqual(hopWindowStarts(-4, 5, 10, 2), [-13, -8]);
    assert.equal(hopFirstStart(12, 5, 10, 2), 7);
    // slide > size (gaps between windows): only rows in [s, s + size) belong.
    assert.deepEqual(hopWindowStarts(3, 5, 2, 1), []);
    assert.deepEqual(hopWindowStarts(6, 5, 2, 1), [6]);
  });

  it('agrees with the definition over a grid', () => {
    for (const [slide, size] of [[3, 10], [5, 10], [4, 4], [7, 3]] as const) {
      for (let offset = 0; offset < slide; offset++) {
        for (let ts = -40; ts <= 40; ts++) {
          const want: number[] = [];
          for (let s = -80 + offset - ((-80) % slide); s <= ts; s += slide) {
            if (((s - offset) % slide + slide) % slide === 0 && s <= ts && ts < s + size) want.push(s);
          }
          assert.deepEqual(hopWindowStarts(ts, slide, size, offset), want, `ts=${ts} slide=${slide} size=${size} offset=${offset}`);
          if (slide === size) assert.deepEqual([tumbleStart(ts, size, offset)], want);
        }
      }
    }
  });
});

describe('normaliseOffset', () => {
  it('maps (-period, period) into [0, period)', () => {
    assert.equal(normaliseOffset(3, 10), 3);
    assert.equal(normaliseOffset(-7, 10), 3);
    assert.equal(normaliseOffset(0, 10), 0);
    assert.ok(Object.is(normaliseOffset(-0, 10), 0));
    assert.ok(Object.is(normaliseOffset(-10, 10), 0));
    const H = 3_600_000_000;
    assert.equal(normaliseOffset(-16 * H, 24 * H), 8 * H);
  });
});

describe('cumulate', () => {
  it('lists the window ends holding ts, from the next step boundary to the size-aligned end', () => {
    // step 2, size 6: cumulations start at ..., -6, 0, 6; ends at each step boundary.
    assert.deepEqual(cumulateWindowEnds(0, 2, 6), [2, 4, 6]);
    assert.deepEqual(cumulateWindowEnds(1, 2, 6), [2, 4, 6]);
    assert.deepEqual(cumulateWindowEnds(2, 2, 6), [4, 6]);
    assert.deepEqual(cumulateWindowEnds(5, 2, 6), [6]);
    assert.deepEqual(cumulateWindowEnds(6, 2, 6), [8, 10, 12]);
    assert.deepEqual(cumulateWindowEnds(-1, 2, 6), [0]);
    assert.deepEqual(cumulateWindowEnds(-6, 2, 6), [-4, -2, 0]);
    assert.equal(cumulateFirstEnd(-3, 2), -2);
    // step = size is a TUMBLE.
    assert.deepEqual(cumulateWindowEnds(-3, 5, 5), [tumbleEnd(-3, 5)]);
  });

  it('with an offset: cumulations start at offset + k * size', () => {
    assert.deepEqual(cumulateWindowEnds(3, 2, 6, 3), [5, 7, 9]);
    assert.deepEqual(cumulateWindowEnds(2, 2, 6, 3), [3]);
    assert.deepEqual(cumulateWindowEnds(-3, 2, 6, 3), [-1, 1, 3]);
    assert.deepEqual(cumulateWindowEnds(-4, 2, 6, 3), [-3]);
    assert.equal(cumulateFirstEnd(4, 2, 3), 5);
  });

  it('windowStartOf: the shared start of a cumulation, end - size otherwise', () => {
    const c = { kind: 'cumulate', stepMicros: 2, sizeMicros: 6 } as const;
    assert.equal(windowStartOf(c, 2), 0);
    assert.equal(windowStartOf(c, 6), 0);
    assert.equal(windowStartOf(c, 8), 6);
    assert.equal(windowStartOf(c, -2), -6);
    assert.equal(windowStartOf({ ...c, offsetMicros: 3 }, 3), -3);
    assert.equal(windowStartOf({ ...c, offsetMicros: 3 }, 5), 3);
    assert.equal(windowStartOf({ kind: 'hop', slideMicros: 2, sizeMicros: 6 }, 8), 2);
    assert.equal(windowStartOf({ kind: 'tumble', sizeMicros: 6, offsetMicros: 1 }, 7), 1);
  });

  it('every end e holds ts exactly when start <= ts < e, over a grid', () => {
    for (const [step, size] of [[1, 4], [2, 6], [3, 3]] as const) {
      for (let offset = 0; offset < size; offset++) {
        for (let ts = -20; ts <= 20; ts++) {
          const ends = cumulateWindowEnds(ts, step, size, offset);
          const start = tumbleStart(ts, size, offset);
          const want: number[] = [];
          for (let e = start + step; e <= start + size; e += step) if (ts < e) want.push(e);
          assert.deepEqual(ends, want, `ts=${ts} step=${step} size=${size} offset=${offset}`);
          for (const e of ends) assert.equal(windowStartOf({ kind: 'cumulate', stepMicros: step, sizeMicros: size, offsetMicros: offset }, e), start);
        }
      }
    }
  });
});
