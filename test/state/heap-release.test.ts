// Under a state budget the job gives the JS heap's unused memory back past a resident ceiling
// (state/heap-release.ts): V8's pooled pages, read from /proc/self/smaps, and garbage not yet
// collected, by a memory-reducing collection that is rate-limited. The decision is tested with a
// fake probe; the mechanism (the page pool, a gc() reached without --expose-gc, the release) in a
// real node process.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { HeapRelease, pooledBytes, RSS_ALLOWANCE, type HeapProbe } from '../../src/state/heap-release.js';
import { MIN_STATE_MEMORY } from '../../src/state/budget.js';

const MB = 2 ** 20;

test('pooledBytes: resident unnamed 256 KB mappings past the heap physical size; named, larger and smaller mappings do not count', () => {
  const smaps = [
    '7f0000000000-7f0000040000 rw-p 00000000 00:00 0 ',
    'Size:                256 kB',
    'Rss:                 256 kB',
    '7f0000040000-7f0000080000 rw-p 00000000 00:00 0',
    'Rss:                 100 kB',
    '7f0000080000-7f00000c0000 rw-p 00000000 00:00 0                          [heap]',
    'Rss:                 256 kB',
    '7f00000c0000-7f0000100000 r-xp 00000000 08:01 1234                       /usr/lib/libx.so',
    'Rss:                 256 kB',
    '7f0000100000-7f0000200000 rw-p 00000000 00:00 0 ',
    'Rss:                1024 kB',
    '7f0000200000-7f0000220000 rw-p 00000000 00:00 0 ',
    'Rss:                 128 kB',
  ].join('\n');
  assert.equal(pooledBytes(smaps, 56 * 1024), (356 - 56) * 1024);
  assert.equal(pooledBytes(smaps, 10 * MB), 0);
  assert.equal(pooledBytes(undefined, 0), undefined);
});

/** A probe whose figures the test sets; collect() takes `takes` ms and sets rss to `rssAfter`. */
function fake(init: { rss: number; pooled: number | undefined; used: number; committed: number }) {
  const state = { ...init, collected: 0, takes: 0, rssAfter: init.rss, canCollect: true };
  const probe: HeapProbe = {
    rss: () => state.rss,
    pooled: () => state.pooled,
    heap: () => ({ used: state.used, committed: state.committed }),
    collect: () => {
      if (!state.canCollect) return false;
      const until = performance.now() + state.takes;
      while (performance.now() < until);
      state.collected++;
      state.rss = state.rssAfter;
      state.pooled = 0;
      state.committed = state.used;
      return true;
    },
  };
  return { state, probe };
}

test('HeapRelease: nothing at or under the ceiling, nothing when little would come back, a collection past it when enough would', () => {
  const { state, probe } = fake({ rss: 100 * MB, pooled: 30 * MB, used: 20 * MB, committed: 30 * MB });
  const r = new HeapRelease(200 * MB, probe);
  let now = 1_000;
  assert.equal(r.check(now), false, 'under the ceiling');
  state.rss = 200 * MB;
  assert.equal(r.check((now += 100)), false, 'at the ceiling');
  state.rss = 250 * MB;
  state.pooled = 3 * MB;
  state.committed = state.used + 2 * MB;
  assert.equal(r.check((now += 100)), false, 'past it, but only 5 MB would come back');
  state.committed = state.used + 30 * MB;
  state.pooled = 6 * MB;
  state.rssAfter = 200 * MB;
  assert.equal(r.check((now += 100)), true, '6 MB pooled and 30 MB committed unused');
  assert.equal(state.collected, 1);
  assert.equal(r.releases, 1);
  assert.equal(state.canCollect, true);
  state.canCollect = false;
  state.rss = 250 * MB;
  state.pooled = 20 * MB;
  assert.equal(r.check((now += 1_000)), false, 'no gc() to call: nothing counted');
  state.canCollect = true;
  assert.equal(r.check((now += 60_000)), false, 'and no more looks');
  assert.equal(r.releases, 1);
});

test('HeapRelease: where the pool cannot be read (no /proc/self/smaps) nothing is released, and it stops looking', () => {
  const { state, probe } = fake({ rss: 300 * MB, pooled: undefined, used: 20 * MB, committed: 60 * MB });
  const r = new HeapRelease(200 * MB, probe);
  assert.equal(r.check(1_000), false);
  state.pooled = 50 * MB;
  assert.equal(r.check(61_000), false);
  assert.equal(state.collected, 0);
});

test('HeapRelease: garbage past what the last collection left counts, as live heap does not', () => {
  const { state, probe } = fake({ rss: 300 * MB, pooled: 0, used: 20 * MB, committed: 20 * MB });
  const r = new HeapRelease(200 * MB, probe);
  let now = 1_000;
  state.used = 26 * MB;
  state.committed = 26 * MB;
  assert.equal(r.check(now), false, '6 MB more in use than at the start');
  state.used = 30 * MB;
  state.committed = 30 * MB;
  state.rssAfter = 250 * MB;
  assert.equal(r.check((now += 100)), true, '10 MB more in use');
  // After it, the heap in use it left (30 MB here: the fake frees nothing) is the baseline.
  state.rss = 300 * MB;
  state.used = 34 * MB;
  state.committed = 34 * MB;
  assert.equal(r.check((now += 1_000)), false, '4 MB past the last collection');
});

test('HeapRelease: looks at most every 50 ms, and after a collection waits 10x its time when it gave back enough, 40x when not', () => {
  const { state, probe } = fake({ rss: 300 * MB, pooled: 50 * MB, used: 20 * MB, committed: 20 * MB });
  const r = new HeapRelease(200 * MB, probe);
  state.takes = 20;
  state.rssAfter = 300 * MB; // gives nothing back (what is resident is not V8's)
  const t0 = performance.now();
  assert.equal(r.check(t0), true);
  state.pooled = 50 * MB;
  assert.equal(r.check(t0 + 10), false, 'within 50 ms of the last look');
  assert.equal(r.check(t0 + 600), false, 'within 40x the 20 ms it took');
  assert.equal(r.check(t0 + 6_000), true, 'past 40x (the margin is for a loaded machine)');
  state.pooled = 50 * MB;
  state.rss = 300 * MB;
  state.rssAfter = 200 * MB; // this one gives 100 MB back
  assert.equal(r.check(t0 + 12_000), true);
  state.pooled = 50 * MB;
  state.rss = 300 * MB;
  assert.equal(r.check(t0 + 12_150), false, 'within 10x the 20 ms it took');
  assert.equal(r.check(t0 + 14_000), true, 'past 10x');
  assert.equal(r.releases, 4);
});

test('HeapRelease.forBudget: the budget plus the allowance; budgets below the smallest accepted (tests) count as it', () => {
  assert.equal(HeapRelease.forBudget(256 * MB).ceiling, 256 * MB + RSS_ALLOWANCE);
  assert.equal(HeapRelease.forBudget(1).ceiling, MIN_STATE_MEMORY + RSS_ALLOWANCE);
});

test('in a node process without --expose-gc, V8 pools the pages a collection frees and a release gives them back', { skip: !existsSync('/proc/self/smaps') }, () => {
  const module = path.resolve('dist/src/state/heap-release.js');
  const script = `
    import * as v8 from 'node:v8';
    import * as vm from 'node:vm';
    import { HeapRelease, processPooledBytes } from ${JSON.stringify(module)};
    // An ordinary full collection for the set-up (HeapRelease reaches gc() on its own).
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    let keep = [];
    for (let r = 0; r < 24; r++) { keep.push(Array.from({ length: 100000 }, (_, i) => ({ a: i, b: 'x' + i }))); if (keep.length > 8) keep.shift(); }
    keep = [];
    gc();
    const before = processPooledBytes();
    const r = new HeapRelease(0);
    const released = r.check(performance.now() + 1e6);
    const after = processPooledBytes();
    process.stdout.write(JSON.stringify({ before, after, released, gcGlobal: typeof globalThis.gc }));
  `;
  const run = spawnSync(process.execPath, ['--max-semi-space-size=8', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const { before, after, released, gcGlobal } = JSON.parse(run.stdout) as { before: number; after: number; released: boolean; gcGlobal: string };
  assert.ok(before > 40 * MB, `pooled before: ${Math.round(before / MB)} MB`);
  assert.equal(released, true);
  assert.ok(after < 8 * MB, `pooled after: ${Math.round(after / MB)} MB (before ${Math.round(before / MB)} MB)`);
  assert.equal(gcGlobal, 'undefined', 'gc() was reached without exposing it to the job');
});
