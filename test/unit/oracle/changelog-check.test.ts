// The changelog checker: pairs, retractions of live rows, one live row per key, and the upsert
// view (what a compacted topic keeps), each violation named by its position.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T, type Row } from '../../../src/catalog/types.js';
import { Op } from '../../../src/exec/operator.js';
import { checkChangelog } from '../../../src/oracle/changelog-check.js';

const cols = [
  { name: 'k', type: T.varchar },
  { name: 'n', type: T.bigint },
];
const { Insert: I, UpdateBefore: UB, UpdateAfter: UA, Delete: D } = Op;
const byK = { key: [0] };

test('a well-formed changelog: consolidated rows and the upsert view agree', () => {
  const rows: Row[] = [['a', 1], ['b', 1], ['a', 1], ['a', 2], ['b', 1], ['a', 2], ['a', 3]];
  const r = checkChangelog(rows, [I, I, UB, UA, D, UB, UA], cols, byK);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.consolidated, [['a', 3]]);
  assert.deepEqual(r.upsert, [['a', 3]]);
});

test('the HAVING COUNT(*) < 3 changelog of issue 10: a -U whose +U was filtered out', () => {
  const rows: Row[] = [['a', 1], ['a', 1], ['a', 2], ['a', 2]];
  const r = checkChangelog(rows, [I, UB, UA, UB], cols, byK);
  assert.deepEqual(r.errors, ["changelog entry #3 (-U {k: 'a', n: 2}) is not followed by its +U: the changelog ends there"]);
  // As a multiset it is right (nothing), but a compacted topic keeps a = 2 forever.
  assert.deepEqual(r.consolidated, []);
  assert.deepEqual(r.upsert, []);
  const mid = checkChangelog([['a', 1], ['a', 1], ['b', 1]], [I, UB, I], cols, byK);
  assert.deepEqual(mid.errors, ["changelog entry #1 (-U {k: 'a', n: 1}) is not followed by its +U: entry #2 is +I"]);
});

test('the upsert view follows the Kafka sink: -U unsent before a +U of its key, else a tombstone', () => {
  // Keyed by n (a message key that an update changes): the -U deletes key 1.
  const r = checkChangelog([['a', 1], ['a', 1], ['a', 2]], [I, UB, UA], cols, { key: [0], upsertKey: [1] });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.upsert, [['a', 2]]);
  // Without the tombstone rule the view would still hold ['a', 1]: a lone -U deletes too.
  assert.deepEqual(checkChangelog([['a', 1], ['a', 1]], [I, UB], cols, byK).upsert, []);
});

test('a +U that follows no -U, and a pair across two keys, are errors', () => {
  assert.deepEqual(checkChangelog([['a', 1], ['a', 2]], [I, UA], cols, byK).errors, [
    "changelog entry #1 (+U {k: 'a', n: 2}) does not follow a -U",
    "changelog entry #1 (+U {k: 'a', n: 2}) inserts a second live row for its key; entry #0 holds the key and was not retracted",
  ]);
  const across = checkChangelog([['a', 1], ['a', 1], ['b', 2]], [I, UB, UA], cols, byK);
  assert.deepEqual(across.errors, ["changelog entry #1 (-U {k: 'a', n: 1}) is followed by a +U of another key: {k: 'b', n: 2}"]);
  // Without a key only the shape is checked.
  assert.deepEqual(checkChangelog([['a', 1], ['a', 1], ['b', 2]], [I, UB, UA], cols, { key: undefined }).errors, []);
});

test('retractions must match a live row: never emitted, or already retracted', () => {
  const r = checkChangelog([['a', 1], ['a', 1], ['a', 1], ['b', 5]], [I, D, D, D], cols, byK);
  assert.deepEqual(r.errors, [
    "changelog entry #2 (-D {k: 'a', n: 1}) retracts a row already retracted by entry #1",
    "changelog entry #3 (-D {k: 'b', n: 5}) retracts a row that was never emitted",
  ]);
  assert.deepEqual(r.consolidated, []);
});

test('one live row per key; an empty key means one row at most', () => {
  const r = checkChangelog([['a', 1], ['a', 2]], [I, I], cols, byK);
  assert.deepEqual(r.errors, ["changelog entry #1 (+I {k: 'a', n: 2}) inserts a second live row for its key; entry #0 holds the key and was not retracted"]);
  assert.deepEqual(r.upsert, [['a', 2]]);
  assert.equal(checkChangelog([['a', 1], ['b', 2]], [I, I], cols, { key: [] }).errors.length, 1);
  assert.deepEqual(checkChangelog([['a', 1], ['a', 1], ['b', 2]], [I, D, I], cols, { key: [] }).errors, []);
});

test('an append-only output (no ops) is its rows; errors stop at five', () => {
  assert.deepEqual(checkChangelog([['a', 1], ['a', 1]], null, cols, byK), { errors: [], consolidated: [['a', 1], ['a', 1]], upsert: undefined });
  const many = checkChangelog(Array.from({ length: 9 }, () => ['x', 0] as Row), Array.from({ length: 9 }, () => D), cols, byK);
  assert.equal(many.errors.length, 6);
  assert.equal(many.errors[5], '... and 4 more changelog errors');
});
