// The memory tier's time-keyed table (state/tables.ts): a time holding one entry is kept without a
// map of its own until a second key comes; every method must see the same entries either way.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTimeKeyedTable } from '../../src/state/tables.js';

test('a time with one key, then two, then one again: get, set, delete, keysAt, size and drain order agree', () => {
  const t = new MemoryTimeKeyedTable<number>();
  t.set(20, 'b', 1);
  t.set(10, 'a', 1);
  assert.equal(t.get(10, 'a'), 1);
  assert.equal(t.get(10, 'x'), undefined);
  t.set(10, 'a', 2);
  assert.equal(t.size, 2);
  assert.equal(t.get(10, 'a'), 2);
  // A second key under 10: both kept, in insertion order.
  t.set(10, 'c', 3);
  assert.equal(t.size, 3);
  assert.deepEqual([...t.keysAt(10)!], [['a', 2], ['c', 3]]);
  assert.deepEqual(t.keysThrough(15), ['a', 'c']);
  t.delete(10, 'a');
  assert.equal(t.size, 2);
  assert.deepEqual([...t.keysAt(10)!], [['c', 3]]);
  // Deleting a key the time does not hold changes nothing; deleting its one key drops the time.
  t.delete(20, 'zz');
  assert.equal(t.size, 2);
  t.delete(20, 'b');
  assert.equal(t.size, 1);
  assert.equal(t.timeCount, 1);
  assert.equal(t.minTime(), 10);
  t.set(5, 'd', 4);
  assert.deepEqual(t.drainThrough(10), [
    { time: 5, key: 'd', value: 4 },
    { time: 10, key: 'c', value: 3 },
  ]);
  assert.equal(t.size, 0);
  assert.equal(t.timeCount, 0);
});

test('one-key times: take, takeSome, peek, snapshot and restore', () => {
  const t = new MemoryTimeKeyedTable<string>();
  t.set(1, 'a', 'x');
  t.set(2, 'b', 'y');
  t.set(2, 'c', 'z');
  t.set(3, 'd', 'w');
  assert.deepEqual(t.peek(1, 5), [{ key: 'a', value: 'x' }]);
  assert.deepEqual(t.peek(1, 0), []);
  assert.deepEqual(t.takeSome(1, 0), []);
  assert.deepEqual(t.takeSome(1, 1), [{ key: 'a', value: 'x' }]);
  assert.equal(t.timeCount, 2);
  assert.equal(t.take(3, 'nope'), undefined);
  assert.equal(t.take(3, 'd'), 'w');
  assert.equal(t.size, 2);
  t.set(4, 'e', 'v');
  const snap = t.snapshot();
  const u = new MemoryTimeKeyedTable<string>();
  u.restore(snap.chunks);
  assert.equal(u.size, 3);
  assert.deepEqual(u.drainThrough(10), [
    { time: 2, key: 'b', value: 'y' },
    { time: 2, key: 'c', value: 'z' },
    { time: 4, key: 'e', value: 'v' },
  ]);
});

test('against a plain reference model: random sets, deletes, takes and drains, times in and out of order, keep every entry, the time count and the drain order', () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 20; round++) {
    const t = new MemoryTimeKeyedTable<number>();
    // The model: time -> key -> value, insertion order kept by Map.
    const model = new Map<number, Map<string, number>>();
    let drained = -1;
    for (let step = 0; step < 400; step++) {
      const time = drained + 1 + rnd(30);
      const key = `k${rnd(4)}`;
      const op = rnd(10);
      if (op < 6) {
        t.set(time, key, step);
        if (!model.has(time)) model.set(time, new Map());
        model.get(time)!.set(key, step);
      } else if (op < 7) {
        t.delete(time, key);
        model.get(time)?.delete(key);
        if (model.get(time)?.size === 0) model.delete(time);
      } else if (op < 8) {
        const got = t.takeSome(time, 1 + rnd(2));
        for (const e of got) {
          assert.equal(model.get(time)?.get(e.key), e.value);
          model.get(time)!.delete(e.key);
        }
        if (model.get(time)?.size === 0) model.delete(time);
      } else {
        const upTo = drained + rnd(8);
        const want = [...model.keys()].filter((x) => x <= upTo).sort((a, b) => a - b).flatMap((x) => [...model.get(x)!].map(([key, value]) => ({ time: x, key, value })));
        assert.deepEqual(t.keysThrough(upTo), want.map((e) => e.key));
        assert.deepEqual(t.drainThrough(upTo), want);
        for (const e of want) model.delete(e.time);
        drained = Math.max(drained, upTo);
      }
      assert.equal(t.size, [...model.values()].reduce((n, m) => n + m.size, 0));
      assert.equal(t.timeCount, model.size);
      assert.equal(t.minTime(), model.size === 0 ? undefined : Math.min(...model.keys()));
      const probe = drained + 1 + rnd(30);
      const pk = `k${rnd(4)}`;
      assert.equal(t.get(probe, pk), model.get(probe)?.get(pk));
    }
    assert.deepEqual([...t.timesAscending()], [...model.keys()].sort((a, b) => a - b));
    const copy = new MemoryTimeKeyedTable<number>();
    copy.restore(t.snapshot().chunks);
    assert.deepEqual(copy.drainThrough(Infinity), t.drainThrough(Infinity));
  }
});
