// Where a run starts after a run that read every input to its end (exec/time.ts rerunWatermark):
// past every window the finished run could have closed, and no further.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rerunWatermark, windowClosed, tumbleEnd, hopWindowStarts, sessionEnd } from '../../../src/exec/time.js';

const S = 1_000_000;
const max = Date.UTC(2024, 4, 20, 10, 0, 12) * 1000;

test('the rerun watermark: the latest event time plus every window reach (sessions twice the gap); -inf when nothing was read', () => {
  assert.equal(rerunWatermark(max, []), max);
  assert.equal(rerunWatermark(max, [{ kind: 'tumble', sizeMicros: 10 * S }]), max + 10 * S);
  assert.equal(rerunWatermark(max, [{ kind: 'hop', slideMicros: 5 * S, sizeMicros: 20 * S }]), max + 20 * S);
  assert.equal(rerunWatermark(max, [{ kind: 'session', gapMicros: 2 * S }]), max + 4 * S);
  assert.equal(rerunWatermark(max, [{ kind: 'tumble', sizeMicros: 10 * S }, { kind: 'session', gapMicros: 2 * S }]), max + 14 * S);
  assert.equal(rerunWatermark(Number.NEGATIVE_INFINITY, [{ kind: 'tumble', sizeMicros: 10 * S }]), Number.NEGATIVE_INFINITY);
});

test('every window holding a row read by the finished run is closed at the rerun watermark; the next one is not', () => {
  for (const ts of [max, max - 3 * S, max - 10 * S + 1]) {
    const size = 10 * S;
    const wm = rerunWatermark(max, [{ kind: 'tumble', sizeMicros: size }]);
    assert.ok(windowClosed(tumbleEnd(ts, size), wm));
    for (const s of hopWindowStarts(ts, 5 * S, 20 * S)) assert.ok(windowClosed(s + 20 * S, rerunWatermark(max, [{ kind: 'hop', slideMicros: 5 * S, sizeMicros: 20 * S }])));
    // A session holding ts ends at most a gap after max; a row merging into it comes at most a gap later still.
    const gap = 2 * S;
    assert.ok(windowClosed(sessionEnd(sessionEnd(max, gap), gap), rerunWatermark(max, [{ kind: 'session', gapMicros: gap }])));
  }
  const wm = rerunWatermark(max, [{ kind: 'tumble', sizeMicros: 10 * S }]);
  assert.ok(!windowClosed(tumbleEnd(wm, 10 * S), wm), 'the window holding the rerun watermark itself is open');
});
