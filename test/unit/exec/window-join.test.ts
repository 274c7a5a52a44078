// The window join operator by hand: a window's pairs come out when the join's watermark (the
// minimum of both inputs') reaches its end, not a microsecond before; a row whose window closed
// on its own input's watermark is late even while the other input lags; outer joins pad each
// unmatched row once at close (NULL keys too); a snapshot/restore of its table in the middle
// gives the output of an uninterrupted run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Row } from '../../../src/catalog/types.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import type { WindowJoinNode } from '../../../src/plan/physical.js';
import { WindowJoinOperator } from '../../../src/exec/operators/window-join.js';
import type { Batch, LateEvent, OperatorContext } from '../../../src/exec/operator.js';
import { MemoryKeyedTable, MemoryTimeKeyedTable, type KeyedTable, type TimeKeyedTable } from '../../../src/state/tables.js';
import { WatermarkCombiner } from '../../../src/exec/time.js';

const S = 1_000_000;

/** TUMBLE(a, ts, 10s) x <kind> TUMBLE(b, ts, 10s) y ON the window bounds and k. */
function joinNode(kind = 'JOIN'): WindowJoinNode {
  const sql = `CREATE SOURCE a (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'a.jsonl');
CREATE SOURCE b (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'b.jsonl');
CREATE SINK o WITH (connector = 'stdout') AS SELECT x.k, x.ts, y.ts AS yts FROM TUMBLE(a, ts, 10s) x ${kind} TUMBLE(b, ts, 10s) y ON x.k = y.k AND x.window_start = y.window_start AND x.window_end = y.window_end;`;
  const s = loadScriptText(sql, 'job.sql', process.cwd(), new Catalog());
  // The join node as bound, over the sources' own rows (no pushdown or pruning before it).
  const p = planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false, pushdown: false });
  return p.nodes.find((n): n is WindowJoinNode => n.kind === 'windowJoin')!;
}

/** A TVF row: k, ts, `$ref` (the planner tracks provenance for a join of two sources), window_start, window_end of its 10 s window. */
const row = (k: string | null, sec: number): Row => [k, sec * S, null, Math.floor(sec / 10) * 10 * S, (Math.floor(sec / 10) * 10 + 10) * S];

class Ctx implements OperatorContext {
  readonly out: Row[] = [];
  readonly lates: LateEvent[] = [];
  readonly marks: [number, number] = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  watermark = Number.NEGATIVE_INFINITY;
  timed = new MemoryTimeKeyedTable<unknown>();
  readonly op: WindowJoinOperator;
  private readonly combiner = new WatermarkCombiner(2);
  constructor(readonly node: WindowJoinNode) {
    this.op = new WindowJoinOperator(node);
    this.op.open(this);
  }
  /** Output: x.k, x.ts, x.window_start, x.window_end, y.k, y.ts, ...: kept as x.k, x.ts, y.k, y.ts in seconds. */
  emit(b: Batch): void {
    const sec = (v: unknown) => (typeof v === 'number' ? v / S : v);
    for (const r of b.rows) this.out.push([r[0]!, sec(r[1]), r[4]!, sec(r[5])] as Row);
  }
  late(e: LateEvent): void {
    this.lates.push(e);
  }
  inputWatermark(i: number): number {
    return this.marks[i as 0 | 1];
  }
  keyedTable<V>(): KeyedTable<V> {
    return new MemoryKeyedTable<V>();
  }
  timeKeyedTable<V>(): TimeKeyedTable<V> {
    return this.timed as TimeKeyedTable<V>;
  }
  columnarTable(): never {
    throw new Error('unused');
  }
  send(input: 0 | 1, rows: Row[]): void {
    this.op.onData({ rows, ops: null }, input);
  }
  mark(i: 0 | 1, w: number): void {
    this.marks[i] = w;
    const c = this.combiner.update(i, w);
    if (c !== undefined) {
      this.watermark = c;
      this.op.onWatermark(c);
    }
  }
}

test("a window's pairs come out when both inputs' watermarks reach its end, not before", () => {
  const c = new Ctx(joinNode());
  c.send(0, [row('x', 1), row('x', 9), row('y', 5), row('x', 12)]);
  c.send(1, [row('x', 3), row('y', 11), row('x', 19)]);
  c.mark(0, 100 * S);
  c.mark(1, 10 * S - 1);
  assert.deepEqual(c.out, []);
  c.mark(1, 10 * S);
  assert.deepEqual(c.out, [
    ['x', 1, 'x', 3],
    ['x', 9, 'x', 3],
  ]);
  c.mark(1, 20 * S);
  assert.deepEqual(c.out.slice(2), [['x', 12, 'x', 19]]);
  assert.equal(c.timed.size, 0);
});

test("late: a row whose window closed on its own input's watermark, though the other input lags; never paired", () => {
  const c = new Ctx(joinNode());
  c.mark(0, 20 * S);
  // Window [10s, 20s) has closed on the left input: late. Window [20s, 30s) is open.
  c.send(0, [row('x', 19), row('x', 20)]);
  assert.equal(c.lates.length, 1);
  assert.equal(c.lates[0]!.windowStart, 10 * S);
  assert.equal(c.lates[0]!.eventTime, 19 * S);
  assert.match(c.lates[0]!.reason, /window \[.*\) closed at watermark .* on the left input of the window JOIN/);
  // The right input is behind: its rows of [10s, 20s) are on time, but find no partner.
  c.send(1, [row('x', 15), row('x', 25)]);
  assert.equal(c.lates.length, 1);
  c.mark(1, 40 * S);
  c.mark(0, 40 * S);
  assert.deepEqual(c.out, [['x', 20, 'x', 25]]);
});

test('LEFT, RIGHT, FULL: each unmatched row padded once at its window close; NULL keys never pair and are padded then too', () => {
  const rows: Array<[0 | 1, Row]> = [
    [0, row('x', 1)],
    [0, row('y', 2)],
    [0, row(null, 3)],
    [1, row('x', 4)],
    [1, row('z', 5)],
    [1, row(null, 6)],
  ];
  const expect: Record<string, Row[]> = {
    JOIN: [['x', 1, 'x', 4]],
    'LEFT JOIN': [['x', 1, 'x', 4], ['y', 2, null, null], [null, 3, null, null]],
    'RIGHT JOIN': [['x', 1, 'x', 4], [null, null, 'z', 5], [null, null, null, 6]],
    'FULL OUTER JOIN': [['x', 1, 'x', 4], ['y', 2, null, null], [null, 3, null, null], [null, null, 'z', 5], [null, null, null, 6]],
  };
  for (const [kind, want] of Object.entries(expect)) {
    const c = new Ctx(joinNode(kind));
    for (const [side, r] of rows) c.send(side, [r]);
    c.mark(0, 10 * S);
    c.mark(1, 10 * S - 1);
    assert.deepEqual(c.out, [], kind);
    c.mark(1, 10 * S);
    const sort = (rs: Row[]) => rs.map((r) => JSON.stringify(r)).sort();
    assert.deepEqual(sort(c.out), sort(want), kind);
    c.mark(0, 100 * S);
    c.mark(1, 100 * S);
    assert.equal(c.out.length, want.length, kind);
  }
});

test('snapshot and restore of the table in the middle give the output of an uninterrupted run', () => {
  const script: Array<['data', 0 | 1, Row[]] | ['mark', 0 | 1, number]> = [
    ['data', 0, [row('x', 1), row('y', 2), row('x', 11)]],
    ['data', 1, [row('x', 3), row('x', 14)]],
    ['mark', 0, 12 * S],
    ['data', 1, [row('y', 8), row('z', 15)]],
    ['mark', 1, 10 * S],
    ['data', 0, [row('z', 16), row('x', 21)]],
    ['data', 1, [row('x', 22)]],
    ['mark', 0, 40 * S],
    ['mark', 1, 40 * S],
  ];
  const run = (cut: number | undefined): string[] => {
    let c = new Ctx(joinNode('FULL JOIN'));
    const out: Row[] = [];
    script.forEach((step, i) => {
      if (i === cut) {
        const timed = c.timed.snapshot();
        const marks = [...c.marks];
        out.push(...c.out);
        c = new Ctx(joinNode('FULL JOIN'));
        c.timed.restore(timed.chunks);
        c.mark(0, marks[0]!);
        c.mark(1, marks[1]!);
      }
      if (step[0] === 'data') c.send(step[1], step[2]);
      else c.mark(step[1], step[2]);
    });
    out.push(...c.out);
    return out.map((r) => JSON.stringify(r)).sort();
  };
  const whole = run(undefined);
  assert.ok(whole.length >= 5, whole.join(' '));
  for (let cut = 1; cut < script.length; cut++) assert.deepEqual(run(cut), whole, `restored before step ${cut}`);
});
