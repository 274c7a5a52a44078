import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, type Row } from '../../../src/catalog/types.js';
import type { AggCall } from '../../../src/expr/bound.js';
import { SessionAggOperator } from '../../../src/exec/operators/session-agg.js';
import type { EmitMode, SessionAggNode } from '../../../src/plan/physical.js';
import { agg, col, cols, Harness, keyed, S, timeKeyed } from './harness.js';

const k = col(0, T.varchar, 'k');
const v = col(2, T.bigint, 'v');

function sessionAgg(aggs: AggCall[], emit: EmitMode = 'final'): SessionAggNode {
  return {
    kind: 'sessionAgg',
    id: 3,
    inputs: [0],
    schema: cols('out'),
    timeColumn: undefined,
    appendOnly: emit === 'final',
    state: [keyed('sessions'), timeKeyed('timers')],
    window: { kind: 'session', gapMicros: 5 * S },
    timeInput: 1,
    keys: [k],
    aggs,
    emit,
    refInput: undefined,
  };
}

/** Input rows [k, ts, v]; times in whole seconds from 0. */
const row = (key: string, sec: number, val = 0): Row => [key, sec * S, val];
const s = (sec: number): number => sec * S;

describe('sessionAgg, EMIT FINAL, gap 5s', () => {
  it('merges out of order, bridges two sessions, and rejects late events', () => {
    const h = new Harness(new SessionAggOperator(sessionAgg([agg('count_star'), agg('sum', v)])));
    assert.deepEqual(h.send([row('a', 10, 1), row('a', 20, 2), row('b', 3, 10)]), []);
    // a: [10,15) [20,25); b: [3,8) closes at 9.
    assert.deepEqual(h.advance(s(9)), [`+I b,${s(3)},${s(8)},1,10`]);
    h.send([
      row('a', 14, 4), // a: [10,19) [20,25)
      row('a', 17, 8), // bridges: [10,25)
      row('a', 6, 0), // extends left: [6,25)
      row('a', 4, 3), // own window [4,9) closed, but joins the open session: [4,25)
      row('b', 5, 100), // inside b's emitted session [3,8): late
      row('c', 1, 1), // own window [1,6) closed, no open session: late
      row('b', 7, 1), // would reopen [3,8): late
      row('b', 8, 1), // exactly a gap after 3: a new session [8,13)
    ]);
    assert.deepEqual(
      h.lateEvents.map((e) => [e.eventTime, e.watermark, e.windowStart, e.reason]),
      [
        [s(5), s(9), undefined, 'session of this key ending 1970-01-01T00:00:08.000Z closed at watermark 1970-01-01T00:00:09.000Z'],
        [s(1), s(9), undefined, 'window [1970-01-01T00:00:01.000Z, 1970-01-01T00:00:06.000Z) closed at watermark 1970-01-01T00:00:09.000Z'],
        [s(7), s(9), undefined, 'session of this key ending 1970-01-01T00:00:08.000Z closed at watermark 1970-01-01T00:00:09.000Z'],
      ],
    );
    assert.equal(h.lateEvents[0]!.operator, 3);
    // Exactly at the end of [4,25): a new session.
    assert.deepEqual(h.send([row('a', 25, 1)]), []);
    assert.deepEqual(h.advance(s(24)), [`+I b,${s(8)},${s(13)},1,1`]);
    assert.deepEqual(h.advance(s(25)), [`+I a,${s(4)},${s(25)},6,18`]);
    // a's closed session ended at 25: an event at 24 would reopen it.
    h.send([row('a', 24, 1)]);
    assert.equal(h.lateEvents.length, 4);
    assert.deepEqual(h.end(), [`+I a,${s(25)},${s(30)},1,1`]);
    assert.equal(h.keyedSize('sessions'), 0);
    assert.equal(h.timeKeyedSize('timers'), 0);
  });

  it('forgets a closed session once the watermark is a gap past it', () => {
    const h = new Harness(new SessionAggOperator(sessionAgg([agg('count_star')])));
    h.send([row('a', 0)]);
    assert.deepEqual(h.advance(s(5)), [`+I a,${s(0)},${s(5)},1`]);
    assert.equal(h.keyedSize('sessions'), 1, 'kept: an event in (0, 5) could still reopen it');
    h.send([row('a', 4)]);
    assert.equal(h.lateEvents.length, 1);
    assert.deepEqual(h.advance(s(10)), []);
    assert.equal(h.keyedSize('sessions'), 0);
    // Any event before 5 now has its own window closed: still late.
    h.send([row('a', 4), row('a', 6)]);
    assert.equal(h.lateEvents.length, 2);
    assert.deepEqual(h.end(), [`+I a,${s(6)},${s(11)},1`]);
  });

  it('closes a session extended after its first end at its final end', () => {
    const h = new Harness(new SessionAggOperator(sessionAgg([agg('count_star')])));
    h.send([row('a', 0), row('a', 3)]);
    h.send([row('a', 6), row('a', 9)]);
    assert.deepEqual(h.advance(s(5)), []);
    assert.deepEqual(h.advance(s(13)), []);
    assert.deepEqual(h.advance(s(14)), [`+I a,${s(0)},${s(14)},4`]);
    assert.equal(h.timeKeyedSize('timers'), 1, 'the expiry of the closed mark at 19');
    assert.deepEqual(h.advance(s(19)), []);
    assert.equal(h.keyedSize('sessions'), 0);
    assert.equal(h.timeKeyedSize('timers'), 0);
  });

  it('keeps keys apart', () => {
    const h = new Harness(new SessionAggOperator(sessionAgg([agg('count_star')])));
    h.send([row('a', 0), row('b', 2), row('a', 3), row('b', 9)]);
    assert.deepEqual(h.end(), [`+I b,${s(2)},${s(7)},1`, `+I a,${s(0)},${s(8)},2`, `+I b,${s(9)},${s(14)},1`]);
  });
});

describe('sessionAgg, EMIT CHANGES', () => {
  it('emits +I, -D/+I when a session grows (its bounds are its key), -U/+U within it, -D for a session absorbed by a merge', () => {
    const h = new Harness(new SessionAggOperator(sessionAgg([agg('count_star')], 'changes')));
    assert.deepEqual(h.send([row('a', 10), row('a', 20)]), [`+I a,${s(10)},${s(15)},1`, `+I a,${s(20)},${s(25)},1`]);
    assert.deepEqual(h.send([row('a', 12)]), [`-D a,${s(10)},${s(15)},1`, `+I a,${s(10)},${s(17)},2`]);
    assert.deepEqual(h.send([row('a', 11)]), [`-U a,${s(10)},${s(17)},2`, `+U a,${s(10)},${s(17)},3`]);
    assert.deepEqual(h.send([row('a', 16)]), [`-D a,${s(20)},${s(25)},1`, `-D a,${s(10)},${s(17)},3`, `+I a,${s(10)},${s(25)},5`]);
    assert.deepEqual(h.send([row('a', 30)]), [`+I a,${s(30)},${s(35)},1`]);
    assert.deepEqual(h.advance(s(25)), []);
    assert.deepEqual(h.send([row('a', 22)]), []);
    assert.equal(h.lateEvents.length, 1);
    assert.deepEqual(h.end(), []);
    assert.equal(h.keyedSize('sessions'), 0);
  });

  it('merges two new sessions within one batch without deletes', () => {
    const h = new Harness(new SessionAggOperator(sessionAgg([agg('count_star')], 'changes')));
    // 15 is exactly a gap after 10: its own session; 14 bridges [10,15) and [18,23).
    assert.deepEqual(h.send([row('a', 10), row('a', 18), row('a', 14)]), [`+I a,${s(10)},${s(23)},3`]);
    assert.deepEqual(h.send([row('a', 28)]), [`+I a,${s(28)},${s(33)},1`]);
  });
});
