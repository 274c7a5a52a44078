// The OverWindow operator on hand-picked inputs: when a LEAD row leaves (once its following
// row is released, not at the end), what RANGE frames count (peers, the interval's edge), what
// a partition keeps, and the late reason.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, type Row } from '../../../src/catalog/types.js';
import { OverWindowOperator } from '../../../src/exec/operators/over-window.js';
import type { OverWindowNode } from '../../../src/plan/physical.js';
import { agg, col, cols, Harness, keyed, lit, S, timeKeyed } from './harness.js';

const base = {
  kind: 'overWindow' as const,
  id: 7,
  inputs: [0],
  timeColumn: undefined,
  appendOnly: true,
  partitionBy: [col(0, T.varchar, 'k')],
  timeInput: 1,
  refInput: undefined,
};

/** Input rows [k, ts, v]; times in seconds. */
const r = (k: string, sec: number, v: number): Row => [k, sec * S, v];
const s = (sec: number): number => sec * S;

describe('over-window', () => {
  it('LEAD: a row leaves as soon as its following row is released; the last ones at the end, with the default', () => {
    const node: OverWindowNode = {
      ...base,
      schema: cols('k', 'ts', 'v', 'nx'),
      state: [timeKeyed('buffer'), keyed('partitions'), timeKeyed('lead-waits')],
      functions: [{ fn: 'lead', arg: col(2), offset: 1, default: lit(-1), type: T.bigint, display: 'lead(v, 1, -1)' }],
    };
    const h = new Harness(new OverWindowOperator(node));
    h.send([r('a', 1, 10), r('a', 2, 20), r('b', 1, 100), r('a', 4, 40)]);
    // Watermark 3: a@1, a@2 and b@1 are released; a@1 has its next row (a@2), the others wait.
    assert.deepEqual(h.advance(s(3)), [`+I a,${s(1)},10,20`]);
    // A late row is refused, not slipped in before a@4.
    h.send([r('a', 2, 99)]);
    assert.equal(h.lateEvents[0]!.reason, 'event time 1970-01-01T00:00:02.000Z is behind watermark 1970-01-01T00:00:03.000Z: the window functions already released the rows after it');
    assert.deepEqual(h.advance(s(5)), [`+I a,${s(2)},20,40`]);
    assert.deepEqual(h.end().sort(), [`+I a,${s(4)},40,-1`, `+I b,${s(1)},100,-1`]);
  });

  it('RANGE frames include every peer and stop at the interval; ROWS frames count arrival order among peers', () => {
    const node: OverWindowNode = {
      ...base,
      timeColumn: 1,
      schema: cols('k', 'ts', 'v', 'sum2s', 'cnt_rows1', 'last'),
      state: [timeKeyed('buffer'), keyed('partitions')],
      functions: [
        { fn: 'agg', agg: agg('sum', col(2)), frame: { units: 'range', preceding: 2 * S }, type: T.bigint, display: 'sum(v)' },
        { fn: 'agg', agg: agg('count_star'), frame: { units: 'rows', preceding: 1 }, type: T.bigint, display: 'count(*)' },
        { fn: 'last_value', arg: col(2), frame: { units: 'range', preceding: 'unbounded' }, type: T.bigint, display: 'last_value(v)' },
      ],
    };
    const h = new Harness(new OverWindowOperator(node));
    h.send([r('a', 1, 1), r('a', 3, 3), r('a', 3, 30), r('a', 5, 5), r('a', 6, 6)]);
    assert.deepEqual(h.end(), [
      `+I a,${s(1)},1,1,1,1`,
      // [1 s, 3 s]: the row at 1 s and both peers at 3 s; LAST_VALUE is the last peer.
      `+I a,${s(3)},3,34,2,30`,
      `+I a,${s(3)},30,34,2,30`,
      // [3 s, 5 s] includes the edge.
      `+I a,${s(5)},5,38,2,5`,
      `+I a,${s(6)},6,11,2,6`,
    ]);
  });
});
