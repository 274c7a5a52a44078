// The interval join operator by hand: pairs within the bounds (inclusive ends, strict ends one
// micro in), NULL keys and NULL times never pair, late rows on their own input's watermark,
// eviction at the exact watermark of the rules in exec/time.ts (a left row at tl is kept while
// W <= tl, a right row at tr while W <= tr - lower), the shifted watermark the runner gives the
// join, and a snapshot/restore of its tables in the middle giving the same output; LEFT, RIGHT
// and FULL outer joins padding an unmatched row once, at the exact watermark that expires it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Row } from '../../../src/catalog/types.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import type { IntervalJoinNode } from '../../../src/plan/physical.js';
import { IntervalJoinOperator, type Waiting } from '../../../src/exec/operators/interval-join.js';
import type { Batch, LateEvent, OperatorContext } from '../../../src/exec/operator.js';
import { MemoryKeyedTable, MemoryTimeKeyedTable, type KeyedTable, type TimeKeyedTable } from '../../../src/state/tables.js';
import { WatermarkCombiner, joinTimeSide, joinWatermarkShifts } from '../../../src/exec/time.js';

const S = 1_000_000;

/** a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts - 5s AND a.ts + 1s (or `on`), without provenance. */
function joinNode(on = `a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '5' SECOND AND a.ts + INTERVAL '1' SECOND`, kind = 'JOIN'): IntervalJoinNode {
  const sql = `CREATE SOURCE a (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'a.jsonl');
CREATE SOURCE b (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'b.jsonl');
CREATE SINK o WITH (connector = 'stdout') AS SELECT a.k, a.ts, b.ts AS bts FROM a ${kind} b ON ${on};`;
  const s = loadScriptText(sql, 'job.sql', process.cwd(), new Catalog());
  const p = planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false });
  return p.nodes.find((n): n is IntervalJoinNode => n.kind === 'intervalJoin')!;
}

class Ctx implements OperatorContext {
  readonly out: Row[] = [];
  readonly lates: LateEvent[] = [];
  readonly marks: [number, number] = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  watermark = Number.NEGATIVE_INFINITY;
  keyed = new MemoryKeyedTable<unknown>();
  timed = new MemoryTimeKeyedTable<unknown>();
  readonly op: IntervalJoinOperator;
  private readonly combiner: WatermarkCombiner;
  constructor(readonly node: IntervalJoinNode) {
    this.combiner = new WatermarkCombiner(2, joinWatermarkShifts(joinTimeSide(node.joinType), node.lowerMicros, node.upperMicros));
    this.op = new IntervalJoinOperator(node);
    this.op.open(this);
  }
  /** The sink's SELECT list is folded into the join (plan/fold-project.ts): it outputs a.k, a.ts, b.ts itself. */
  emit(b: Batch): void {
    for (const r of b.rows) this.out.push(r);
  }
  late(e: LateEvent): void {
    this.lates.push(e);
  }
  inputWatermark(i: number): number {
    return this.marks[i as 0 | 1];
  }
  keyedTable<V>(): KeyedTable<V> {
    return this.keyed as KeyedTable<V>;
  }
  timeKeyedTable<V>(): TimeKeyedTable<V> {
    return this.timed as TimeKeyedTable<V>;
  }
  columnarTable(): never {
    throw new Error('unused');
  }
  send(input: 0 | 1, rows: Row[]): Row[] {
    const at = this.out.length;
    this.op.onData({ rows, ops: null }, input);
    return this.out.slice(at);
  }
  /** Input `i`'s watermark moves to `w`; the join sees the combined, shifted one when it advances. */
  mark(i: 0 | 1, w: number): void {
    this.marks[i] = w;
    const c = this.combiner.update(i, w);
    if (c !== undefined) {
      this.watermark = c;
      this.op.onWatermark(c);
    }
  }
  waiting(): Waiting | undefined {
    return [...this.keyed.entries()][0]?.[1] as Waiting | undefined;
  }
}

test('pairs within the bounds, ends included; strict ends one micro in; NULL keys and times never pair', () => {
  const c = new Ctx(joinNode());
  c.send(0, [['x', 100 * S]]);
  // Right rows at the lower end, inside, the upper end, and one micro past each end.
  const got = c.send(1, [['x', 95 * S], ['x', 95 * S - 1], ['x', 101 * S], ['x', 101 * S + 1], ['y', 100 * S], [null, 100 * S], ['x', null]]);
  assert.deepEqual(got, [
    ['x', 100 * S, 95 * S],
    ['x', 100 * S, 101 * S],
  ]);
  // A left row arriving second pairs with the waiting right rows the same way (held in event-time order).
  assert.deepEqual(c.send(0, [['x', 96 * S]]), [
    ['x', 96 * S, 95 * S - 1],
    ['x', 96 * S, 95 * S],
  ]);
  const strict = new Ctx(joinNode(`a.k = b.k AND b.ts > a.ts - INTERVAL '5' SECOND AND b.ts < a.ts + INTERVAL '1' SECOND`));
  strict.send(0, [['x', 100 * S]]);
  assert.deepEqual(strict.send(1, [['x', 95 * S], ['x', 95 * S + 1], ['x', 101 * S - 1], ['x', 101 * S]]), [
    ['x', 100 * S, 95 * S + 1],
    ['x', 100 * S, 101 * S - 1],
  ]);
});

test("late rows: behind their own input's watermark, counted, never paired", () => {
  const c = new Ctx(joinNode());
  c.mark(0, 50 * S);
  c.mark(1, 10 * S);
  // A left row at 49s is late on the left watermark (50s); a right row at 20s is not late on the right one (10s).
  assert.deepEqual(c.send(0, [['x', 49 * S], ['x', 50 * S]]), []);
  assert.equal(c.lates.length, 1);
  assert.equal(c.lates[0]!.eventTime, 49 * S);
  assert.equal(c.lates[0]!.watermark, 50 * S);
  assert.match(c.lates[0]!.reason, /behind the left input's watermark/);
  assert.deepEqual(c.send(1, [['x', 46 * S], ['x', 9 * S]]), [['x', 50 * S, 46 * S]]);
  assert.equal(c.lates.length, 2);
  assert.match(c.lates[1]!.reason, /right input's watermark/);
});

test('the join watermark is min(left, right - upper); a left row leaves when it passes ts, a right row when it passes ts - lower (here ts + 5s), not one micro earlier', () => {
  const c = new Ctx(joinNode());
  c.send(0, [['x', 100 * S]]);
  c.send(1, [['x', 100 * S]]);
  c.mark(0, 200 * S);
  // Right at 101s: W = min(200s, 101s - 1s) = 100s; the left row at 100s still waits (a right row at 101s may come).
  c.mark(1, 101 * S);
  assert.equal(c.watermark, 100 * S);
  assert.deepEqual(c.waiting()?.l.length, 1);
  assert.deepEqual(c.send(1, [['x', 101 * S]]), [['x', 100 * S, 101 * S]]);
  // One micro more: W = 100s + 1µs > 100s, the left row is gone; a right row at 101s + 1µs is on time but cannot pair anyway.
  c.mark(1, 101 * S + 1);
  assert.equal(c.watermark, 100 * S + 1);
  assert.equal(c.waiting()?.l.length, 0);
  // The right rows at 100s and 101s wait until W passes 105s and 106s.
  assert.equal(c.waiting()?.r.length, 2);
  c.mark(1, 106 * S);
  assert.equal(c.watermark, 105 * S);
  assert.equal(c.waiting()?.r.length, 2);
  c.mark(1, 106 * S + 1);
  assert.equal(c.waiting()?.r.length, 1);
  c.mark(1, 107 * S + 1);
  assert.equal(c.keyed.size, 0);
  assert.equal(c.timed.size, 0);
});

test('snapshot and restore of both tables in the middle give the output of an uninterrupted run', () => {
  const script: Array<['data', 0 | 1, Row[]] | ['mark', 0 | 1, number]> = [
    ['data', 0, [['x', 10 * S], ['y', 11 * S], ['x', 12 * S]]],
    ['data', 1, [['x', 9 * S], ['y', 16 * S]]],
    ['mark', 0, 12 * S],
    ['mark', 1, 9 * S],
    ['data', 1, [['x', 13 * S], ['y', 12 * S]]],
    ['data', 0, [['y', 15 * S], ['x', 14 * S]]],
    ['mark', 1, 14 * S],
    ['data', 0, [['x', 16 * S], ['y', 17 * S]]],
    ['data', 1, [['x', 15 * S], ['x', 17 * S], ['y', 18 * S]]],
    ['mark', 0, 30 * S],
    ['mark', 1, 30 * S],
  ];
  const run = (cut: number | undefined): Row[] => {
    let c = new Ctx(joinNode());
    const out: Row[] = [];
    script.forEach((step, i) => {
      if (i === cut) {
        const keyed = c.keyed.snapshot();
        const timed = c.timed.snapshot();
        const marks = [...c.marks];
        out.push(...c.out);
        c = new Ctx(joinNode());
        c.keyed.restore(keyed.chunks);
        c.timed.restore(timed.chunks);
        c.mark(0, marks[0]!);
        c.mark(1, marks[1]!);
      }
      if (step[0] === 'data') c.send(step[1], step[2]);
      else c.mark(step[1], step[2]);
    });
    out.push(...c.out);
    return out.map((r) => r.map(String)).sort() as unknown as Row[];
  };
  const whole = run(undefined);
  assert.ok(whole.length >= 5, `pairs: ${JSON.stringify(whole)}`);
  for (let cut = 1; cut < script.length; cut++) assert.deepEqual(run(cut), whole, `restored before step ${cut}`);
});

test('LEFT JOIN: a left row that never paired is emitted once with NULLs when it expires, not before; NULL keys and times at once', () => {
  const c = new Ctx(joinNode(undefined, 'LEFT JOIN'));
  assert.deepEqual(c.send(0, [['x', 100 * S], ['y', 100 * S], [null, 100 * S], ['z', null]]), [
    [null, 100 * S, null],
    ['z', null, null],
  ]);
  assert.deepEqual(c.send(1, [['x', 100 * S]]), [['x', 100 * S, 100 * S]]);
  c.mark(0, 200 * S);
  // W = 100s: both left rows at 100s still wait (a right row at 101s may come).
  c.mark(1, 101 * S);
  assert.equal(c.out.length, 3);
  // W = 100s + 1µs: x paired, y did not: y comes out padded, once.
  c.mark(1, 101 * S + 1);
  assert.deepEqual(c.out.slice(3), [['y', 100 * S, null]]);
  c.mark(1, 500 * S);
  assert.equal(c.out.length, 4);
  assert.equal(c.keyed.size, 0);
});

test('RIGHT JOIN: the watermark follows the right side, min(left + lower, right); an unmatched right row comes out once with NULLs at W = tr + 1µs, not before; NULL keys and times at once', () => {
  const c = new Ctx(joinNode(undefined, 'RIGHT JOIN'));
  assert.deepEqual(c.send(1, [['x', 100 * S], ['y', 100 * S], [null, 100 * S], ['z', null]]), [
    [null, null, 100 * S],
    [null, null, null],
  ]);
  assert.deepEqual(c.send(0, [['x', 100 * S]]), [['x', 100 * S, 100 * S]]);
  c.mark(1, 200 * S);
  // W = min(105s - 5s, 200s) = 100s: a left row at 105s may still come and pair with y at 100s (100s - 105s = -5s, the lower bound).
  c.mark(0, 105 * S);
  assert.equal(c.watermark, 100 * S);
  assert.equal(c.out.length, 3);
  assert.deepEqual(c.send(0, [['y', 105 * S]]), [['y', 105 * S, 100 * S]]);
  const d = new Ctx(joinNode(undefined, 'RIGHT JOIN'));
  d.send(1, [['x', 100 * S], ['y', 100 * S]]);
  d.send(0, [['x', 100 * S]]);
  d.mark(1, 200 * S);
  d.mark(0, 105 * S);
  assert.equal(d.out.length, 1);
  // One micro more: y can pair with nothing still to come; it comes out padded, once; x paired and does not.
  d.mark(0, 105 * S + 1);
  assert.equal(d.watermark, 100 * S + 1);
  assert.deepEqual(d.out.slice(1), [[null, null, 100 * S]]);
  // The left row at 100s waits until W passes 100s + upper (1s).
  assert.equal(d.waiting()?.l.length, 1);
  d.mark(0, 106 * S + 1);
  assert.equal(d.keyed.size, 0);
  d.mark(0, 500 * S);
  assert.equal(d.out.length, 2);
});

test('FULL JOIN: unmatched rows of both sides padded once, each at the exact watermark that expires it (left at tl, right at tr - lower)', () => {
  const c = new Ctx(joinNode(undefined, 'FULL OUTER JOIN'));
  assert.equal(c.node.timeColumn, undefined);
  c.send(0, [['x', 100 * S], ['y', 100 * S], [null, 100 * S]]);
  assert.deepEqual(c.send(1, [['x', 100 * S], ['w', 100 * S], ['v', null]]), [
    ['x', 100 * S, 100 * S],
    [null, null, null],
  ]);
  assert.deepEqual(c.out, [
    [null, 100 * S, null],
    ['x', 100 * S, 100 * S],
    [null, null, null],
  ]);
  c.mark(0, 200 * S);
  c.mark(1, 101 * S);
  assert.equal(c.watermark, 100 * S);
  assert.equal(c.out.length, 3);
  c.mark(1, 101 * S + 1);
  assert.deepEqual(c.out.slice(3), [['y', 100 * S, null]]);
  // The right row w at 100s waits until W passes 105s (a left row at 105s could still pair).
  c.mark(1, 106 * S);
  assert.equal(c.watermark, 105 * S);
  assert.equal(c.out.length, 4);
  c.mark(1, 106 * S + 1);
  assert.deepEqual(c.out.slice(4), [[null, null, 100 * S]]);
  c.mark(1, 500 * S);
  assert.equal(c.out.length, 5);
  assert.equal(c.keyed.size, 0);
  assert.equal(c.timed.size, 0);
});

test('RIGHT and FULL: matched flags survive a snapshot and restore of the tables (a restored row that paired is never padded)', () => {
  for (const kind of ['RIGHT JOIN', 'FULL JOIN']) {
    let c = new Ctx(joinNode(undefined, kind));
    c.send(1, [['x', 100 * S], ['y', 100 * S]]);
    c.send(0, [['x', 100 * S]]);
    const keyed = c.keyed.snapshot();
    const timed = c.timed.snapshot();
    c = new Ctx(joinNode(undefined, kind));
    c.keyed.restore(keyed.chunks);
    c.timed.restore(timed.chunks);
    c.mark(0, 500 * S);
    c.mark(1, 500 * S);
    assert.deepEqual(c.out, [[null, null, 100 * S]], kind);
  }
});
