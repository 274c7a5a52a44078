// The console's live result table: append-only sinks keep every row (oldest dropped past the
// limit); changelogs replace a row in place on -U/+U, remove it on -D, match by key or by value.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResultTable } from '../../../web/src/model/result-table.js';

const values = (t: ResultTable) => t.rows().map((r) => r.values);

test('append-only: rows accumulate in arrival order, the oldest dropped past the limit', () => {
  const t = new ResultTable({ keyIndexes: [], updating: false, limit: 3 });
  t.apply([['a', 1], ['b', 2]]);
  t.apply([['a', 1], ['c', 3]]);
  assert.deepEqual(values(t), [['b', 2], ['a', 1], ['c', 3]]);
  assert.equal(t.received, 4);
});

test('changelog by key: -U/+U replaces the row where it stands, -D removes it', () => {
  const t = new ResultTable({ keyIndexes: [0], updating: true, limit: 100 });
  t.apply([['a', 1], ['b', 1], ['c', 1]], ['+I', '+I', '+I']);
  const idB = t.rows()[1]!.id;
  t.apply([['b', 1], ['b', 2]], ['-U', '+U']);
  assert.deepEqual(values(t), [['a', 1], ['b', 2], ['c', 1]]);
  assert.equal(t.rows()[1]!.id, idB, 'the updated row keeps its place and identity');
  assert.equal(t.rows()[1]!.version, t.version, 'and is marked as changed in the latest batch');
  assert.notEqual(t.rows()[0]!.version, t.version);
  t.apply([['a', 1]], ['-D']);
  assert.deepEqual(values(t), [['b', 2], ['c', 1]]);
});

test('changelog: a -U with no +U in its batch removes the row; an unknown retraction is counted', () => {
  const t = new ResultTable({ keyIndexes: [0], updating: true, limit: 100 });
  t.apply([['a', 1], ['b', 1]], ['+I', '+I']);
  t.apply([['a', 1], ['zz', 9]], ['-U', '-D']);
  assert.deepEqual(values(t), [['b', 1]]);
  assert.equal(t.unmatched, 1);
});

test('changelog without key columns: a multiset matched by value, -U/+U in place', () => {
  const t = new ResultTable({ keyIndexes: [], updating: true, limit: 100 });
  t.apply([['x', 1], ['x', 1], ['y', 2]], ['+I', '+I', '+I']);
  t.apply([['x', 1]], ['-D']);
  assert.deepEqual(values(t), [['x', 1], ['y', 2]]);
  t.apply([['x', 1], ['x', 5]], ['-U', '+U']);
  assert.deepEqual(values(t), [['x', 5], ['y', 2]]);
  t.apply([['x', 5]], ['-D']);
  t.apply([['x', 5]], ['-D']);
  assert.deepEqual(values(t), [['y', 2]]);
  assert.equal(t.unmatched, 1);
});

test('changelog: an update for a key the table does not hold inserts it; the limit drops the oldest', () => {
  const t = new ResultTable({ keyIndexes: [0, 1], updating: true, limit: 2 });
  t.apply([['a', 'w1', 1]], ['+U']);
  t.apply([['b', 'w1', 1], ['a', 'w2', 1]], ['+I', '+I']);
  assert.deepEqual(values(t), [['b', 'w1', 1], ['a', 'w2', 1]]);
  t.apply([['a', 'w1', 1]], ['-U']);
  assert.equal(t.unmatched, 1, 'the dropped row is gone from the index too');
});
