import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, type Row, type StructValue } from '../../../src/catalog/types.js';
import type { AggCall, BoundExpr } from '../../../src/expr/bound.js';
import { WindowAggOperator } from '../../../src/exec/operators/window-agg.js';
import type { EmitMode, WindowAggNode, WindowSpec } from '../../../src/plan/physical.js';
import { agg, col, cols, Harness, S, timeKeyed } from './harness.js';

/** 2024-05-20 10:00:00 UTC */
const B = 1_716_199_200_000_000;
const t = (sec: number): number => B + sec * S;

function windowAgg(window: WindowSpec & { kind: 'tumble' | 'hop' }, keys: BoundExpr[], aggs: AggCall[], emit: EmitMode = 'final'): WindowAggNode {
  return {
    kind: 'windowAgg',
    id: 7,
    inputs: [0],
    schema: cols('out'),
    timeColumn: undefined,
    appendOnly: emit === 'final',
    state: [timeKeyed('windows')],
    window,
    timeInput: 1,
    keys,
    aggs,
    emit,
    refInput: 3,
  };
}

function ref(seq: number): StructValue {
  return { source: 'events', seq, position: { index: seq } };
}

/** Input rows: [k, ts, v, $ref]. */
function row(k: string, sec: number, v: number, seq = 0): Row {
  return [k, t(sec), v, ref(seq)];
}

const k = col(0, T.varchar, 'k');
const v = col(2, T.bigint, 'v');

describe('windowAgg TUMBLE, EMIT FINAL', () => {
  it('aggregates out-of-order rows, closes on the watermark and counts late rows', () => {
    const h = new Harness(
      new WindowAggOperator(
        windowAgg({ kind: 'tumble', sizeMicros: 10 * S }, [k], [agg('count_star'), agg('sum', v), agg('min', v), agg('max', v), agg('avg', v, T.double)]),
      ),
    );
    assert.deepEqual(h.send([row('a', 1, 10), row('b', 3, 5), row('a', 12, 7), row('a', 4, 2)]), []);
    assert.deepEqual(h.advance(t(5)), []);
    assert.deepEqual(h.send([row('b', 8, 1), row('a', 15, 3)]), []);
    assert.deepEqual(h.advance(t(11)), [`+I a,${t(0)},${t(10)},2,12,2,10,6`, `+I b,${t(0)},${t(10)},2,6,1,5,3`]);
    const late = row('b', 9, 100, 42);
    assert.deepEqual(h.send([late, row('a', 10, 1)]), []);
    assert.equal(h.lateEvents.length, 1);
    const e = h.lateEvents[0]!;
    assert.equal(e.operator, 7);
    assert.equal(e.ref, late[3]);
    assert.equal(e.eventTime, t(9));
    assert.equal(e.watermark, t(11));
    assert.equal(e.windowStart, undefined);
    assert.equal(e.reason, 'window [2024-05-20T10:00:00.000Z, 2024-05-20T10:00:10.000Z) closed at watermark 2024-05-20T10:00:11.000Z');
    assert.deepEqual(h.advance(t(19)), []);
    assert.deepEqual(h.end(), [`+I a,${t(10)},${t(20)},3,11,1,7,3.6666666666666665`]);
    assert.equal(h.timeKeyedSize('windows'), 0);
  });

  it('treats ts exactly at a window end as the next window, and a watermark at the end as closing', () => {
    const h = new Harness(new WindowAggOperator(windowAgg({ kind: 'tumble', sizeMicros: 10 * S }, [], [agg('count_star')])));
    h.send([['a', t(10) - 1, 0, null], row('a', 10, 0)]);
    assert.deepEqual(h.advance(t(10) - 1), []);
    assert.deepEqual(h.advance(t(10)), [`+I ${t(0)},${t(10)},1`]);
    h.send([row('a', 9, 0), row('a', 10, 0)]);
    assert.equal(h.lateEvents.length, 1);
    assert.deepEqual(h.end(), [`+I ${t(10)},${t(20)},2`]);
  });

  it('orders windows by end and keys by first appearance', () => {
    const h = new Harness(new WindowAggOperator(windowAgg({ kind: 'tumble', sizeMicros: 10 * S }, [k], [agg('count_star')])));
    h.send([row('z', 25, 0), row('y', 5, 0), row('x', 21, 0), row('z', 3, 0), row('y', 22, 0)]);
    assert.deepEqual(h.end(), [`+I y,${t(0)},${t(10)},1`, `+I z,${t(0)},${t(10)},1`, `+I z,${t(20)},${t(30)},1`, `+I x,${t(20)},${t(30)},1`, `+I y,${t(20)},${t(30)},1`]);
  });
});

describe('windowAgg HOP', () => {
  it('puts a row in every window holding it; a late row still enters its open windows', () => {
    const h = new Harness(new WindowAggOperator(windowAgg({ kind: 'hop', slideMicros: 5 * S, sizeMicros: 10 * S }, [], [agg('count_star'), agg('sum', v)])));
    h.send([row('a', 7, 1), row('a', 12, 2)]);
    assert.deepEqual(h.advance(t(10)), [`+I ${t(0)},${t(10)},1,1`]);
    // 8 is in [0,10) (closed) and [5,15) (open); 3 is in [-5,5) and [0,10), both closed.
    h.send([row('a', 8, 4, 1), row('a', 3, 8, 2)]);
    assert.deepEqual(
      h.lateEvents.map((e) => [e.eventTime, e.windowStart, e.reason]),
      [
        [t(8), t(0), 'window [2024-05-20T10:00:00.000Z, 2024-05-20T10:00:10.000Z) closed at watermark 2024-05-20T10:00:10.000Z'],
        [t(3), t(-5), 'window [2024-05-20T09:59:55.000Z, 2024-05-20T10:00:05.000Z) closed at watermark 2024-05-20T10:00:10.000Z'],
        [t(3), t(0), 'window [2024-05-20T10:00:00.000Z, 2024-05-20T10:00:10.000Z) closed at watermark 2024-05-20T10:00:10.000Z'],
      ],
    );
    assert.deepEqual(h.advance(t(15)), [`+I ${t(5)},${t(15)},3,7`]);
    assert.deepEqual(h.end(), [`+I ${t(10)},${t(20)},1,2`]);
  });

  it('handles a slide that does not divide the size', () => {
    // size 10, slide 4: 13 is in [4,14), [8,18), [12,22); 14 in [8,18), [12,22).
    const h = new Harness(new WindowAggOperator(windowAgg({ kind: 'hop', slideMicros: 4 * S, sizeMicros: 10 * S }, [], [agg('count_star')])));
    h.send([row('a', 13, 0), row('a', 14, 0)]);
    assert.deepEqual(h.end(), [`+I ${t(4)},${t(14)},1`, `+I ${t(8)},${t(18)},2`, `+I ${t(12)},${t(22)},2`]);
  });
});

describe('windowAgg EMIT CHANGES', () => {
  it('emits +I, then -U/+U on change, nothing when unchanged, and drops state on close', () => {
    const h = new Harness(new WindowAggOperator(windowAgg({ kind: 'tumble', sizeMicros: 10 * S }, [k], [agg('sum', v), agg('max', v)], 'changes')));
    const w0 = `${t(0)},${t(10)}`;
    assert.deepEqual(h.send([row('a', 1, 10), row('a', 2, 5), row('b', 3, 1)]), [`+I a,${w0},15,10`, `+I b,${w0},1,1`]);
    assert.deepEqual(h.send([row('a', 4, 20)]), [`-U a,${w0},15,10`, `+U a,${w0},35,20`]);
    assert.deepEqual(h.send([row('a', 6, 0)]), []);
    assert.deepEqual(h.advance(t(10)), []);
    assert.equal(h.timeKeyedSize('windows'), 0);
    assert.deepEqual(h.send([row('a', 7, 1), row('a', 11, 4)]), [`+I a,${t(10)},${t(20)},4,4`]);
    assert.equal(h.lateEvents.length, 1);
    assert.deepEqual(h.end(), []);
  });
});
