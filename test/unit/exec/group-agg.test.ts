import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, type Row } from '../../../src/catalog/types.js';
import type { AggCall, BoundExpr } from '../../../src/expr/bound.js';
import { GroupAggOperator } from '../../../src/exec/operators/group-agg.js';
import { Op } from '../../../src/exec/operator.js';
import type { GroupAggNode } from '../../../src/plan/physical.js';
import { agg, col, cols, Harness, keyed } from './harness.js';

const k = col(0, T.varchar, 'k');
const v = col(1, T.bigint, 'v');

function groupAgg(keys: BoundExpr[], aggs: AggCall[], inputAppendOnly: boolean): GroupAggNode {
  return { kind: 'groupAgg', id: 4, inputs: [0], schema: cols('out'), timeColumn: undefined, appendOnly: false, state: [keyed('groups')], keys, aggs, inputAppendOnly };
}

const r = (key: string, val: number): Row => [key, val];

describe('groupAgg', () => {
  it('emits a changelog: +I, -U/+U, -D when the last row of a group is retracted', () => {
    const h = new Harness(new GroupAggOperator(groupAgg([k], [agg('count_star'), agg('sum', v), agg('max', v)], false)));
    assert.deepEqual(h.send([r('a', 1), r('b', 2), r('a', 3)]), ['+I a,2,4,3', '+I b,1,2,2']);
    assert.deepEqual(h.send([r('a', 1), r('a', 5), r('b', 2)], [Op.UpdateBefore, Op.UpdateAfter, Op.Delete]), ['-U a,2,4,3', '+U a,2,8,5', '-D b,1,2,2']);
    assert.equal(h.keyedSize('groups'), 1);
    assert.deepEqual(h.send([r('b', 7)], [Op.Insert]), ['+I b,1,7,7']);
    // Retract and re-add the same row: no visible change.
    assert.deepEqual(h.send([r('a', 3), r('a', 3)], [Op.Delete, Op.Insert]), []);
    // Retract the max: the multiset gives the next one.
    assert.deepEqual(h.send([r('a', 5)], [Op.Delete]), ['-U a,2,8,5', '+U a,1,3,3']);
    assert.deepEqual(h.send([r('a', 3), r('b', 7)], [Op.Delete, Op.Delete]), ['-D a,1,3,3', '-D b,1,7,7']);
    assert.equal(h.keyedSize('groups'), 0);
    assert.deepEqual(h.end(), []);
  });

  it('emits nothing for a group inserted and retracted within one batch', () => {
    const h = new Harness(new GroupAggOperator(groupAgg([k], [agg('count_star')], false)));
    assert.deepEqual(h.send([r('a', 1), r('a', 1)], [Op.Insert, Op.Delete]), []);
    assert.equal(h.keyedSize('groups'), 0);
  });

  it('treats a global aggregate as one group: no output over no rows', () => {
    const empty = new Harness(new GroupAggOperator(groupAgg([], [agg('count_star'), agg('sum', v)], true)));
    assert.deepEqual(empty.end(), []);

    const h = new Harness(new GroupAggOperator(groupAgg([], [agg('count_star'), agg('sum', v)], false)));
    assert.deepEqual(h.send([r('a', 1), r('b', 2)]), ['+I 2,3']);
    assert.deepEqual(h.send([r('a', 1), r('b', 2)], [Op.Delete, Op.Delete]), ['-D 2,3']);
    assert.deepEqual(h.send([r('c', 4)]), ['+I 1,4']);
    assert.deepEqual(h.end(), []);
  });

  it('groups by several keys, NULL being one group', () => {
    const h = new Harness(new GroupAggOperator(groupAgg([k, v], [agg('count_star')], true)));
    assert.deepEqual(h.send([[null, 1], ['a', 1], [null, 1], ['a', null]]), ['+I NULL,1,2', '+I a,1,1', '+I a,NULL,1']);
  });
});
