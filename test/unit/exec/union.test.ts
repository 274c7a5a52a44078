// UNION ALL at run time: the operator passes rows and ops through (a NULL `$ref` for an input
// without provenance); in the graph its watermark is the minimum over its inputs, a silent input
// holds it back, an ended one stops holding it back, and the per-input marks go into a
// checkpoint and come back from it (also through a crash, where the first rows after the
// restore must be judged late exactly as in an uninterrupted run).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, type Row } from '../../../src/catalog/types.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import type { PhysicalPlan, UnionNode } from '../../../src/plan/physical.js';
import { UnionOperator } from '../../../src/exec/operators/union.js';
import { Graph, settle } from '../../../src/exec/graph.js';
import { JobState } from '../../../src/exec/job-state.js';
import { SinkRuntime } from '../../../src/exec/sink-runtime.js';
import { Op, END_OF_TIME, type Batch } from '../../../src/exec/operator.js';
import { WatermarkCombiner } from '../../../src/exec/time.js';
import { cols, Harness, S } from './harness.js';
import { runScheduled, unionLateKeys } from '../../property/union-harness.js';

describe('the union operator', () => {
  const node = (refInputs: Array<number | undefined>, ref: boolean): UnionNode => ({
    id: 2,
    kind: 'union',
    inputs: [0, 1],
    schema: ref ? [...cols('k', 'v'), { name: '$ref', type: T.varchar, hidden: true }] : cols('k', 'v'),
    timeColumn: undefined,
    appendOnly: false,
    state: [],
    refInputs,
  });
  it('passes every input batch on unchanged, ops too', () => {
    const op = new UnionOperator(node([undefined, undefined], false));
    const h = new Harness(op);
    op.onData({ rows: [['a', 1]], ops: null }, 0);
    op.onData({ rows: [['a', 1], ['a', 2]], ops: [Op.UpdateBefore, Op.UpdateAfter] }, 1);
    op.onData({ rows: [], ops: null }, 1);
    assert.deepEqual(h.all(), ['+I a,1', '-U a,1', '+U a,2']);
    assert.equal(h.batches.length, 2, 'an empty batch is not emitted');
  });
  it('gives rows of an input without provenance a NULL $ref', () => {
    const op = new UnionOperator(node([2, undefined], true));
    const h = new Harness(op);
    const ref = { source: 'a', seq: 0, position: {}, raw: undefined };
    op.onData({ rows: [['a', 1, ref as never]], ops: null }, 0);
    op.onData({ rows: [['b', 2]], ops: null }, 1);
    assert.equal(h.batches[0]!.rows[0]![2], ref);
    assert.deepEqual(h.batches[1]!.rows[0], ['b', 2, null]);
  });
});

describe('the union watermark rule (exec/time.ts)', () => {
  it('is the minimum of the inputs; an ended input (+inf) stops holding it back; an idle one is skipped', () => {
    const c = new WatermarkCombiner(3);
    assert.equal(c.update(0, 10), undefined);
    assert.equal(c.update(1, 20), undefined, 'input 2 has sent nothing: -inf holds the union');
    assert.equal(c.update(2, 5), 5);
    assert.equal(c.update(2, END_OF_TIME), 10, 'input 2 ended');
    assert.equal(c.markIdle(0, true), 20, 'input 0 idle');
    assert.equal(c.update(1, END_OF_TIME), END_OF_TIME, 'every active input ended: the idle one does not hold the union back');
  });

  it('an input counted only at its end (a lookup join\'s file table) holds the minimum at -inf until then, restored too', () => {
    const c = new WatermarkCombiner(2, [], [1]);
    assert.equal(c.update(0, 10), undefined);
    assert.equal(c.update(1, 1_000), undefined, "the table's own watermark does not count");
    assert.equal(c.inputMark(1), Number.NEGATIVE_INFINITY);
    assert.equal(c.update(1, END_OF_TIME), 10, 'the table ended: the stream alone');
    const r = new WatermarkCombiner(2, [], [1]);
    r.restoreMarks([10, 1_000]);
    assert.equal(r.current, Number.NEGATIVE_INFINITY, 'a finite table mark from a checkpoint does not count either');
  });
});

const SQL = `CREATE SOURCE a (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'datagen', generator = 'sensors');
CREATE SOURCE b (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'datagen', generator = 'sensors');
CREATE SINK out AS SELECT k, window_start, COUNT(*) AS n FROM (SELECT k, v, ts FROM a UNION ALL SELECT k, v, ts FROM b) GROUP BY k, TUMBLE(ts, 10s);`;

function unionPlan(): PhysicalPlan {
  const script = loadScriptText(SQL, 'union.sql', process.cwd(), new Catalog());
  return planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: false });
}

/** A graph over the plan whose sink collects rows; sources are driven by hand. */
function graphOf(plan: PhysicalPlan): { graph: Graph; out: Row[] } {
  const out: Row[] = [];
  const graph = new Graph(plan, {
    state: new JobState(undefined),
    source: () => {},
    sink: (node, upstream) => new SinkRuntime({ write: (b: Batch) => void out.push(...b.rows), flush: async () => {}, close: async () => {} }, node, upstream),
    late: () => {},
  });
  graph.open();
  return { graph, out };
}

describe('a union in the graph', () => {
  const plan = unionPlan();
  const [a, b] = plan.nodes.filter((n) => n.kind === 'source').map((n) => n.id) as [number, number];
  const union = plan.nodes.find((n) => n.kind === 'union')!.id;
  const run = (_g: Graph, steps: ReturnType<typeof settle>): void => assert.equal(steps, undefined, 'no spilled state: the walk runs synchronously');

  it('holds its watermark at the slower input, and a silent input holds it back', () => {
    const { graph, out } = graphOf(plan);
    run(graph, settle(graph.push(a, { rows: [['x', 1, 1 * S]], ops: null })));
    run(graph, settle(graph.advance(a, 25 * S)));
    assert.equal(graph.watermarkOf(union), Number.NEGATIVE_INFINITY, 'b has sent no watermark yet');
    assert.deepEqual(out, [], 'so no window closes');
    run(graph, settle(graph.advance(b, 12 * S)));
    assert.equal(graph.watermarkOf(union), 12 * S, 'min(25 s, 12 s)');
    assert.deepEqual(out, [['x', 0, 1]], 'the window [0, 10 s) closed');
    run(graph, settle(graph.push(b, { rows: [['x', 1, 15 * S]], ops: null })));
    run(graph, settle(graph.advance(b, 40 * S)));
    assert.equal(graph.watermarkOf(union), 25 * S, 'now a is the slower one');
    assert.deepEqual(out, [['x', 0, 1], ['x', 10 * S, 1]]);
  });

  it('an ended input stops holding it back; the marks go into a checkpoint and come back', () => {
    const { graph } = graphOf(plan);
    run(graph, settle(graph.advance(a, 5 * S)));
    run(graph, settle(graph.advance(b, 30 * S)));
    assert.equal(graph.watermarkOf(union), 5 * S);
    const saved = graph.marks();
    assert.deepEqual(saved.find((m) => m.node === union), { node: union, marks: [5 * S, 30 * S], endedInputs: 0 });
    run(graph, settle(graph.advance(a, END_OF_TIME)));
    run(graph, settle(graph.end(a)));
    assert.equal(graph.watermarkOf(union), 30 * S, 'a ended: b alone sets the watermark');
    assert.equal(graph.marks().find((m) => m.node === union)!.endedInputs, 1);

    const restored = graphOf(plan).graph;
    restored.restoreMarks(saved, undefined);
    assert.equal(restored.watermarkOf(union), 5 * S, 'restored per input');
    run(restored, settle(restored.advance(a, 20 * S)));
    assert.equal(restored.watermarkOf(union), 20 * S, "b's restored 30 s mark counts without b sending again");
  });
});

describe('a union through a crash', () => {
  it('judges the first rows after a restore late exactly as an uninterrupted run does', async () => {
    const script = loadScriptText(SQL.replace('TUMBLE(ts, 10s)', 'TUMBLE(ts, 1s)'), 'union.sql', process.cwd(), new Catalog());
    const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true });
    const t = (ms: number) => ({ k: 'x', v: 1, d: null, ms });
    // a reaches 1.5 s, b 5 s: the union is at 1.5 s when the checkpoint is taken. After the
    // restore a moves to 3.2 s alone, which moves the union (b's 5 s mark is restored) to 3.2 s,
    // so a's row at 2.5 s is late for [2 s, 3 s).
    const inputs = { a: [t(500), t(1500), t(3200), t(2500)], b: [t(5000)] };
    const schedule = [{ source: 'a', size: 2 }, { source: 'b', size: 1 }, { source: 'a', size: 1 }, { source: 'a', size: 1 }];
    const once = await runScheduled(plan, inputs, schedule, () => false, []);
    const crashed = await runScheduled(plan, inputs, schedule, (n) => n === 2, [2]);
    assert.equal(crashed.crashes, 1);
    assert.equal(crashed.restores, 1);
    assert.deepEqual(unionLateKeys(once.late), ['a:3']);
    assert.deepEqual(unionLateKeys(crashed.late), ['a:3']);
    const union = plan.nodes.find((n) => n.kind === 'union')!.id;
    const unionMarks = crashed.marks.map((nodes) => nodes.find((m) => m.node === union)?.marks);
    assert.ok(unionMarks.some((m) => m?.[0] === 1500_000 && m[1] === 5000_000), `the checkpoint holds each input's mark: ${JSON.stringify(unionMarks)}`);
  });
});

describe('a late row after a union', () => {
  it('names its own source, also in a plan without provenance (sluice run, the REPL)', async () => {
    const script = loadScriptText(SQL.replace('TUMBLE(ts, 10s)', 'TUMBLE(ts, 1s)'), 'union.sql', process.cwd(), new Catalog());
    const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: false });
    const t = (ms: number) => ({ k: 'x', v: 1, d: null, ms });
    const inputs = { a: [t(500), t(4200)], b: [t(5000), t(3500), t(900)] };
    const r = await runScheduled(plan, inputs, [{ source: 'a', size: 2 }, { source: 'b', size: 3 }], () => false, []);
    // After a's 4.2 s the union is at min(4.2 s, 5 s): b's 3.5 s and 0.9 s are late, a's rows are not.
    assert.deepEqual(r.late.map((e) => `${e.ref?.source}:${e.ref?.seq}`).sort(), ['b:1', 'b:2']);
  });
});
