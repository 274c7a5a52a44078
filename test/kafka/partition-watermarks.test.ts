// The per-partition watermark rule of exec/time.ts (no broker needed): minimum over active
// partitions, silent assigned partitions hold it back, idle ones do not, the wall clock when
// all are idle, never backwards.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PartitionWatermarks, sourceWatermark } from '../../src/exec/time.js';

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

/**
 * The rule itself, recomputed from every partition after every step: the fast path of observe()
 * (the last record's partition compares against a cached minimum) must give the same answers.
 */
class Reference {
  private readonly marks = new Map<number, number>();
  private readonly idle = new Set<number>();
  combined = Number.NEGATIVE_INFINITY;
  constructor(private readonly delay: number) {}
  assign(ps: readonly number[]): number | undefined {
    for (const p of [...this.marks.keys()]) if (!ps.includes(p)) this.marks.delete(p);
    for (const p of [...this.idle]) if (!ps.includes(p)) this.idle.delete(p);
    for (const p of ps) if (!this.marks.has(p)) this.marks.set(p, Number.NEGATIVE_INFINITY);
    return this.recompute(undefined);
  }
  observe(p: number, ts: number): number | undefined {
    const w = sourceWatermark(ts, this.delay);
    if (!this.marks.has(p) || w > this.marks.get(p)!) this.marks.set(p, w);
    this.idle.delete(p);
    return this.recompute(undefined);
  }
  setIdle(p: number, idle: boolean, now: number): number | undefined {
    if (!this.marks.has(p)) this.marks.set(p, Number.NEGATIVE_INFINITY);
    if (idle) this.idle.add(p);
    else this.idle.delete(p);
    return this.recompute(now);
  }
  tick(now: number): number | undefined {
    return this.recompute(now);
  }
  private recompute(now: number | undefined): number | undefined {
    if (this.marks.size === 0) return undefined;
    const active = [...this.marks].filter(([p]) => !this.idle.has(p)).map(([, m]) => m);
    const max = Math.max(...this.marks.values());
    const next = active.length > 0 ? Math.min(...active) : now === undefined ? max : Math.max(max, sourceWatermark(now, this.delay));
    if (next <= this.combined) return undefined;
    this.combined = next;
    return next;
  }
}

type Step =
  | { op: 'assign'; ps: number[] }
  | { op: 'run'; p: number; ts: number[] }
  | { op: 'idle'; p: number; idle: boolean; now: number }
  | { op: 'tick'; now: number }
  | { op: 'save' };

test('observe in runs of one partition agrees with the rule recomputed from every partition (property)', () => {
  const part = fc.integer({ min: 0, max: 3 });
  const time = fc.integer({ min: 0, max: 200 });
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 1, arbitrary: fc.record({ op: fc.constant('assign' as const), ps: fc.uniqueArray(part, { maxLength: 4 }) }) },
    { weight: 6, arbitrary: fc.record({ op: fc.constant('run' as const), p: part, ts: fc.array(time, { minLength: 1, maxLength: 12 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('idle' as const), p: part, idle: fc.boolean(), now: time }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('tick' as const), now: time }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('save' as const) }) },
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 20 }), fc.array(step, { maxLength: 40 }), (delay, steps) => {
      let w = new PartitionWatermarks(delay);
      const ref = new Reference(delay);
      for (const s of steps) {
        if (s.op === 'assign') assert.equal(w.assign(s.ps), ref.assign(s.ps));
        else if (s.op === 'run') for (const t of s.ts) assert.equal(w.observe(s.p, t), ref.observe(s.p, t), `observe(${s.p}, ${t})`);
        else if (s.op === 'idle') assert.equal(w.setIdle(s.p, s.idle, s.now), ref.setIdle(s.p, s.idle, s.now));
        else if (s.op === 'tick') assert.equal(w.tick(s.now), ref.tick(s.now));
        else {
          // A checkpoint and restore (idleness is not kept: the reference forgets it too).
          const saved = w.save();
          w = new PartitionWatermarks(delay);
          w.restore(saved);
          for (const [p] of saved.marks) ref.setIdle(p, false, 0);
          ref.combined = saved.combined;
        }
        assert.equal(w.current, ref.combined);
      }
    }),
    { numRuns: 500 },
  );
});
