// The Segmenter of a source's batch (exec/source-runtime.ts): rows added one record at a time,
// cut where the watermark enters a later step. Its arrays are sized up front; the segments must
// be what a plain push-per-row segmenter gives: the same rows in the same segments, with the
// same watermarks, and arrays without holes (length = rows).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Segmenter, type Segment } from '../../../src/exec/source-runtime.js';
import type { Row } from '../../../src/catalog/types.js';
import { RUNS } from '../expr/support.js';

type Step = { row: boolean; w: number | undefined };

/** The reference: rows pushed one by one, a segment closed at each step entered. */
function reference(step: number, wm0: number, steps: Step[], last: number | undefined): Segment[] {
  const out: Segment[] = [];
  let rows: Row[] = [];
  let bucket = Math.floor(wm0 / step);
  let wm = wm0;
  steps.forEach((s, i) => {
    if (s.row) rows.push([i]);
    if (s.w !== undefined && Math.floor(s.w / step) > bucket) {
      bucket = Math.floor(s.w / step);
      wm = s.w;
      out.push({ rows, watermark: s.w });
      rows = [];
    }
  });
  const moved = last !== undefined && last > wm;
  if (rows.length > 0 || moved) out.push({ rows, watermark: moved ? last : undefined });
  return out;
}

test('segments of pre-sized arrays equal pushed ones (property)', () => {
  const steps = fc.array(fc.record({ row: fc.boolean(), w: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }) }), { maxLength: 300 });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 50 }), steps, fc.option(fc.integer({ min: 0, max: 250 }), { nil: undefined }), (step, wm0, ss, last) => {
      const seg = new Segmenter(step, wm0, ss.length);
      ss.forEach((s, i) => {
        seg.add(s.row ? [i] : undefined);
        if (s.w !== undefined) seg.cut(s.w);
      });
      const got = seg.finish(last);
      const want = reference(step, wm0, ss, last);
      assert.deepEqual(got, want);
      // No holes: every slot up to the length holds a row.
      for (const g of got) for (let i = 0; i < g.rows.length; i++) assert.ok(i in g.rows);
    }),
    { numRuns: RUNS * 20 },
  );
});

test('rows past the size given still land in the segment', () => {
  const seg = new Segmenter(undefined, 0, 2);
  for (let i = 0; i < 5; i++) seg.add([i]);
  assert.deepEqual(seg.finish(undefined), [{ rows: [[0], [1], [2], [3], [4]], watermark: undefined }]);
});
