// The per-partition watermark rule of exec/time.ts (no broker needed): minimum over active
// partitions, silent assigned partitions hold it back, idle ones do not, the wall clock when
// all are idle, never backwards.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PartitionWatermarks } from '../../src/exec/time.js';

test('the minimum over partitions, with the delay; an assigned silent partition holds it back', () => {
  const w = new PartitionWatermarks(1000);
  w.assign([0, 1]);
  assert.equal(w.observe(0, 10_000), undefined, 'partition 1 has sent nothing');
  assert.equal(w.current, Number.NEGATIVE_INFINITY);
  assert.equal(w.observe(1, 5_000), 4_000);
  assert.equal(w.observe(0, 20_000), undefined, 'not the partition holding the minimum');
  assert.equal(w.observe(1, 30_000), 19_000);
});

test('idle partitions stop holding it back; when all are idle it follows the clock; never backwards', () => {
  const w = new PartitionWatermarks(1000);
  w.assign([0, 1, 2]);
  w.observe(0, 50_000);
  w.observe(1, 10_000);
  assert.equal(w.current, Number.NEGATIVE_INFINITY);
  assert.equal(w.setIdle(2, true, 0), 9_000);
  assert.equal(w.setIdle(1, true, 0), 49_000);
  assert.equal(w.setIdle(0, true, 100_000), 99_000, 'all idle: now - delay');
  assert.equal(w.tick(200_000), 199_000);
  // Partition 1 resumes behind the watermark: its records are late, the watermark stays.
  assert.equal(w.observe(1, 60_000), undefined);
  assert.equal(w.current, 199_000);
  assert.equal(w.tick(300_000), undefined, 'a partition is active again: no more clock');
});

test('a rebalance drops partitions that are gone and adds new ones at -inf', () => {
  const w = new PartitionWatermarks(0);
  w.assign([0]);
  w.observe(0, 100);
  assert.equal(w.current, 100);
  w.assign([0, 1]);
  assert.equal(w.observe(0, 200), undefined, 'partition 1 is new and silent');
  w.assign([1]);
  assert.equal(w.observe(1, 500), 500);
});
