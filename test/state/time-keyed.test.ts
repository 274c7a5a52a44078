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
