// The columnar table of window aggregates (state/columnar.ts, columnar-segment.ts): which windows
// get it, its key index against a Map under random inserts, removals and squeezes (numeric keys
// with NULL, 0 and -0, NaN; string keys), and checkpoints that the object table reads the same.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { T, type Value } from '../../src/catalog/types.js';
import { WindowAggOperator } from '../../src/exec/operators/window-agg.js';
import type { AggCall, BoundExpr } from '../../src/expr/bound.js';
import type { EmitMode, WindowAggNode } from '../../src/plan/physical.js';
import { ColumnarTimeKeyedTable, type ColumnarLayout } from '../../src/state/columnar.js';
import { NumericSegment, StringSegment } from '../../src/state/columnar-segment.js';
import { MemoryTimeKeyedTable } from '../../src/state/tables.js';
import { agg, col, cols, Harness, S, timeKeyed } from '../unit/exec/harness.js';
import { counted, type Counted } from './harness.js';

function node(keys: BoundExpr[], aggs: AggCall[], emit: EmitMode = 'final'): WindowAggNode {
  return { kind: 'windowAgg', id: 7, inputs: [0], schema: cols('out'), timeColumn: undefined, appendOnly: emit === 'final', state: [timeKeyed('windows')], window: { kind: 'tumble', sizeMicros: 10 * S }, timeInput: 1, keys, aggs, emit, refInput: undefined };
}

test('EMIT FINAL windows whose aggregates are a few numbers get the columnar table; others keep objects', () => {
  const k = col(0, T.bigint, 'k');
  const v = col(2, T.double, 'v');
  const columnar = (n: WindowAggNode): boolean => new Harness(new WindowAggOperator(n)).timeKeyedTable_('windows') instanceof ColumnarTimeKeyedTable;
  assert.equal(columnar(node([k], [agg('count_star'), agg('sum', v, T.double), agg('min', v, T.double), agg('stddev', v, T.double)])), true);
  assert.equal(columnar(node([col(0, T.varchar, 'k')], [agg('avg', v, T.double)])), true);
  assert.equal(columnar(node([k], [agg('count_star')], 'changes')), false);
  assert.equal(columnar(node([k], [{ ...agg('count', v), distinct: true }])), false);
  assert.equal(columnar(node([k], [agg('max', col(0, T.varchar, 'k'), T.varchar)])), false);
});

/** A value of one count field, with its key values, as a window's state would be. */
interface Val {
  keyValues: Value[];
  n: number;
}
const layout = (numericKey: boolean): ColumnarLayout<Val> => ({
  width: 1,
  keyColumns: 1,
  numericKey,
  init: (d, at) => void (d[at] = 0),
  toValue: (keyValues, d, at) => ({ keyValues, n: d[at]! }),
  fromValue: (v, d, at) => void (d[at] = v.n),
  keyValues: (v) => v.keyValues,
  mergeSql: () => undefined,
});

const NUM_KEYS: Array<number | null> = [null, 0, -0, 1, -1, 2 ** 40 + 3, 0.5, Number.NaN, Infinity, -Infinity, 7, 1e300, 1e8, 1e8 + 1, 2 ** 53 - 1, 1e16, 4_000_012 * 1_000_003];
const encodeNum = (k: number | null): string => (k === null ? '' : String(k));

test('the numeric and string key indexes agree with a Map through inserts, removals and squeezes', () => {
  const opArb = fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('add' as const), k: fc.oneof(fc.constantFrom(...NUM_KEYS), fc.integer({ min: -300, max: 300 })) }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant('kill' as const), k: fc.oneof(fc.constantFrom(...NUM_KEYS), fc.integer({ min: -300, max: 300 })) }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant('squeeze' as const), k: fc.constant(null) }), weight: 1 },
  );
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 600 }), fc.boolean(), (ops, numeric) => {
      const seg = numeric ? new NumericSegment(1) : new StringSegment(1, 1);
      const model = new Map<string, number>();
      for (const { op, k } of ops) {
        const key = encodeNum(k);
        if (op === 'add') {
          let s: number;
          if (seg instanceof NumericSegment) {
            s = seg.slotOf(k);
            assert.equal(seg.isNew, !model.has(key), `key ${key} new`);
            if (seg.isNew) seg.data[s] = 0;
            seg.isNew = false;
          } else {
            s = seg.find(key);
            if (s < 0) {
              s = seg.insert(key, [k]);
              seg.data[s] = 0;
            }
          }
          seg.data[s]!++;
          model.set(key, (model.get(key) ?? 0) + 1);
        } else if (op === 'kill') {
          const s = seg.find(key);
          assert.equal(s >= 0, model.has(key), `key ${key} present`);
          if (s >= 0) seg.kill(s);
          model.delete(key);
        } else seg.maybeCompact();
      }
      assert.equal(seg.live, model.size);
      const seen = new Map<string, number>();
      for (let s = seg.head; s < seg.n; s++) {
        if (seg.dead[s] === 1) continue;
        const key = seg.keyOf(s);
        assert.equal(seg.find(key), s);
        const kv = seg.keyValuesOf(s)[0]!;
        assert.equal(encodeNum(kv as number | null), key);
        seen.set(key, seg.data[s]!);
      }
      assert.deepEqual(seen, model);
    }),
    { numRuns: 300 },
  );
});

test('a columnar checkpoint restores into the object table and back, entries and order alike', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ t: fc.constantFrom(10, 20, 5), k: fc.constantFrom(...NUM_KEYS), n: fc.integer({ min: 1, max: 5 }) }), { maxLength: 80 }), fc.boolean(), (adds, numeric) => {
      const merge = (a: Val, b: Val): Val => ({ keyValues: a.keyValues, n: a.n + b.n });
      const table = new ColumnarTimeKeyedTable<Val>('t', merge, layout(numeric));
      const objects = new MemoryTimeKeyedTable<Val>();
      for (const { t, k, n } of adds) {
        const key = encodeNum(k);
        const have = objects.get(t, key);
        objects.set(t, key, { keyValues: have?.keyValues ?? [k], n: (have?.n ?? 0) + n });
        table.set(t, key, { keyValues: have?.keyValues ?? [k], n: (have?.n ?? 0) + n });
      }
      const snap = table.snapshot();
      assert.deepEqual(snap, objects.snapshot());
      const back = new ColumnarTimeKeyedTable<Val>('t', merge, layout(numeric));
      back.restore(objects.snapshot().chunks);
      assert.deepEqual(back.snapshot(), snap);
      assert.equal(back.size, objects.size);
      assert.deepEqual(back.drainThrough(15), objects.drainThrough(15));
      assert.deepEqual(back.snapshot(), objects.snapshot());
    }),
    { numRuns: 200 },
  );
});

test('a full segment counts the doubling the next batch would cause, so spilling happens before it (peakBytes)', () => {
  const merge = (a: Val, b: Val): Val => ({ keyValues: a.keyValues, n: a.n + b.n });
  const table = new ColumnarTimeKeyedTable<Val>('t', merge, layout(true));
  const add = (from: number, to: number): void => {
    for (let k = from; k < to; k++) table.set(10, String(k), { keyValues: [k], n: 1 });
  };
  // 40 keys: capacity 64 (doubled from 16), and another 40 would not fit.
  add(0, 40);
  assert.equal(table.peakBytes(), 3 * table.estimatedBytes(), 'another 40 double it while the old arrays are copied');
  add(40, 50);
  assert.equal(table.peakBytes(), table.estimatedBytes(), 'room for another 10: no growth ahead');
  add(50, 64);
  assert.equal(table.peakBytes(), 3 * table.estimatedBytes(), 'full: the next 14 keys double it');
  assert.equal(table.peakBytes(), table.estimatedBytes(), 'no new keys since the last call: none expected');
  // Half the slots dead: the segment compacts into its own arrays instead of doubling.
  const seg = new NumericSegment(1);
  for (let k = 0; k < 16; k++) seg.insert(String(k), [k]);
  assert.equal(seg.bytesTaking(1), 3 * seg.bytes());
  assert.equal(seg.bytesTaking(0), seg.bytes());
  for (let k = 0; k < 8; k++) seg.kill(seg.find(String(k)));
  assert.equal(seg.bytesTaking(1), seg.bytes(), 'half dead: compacts instead of growing');
});

test('a segment frees the arrays it replaces at once, and a dropped segment all of its arrays (their buffers detached)', () => {
  const seg = new NumericSegment(2);
  const first = { data: seg.data, dead: seg.dead };
  for (let i = 0; i < 100; i++) {
    const s = seg.slotOf(i * 1_000_003);
    seg.isNew = false;
    seg.data[s * 2] = i;
    seg.data[s * 2 + 1] = 2 * i;
  }
  assert.equal(first.data.length, 0, 'the first data array was detached when the segment grew');
  assert.equal(first.dead.length, 0);
  for (let i = 0; i < 100; i++) {
    const s = seg.slotOf(i * 1_000_003);
    assert.equal(seg.isNew, false);
    assert.deepEqual([seg.data[s * 2], seg.data[s * 2 + 1]], [i, 2 * i]);
  }
  const table = new ColumnarTimeKeyedTable<Counted>('w', (a, b) => ({ keyValues: a.keyValues, n: a.n + b.n }), counted);
  for (let i = 0; i < 40; i++) table.set(1000, String(i), { keyValues: [i], n: i });
  const held = table.segment(1000).data;
  assert.equal(held.length > 0, true);
  const taken = table.takeSome(1000, Number.POSITIVE_INFINITY);
  assert.deepEqual(taken.map((e) => e.value.n), Array.from({ length: 40 }, (_, i) => i));
  assert.equal(held.length, 0, 'the emptied segment was dropped and its arrays freed');
  assert.equal(table.size, 0);
});
