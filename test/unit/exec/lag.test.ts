import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, type Row } from '../../../src/catalog/types.js';
import { LagOperator } from '../../../src/exec/operators/lag.js';
import type { LagNode } from '../../../src/plan/physical.js';
import { col, cols, Harness, keyed, lit, S, timeKeyed } from './harness.js';

const node: LagNode = {
  kind: 'lag',
  id: 5,
  inputs: [0],
  schema: cols('k', 'ts', 'v', 'lag1', 'lag2'),
  timeColumn: 1,
  appendOnly: true,
  state: [timeKeyed('buffer'), keyed('history')],
  partitionBy: [col(0, T.varchar, 'k')],
  timeInput: 1,
  lags: [
    { arg: col(2), offset: 1, default: lit(-1), display: 'lag(v, 1, -1)' },
    { arg: col(2), offset: 2, default: undefined, display: 'lag(v, 2)' },
  ],
  refInput: undefined,
};

/** Input rows [k, ts, v]; times in seconds. */
const r = (k: string, sec: number, v: number): Row => [k, sec * S, v];
const s = (sec: number): number => sec * S;

describe('lag', () => {
  it('releases rows in event-time order, ties in arrival order, per partition, dropping late rows', () => {
    const h = new Harness(new LagOperator(node));
    assert.deepEqual(h.send([r('a', 3, 30), r('a', 1, 10), r('b', 1, 100), r('a', 3, 31), r('a', 2, 20)]), []);
    assert.deepEqual(h.advance(s(3)), [`+I a,${s(1)},10,-1,NULL`, `+I b,${s(1)},100,-1,NULL`, `+I a,${s(2)},20,10,NULL`]);
    h.send([r('a', 2, 99), r('b', 3, 300), r('a', 4, 40)]);
    assert.deepEqual(
      h.lateEvents.map((e) => [e.operator, e.eventTime, e.watermark, e.windowStart]),
      [[5, s(2), s(3), undefined]],
    );
    assert.equal(h.lateEvents[0]!.reason, 'event time 1970-01-01T00:00:02.000Z is behind watermark 1970-01-01T00:00:03.000Z: LAG already released the rows before it');
    assert.deepEqual(h.advance(s(5)), [`+I a,${s(3)},30,20,10`, `+I a,${s(3)},31,30,20`, `+I b,${s(3)},300,100,NULL`, `+I a,${s(4)},40,31,30`]);
    assert.equal(h.timeKeyedSize('buffer'), 0);
    assert.equal(h.keyedSize('history'), 2);
    // A row exactly at the watermark is not late.
    assert.deepEqual(h.send([r('b', 5, 500)]), []);
    assert.equal(h.lateEvents.length, 1);
    assert.deepEqual(h.end(), [`+I b,${s(5)},500,300,100`]);
  });
});
