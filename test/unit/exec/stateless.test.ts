import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T } from '../../../src/catalog/types.js';
import { createOperator } from '../../../src/exec/operators/index.js';
import { FilterOperator } from '../../../src/exec/operators/filter.js';
import { ProjectOperator } from '../../../src/exec/operators/project.js';
import { WindowExpandOperator } from '../../../src/exec/operators/window-expand.js';
import { Op } from '../../../src/exec/operator.js';
import type { FilterNode, PhysicalNode, ProjectNode, SinkNode, WindowExpandNode } from '../../../src/plan/physical.js';
import { col, cols, Harness, lit, S } from './harness.js';

const base = { id: 1, inputs: [0], schema: cols('out'), timeColumn: undefined, appendOnly: true, state: [] };

const filter: FilterNode = { ...base, kind: 'filter', predicate: { kind: 'compare', op: '>', left: col(1), right: lit(2), type: T.boolean } };
const project: ProjectNode = { ...base, kind: 'project', exprs: [col(1), col(0, T.varchar), { kind: 'arith', op: '*', left: col(1), right: lit(10), type: T.bigint }] };
const expand = (window: WindowExpandNode['window']): WindowExpandNode => ({ ...base, kind: 'windowExpand', window, timeInput: 1 });

describe('filter', () => {
  it('keeps TRUE rows and their ops; NULL is not TRUE', () => {
    const h = new Harness(new FilterOperator(filter));
    assert.deepEqual(h.send([['a', 1], ['b', 3], ['c', null], ['d', 5]]), ['+I b,3', '+I d,5']);
    assert.equal(h.batches[0]!.ops, null);
    assert.deepEqual(h.send([['a', 0]]), []);
    assert.equal(h.batches.length, 1, 'an empty result is not emitted');
  });
  it('keeps a changelog well formed: an update pair with one side failing is -D or +I', () => {
    const h = new Harness(new FilterOperator(filter));
    const { Insert: I, UpdateBefore: UB, UpdateAfter: UA, Delete: D } = Op;
    // Both pass, the new row fails, the old row failed, neither passes.
    const rows = [['a', 3], ['a', 4], ['b', 3], ['b', 1], ['c', 1], ['c', 5], ['d', 0], ['d', 1]];
    assert.deepEqual(h.send(rows, [UB, UA, UB, UA, UB, UA, UB, UA]), ['-U a,3', '+U a,4', '-D b,3', '+I c,5']);
    // +I and -D pass or drop with their row.
    assert.deepEqual(h.send([['e', 3], ['f', 1], ['e', 3], ['f', 1]], [I, I, D, D]), ['+I e,3', '-D e,3']);
  });
});

describe('project', () => {
  it('evaluates one expression per column and passes ops through', () => {
    const h = new Harness(new ProjectOperator(project));
    assert.deepEqual(h.send([['a', 1], ['b', null]]), ['+I 1,a,10', '+I NULL,b,NULL']);
    assert.deepEqual(h.send([['a', 2]], [Op.Delete]), ['-D 2,a,20']);
  });
});

describe('windowExpand', () => {
  it('TUMBLE appends the window bounds', () => {
    const h = new Harness(new WindowExpandOperator(expand({ kind: 'tumble', sizeMicros: 10 * S })));
    assert.deepEqual(h.send([['a', 10 * S], ['b', -1]]), [`+I a,${10 * S},${10 * S},${20 * S}`, `+I b,-1,${-10 * S},0`]);
  });
  it('HOP emits one row per window holding the row, ascending', () => {
    const h = new Harness(new WindowExpandOperator(expand({ kind: 'hop', slideMicros: 4 * S, sizeMicros: 10 * S })));
    assert.deepEqual(h.send([['a', 13 * S]], [Op.Insert]), [`+I a,${13 * S},${4 * S},${14 * S}`, `+I a,${13 * S},${8 * S},${18 * S}`, `+I a,${13 * S},${12 * S},${22 * S}`]);
    assert.deepEqual(h.batches[0]!.ops, [Op.Insert, Op.Insert, Op.Insert]);
  });
});

describe('createOperator', () => {
  it('builds the operator of each kind and refuses sources and sinks', () => {
    assert.ok(createOperator(filter) instanceof FilterOperator);
    assert.ok(createOperator(project) instanceof ProjectOperator);
    assert.ok(createOperator(expand({ kind: 'tumble', sizeMicros: S })) instanceof WindowExpandOperator);
    const sink = { ...base, kind: 'sink', sink: { name: 'out', options: {} } } as unknown as SinkNode;
    assert.throws(() => createOperator(sink as PhysicalNode), /driven by the runner/);
  });
});
