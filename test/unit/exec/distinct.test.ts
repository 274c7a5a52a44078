// The UNION (distinct) operator by hand: first occurrence over an append-only input; a count per
// row over a changelog (+I at the first copy, -D at the last, an update pair as -D old / +I new);
// with an event time, rows forgotten once the watermark passes them (exec/time.ts:
// lastReleasable) and rows behind the watermark late, with their provenance.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T } from '../../../src/catalog/types.js';
import type { DistinctNode } from '../../../src/plan/physical.js';
import { DistinctOperator } from '../../../src/exec/operators/distinct.js';
import { Op } from '../../../src/exec/operator.js';
import { Harness, S } from './harness.js';

function node(opts: { appendOnly: boolean; timed: boolean }): DistinctNode {
  return {
    id: 1,
    kind: 'distinct',
    inputs: [0],
    schema: [
      { name: 'k', type: T.varchar },
      { name: 'ts', type: T.timestamp },
    ],
    timeColumn: opts.timed ? 1 : undefined,
    appendOnly: opts.appendOnly,
    state: [],
    timeInput: opts.timed ? 1 : undefined,
    // The input carries `$ref` last.
    refInput: 2,
  };
}

const ref = (seq: number) => ({ source: 'a', seq, position: { index: seq }, raw: undefined }) as never;

test('append-only: each row once, whatever its provenance; NULLs equal', () => {
  const h = new Harness(new DistinctOperator(node({ appendOnly: true, timed: false })));
  assert.deepEqual(h.send([['x', 1, ref(0)], ['x', 1, ref(1)], [null, null, ref(2)], ['y', 1, ref(3)], [null, null, ref(4)]]), ['+I x,1', '+I NULL,NULL', '+I y,1']);
  h.advance(10 * S);
  assert.deepEqual(h.send([['x', 1, ref(5)]]), [], 'no event time: remembered for good');
});

test('over a changelog: +I at the first copy, -D at the last, an update pair as -D old / +I new', () => {
  const h = new Harness(new DistinctOperator(node({ appendOnly: false, timed: false })));
  assert.deepEqual(h.send([['x', 1, null], ['x', 1, null]], [Op.Insert, Op.Insert]), ['+I x,1']);
  assert.deepEqual(h.send([['x', 1, null], ['x', 2, null]], [Op.UpdateBefore, Op.UpdateAfter]), ['+I x,2']);
  assert.deepEqual(h.send([['x', 1, null], ['x', 3, null]], [Op.UpdateBefore, Op.UpdateAfter]), ['-D x,1', '+I x,3']);
  assert.deepEqual(h.send([['q', 1, null]], [Op.Delete]), [], 'a row never counted');
});

test('with an event time: forgotten once the watermark passes it; a row behind the watermark is late', () => {
  const h = new Harness(new DistinctOperator(node({ appendOnly: true, timed: true })));
  assert.deepEqual(h.send([['x', 5 * S, ref(0)], ['x', 6 * S, ref(1)]]), ['+I x,5000000', '+I x,6000000']);
  h.advance(5 * S);
  // At watermark 5 s a row at 5 s is on time and still remembered.
  assert.deepEqual(h.send([['x', 5 * S, ref(2)]]), []);
  h.advance(5 * S + 1);
  assert.deepEqual(h.send([['x', 5 * S, ref(3)]]), []);
  assert.equal(h.lateEvents.length, 1);
  assert.equal(h.lateEvents[0]!.ref!.seq, 3);
  assert.match(h.lateEvents[0]!.reason, /behind the UNION's watermark/);
  assert.deepEqual(h.send([['x', 6 * S, ref(4)]]), []);
});
