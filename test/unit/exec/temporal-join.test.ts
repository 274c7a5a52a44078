// The temporal join operator by hand: a stream row waits until the watermark passes its time,
// then joins the version valid at it (the last at or before it; of equal times the last to
// arrive), a tombstone found means no row (LEFT: NULLs), late rows on either input's own
// watermark, versions pruned behind the watermark (the last before it kept; after a restore at
// the same watermark as without it), and the lookup join's wait for a file table's end.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Row } from '../../../src/catalog/types.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import type { LookupJoinNode, PhysicalNode, TemporalJoinNode } from '../../../src/plan/physical.js';
import { TemporalJoinOperator, type Version } from '../../../src/exec/operators/temporal-join.js';
import { LookupJoinOperator } from '../../../src/exec/operators/lookup-join.js';
import { firstVersionKept, versionAt } from '../../../src/exec/time.js';
import type { TimeSpill } from '../../../src/exec/operator.js';
import { stateName } from '../../../src/exec/operators/common.js';
import type { TimeKeyedTable } from '../../../src/state/tables.js';
import { Harness } from './harness.js';

const S = 1_000_000;

function node<K extends 'temporalJoin' | 'lookupJoin'>(kind: K, join: string): PhysicalNode & { kind: K } {
  const sql = `CREATE SOURCE s (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 's.jsonl');
CREATE TABLE t (k VARCHAR, v INT, ts TIMESTAMP, PRIMARY KEY (k), WATERMARK FOR ts AS ts) WITH (connector = 'kafka', topic = 't');
CREATE TABLE f (k VARCHAR, v INT, PRIMARY KEY (k)) WITH (connector = 'file', path = 'f.csv', format = 'csv');
CREATE SINK o AS SELECT * FROM s ${join};`;
  const s = loadScriptText(sql, 'job.sql', process.cwd(), new Catalog());
  const p = planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false });
  return p.nodes.find((n): n is PhysicalNode & { kind: K } => n.kind === kind)!;
}

/** A harness whose per-input watermarks the test sets. */
class Ctx extends Harness {
  readonly marks = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  inputWatermark(i: number): number {
    return this.marks[i]!;
  }
  /** Input `i` moves to `w`; the operator sees the new minimum, as the runner's combiner gives it. */
  move(i: number, w: number): void {
    this.marks[i] = w;
    const m = Math.min(...this.marks);
    if (m > this.watermark) {
      this.watermark = m;
      this.op.onWatermark?.(m);
    }
  }
  rows(): Row[] {
    return this.batches.flatMap((b) => b.rows);
  }
}

// Output: s.k, s.ts, t.k, t.v, t.ts. Table rows: k, v, ts, $ref (a temporal join's inputs carry provenance), $deleted.
const tv = (k: string, v: number, ts: number, deleted = false): Row => [k, v, ts * S, null, deleted];
const sv = (k: string | null, ts: number): Row => [k, ts * S, null];

test('versionAt and firstVersionKept: the last version at or before a time; the last one before the watermark is kept', () => {
  const vs = [{ t: 10 }, { t: 20 }, { t: 20 }, { t: 30 }];
  assert.equal(versionAt(vs, 9), -1);
  assert.equal(versionAt(vs, 10), 0);
  assert.equal(versionAt(vs, 20), 2);
  assert.equal(versionAt(vs, 29), 2);
  assert.equal(versionAt(vs, 31), 3);
  assert.equal(firstVersionKept(vs, 10), 0);
  assert.equal(firstVersionKept(vs, 21), 2);
  assert.equal(firstVersionKept(vs, 31), 3);
});

test('a stream row waits for the watermark, then joins the version valid at its time (at the exact time: that version; ties: the last to arrive)', () => {
  const c = new Ctx(new TemporalJoinOperator(node('temporalJoin', 'JOIN t FOR SYSTEM_TIME AS OF s.ts ON s.k = t.k')));
  c.op.onData({ rows: [tv('a', 1, 10), tv('a', 2, 20), tv('a', 3, 20), tv('b', 9, 5)], ops: null }, 1);
  c.op.onData({ rows: [sv('a', 19), sv('a', 20), sv('a', 25), sv('b', 4), sv('c', 30)], ops: null }, 0);
  assert.deepEqual(c.rows(), []);
  c.move(0, 21 * S);
  assert.deepEqual(c.rows(), [], 'the table watermark holds the rows back');
  c.move(1, 20 * S);
  assert.deepEqual(c.rows(), [['a', 19 * S, 'a', 1, 10 * S]], 'released through 20 s - 1 µs');
  c.move(1, 20 * S + 1);
  assert.deepEqual(c.rows().slice(1), [['a', 20 * S, 'a', 3, 20 * S]]);
  c.move(1, Infinity);
  c.move(0, Infinity);
  assert.deepEqual(c.rows().slice(2), [['a', 25 * S, 'a', 3, 20 * S]], 'b at 4 s: before its first version; c: no version');
});

test('a tombstone is no row from its time on (LEFT: NULLs); late rows on either input go to the late output', () => {
  const c = new Ctx(new TemporalJoinOperator(node('temporalJoin', 'LEFT JOIN t FOR SYSTEM_TIME AS OF s.ts ON s.k = t.k')));
  c.op.onData({ rows: [tv('a', 1, 10), tv('a', 0, 20, true), tv('a', 5, 30)], ops: null }, 1);
  c.op.onData({ rows: [sv('a', 15), sv('a', 25), sv('a', 35), sv(null, 40)], ops: null }, 0);
  assert.deepEqual(c.rows(), [[null, 40 * S, null, null, null]], 'a NULL key is padded at once');
  c.move(1, 31 * S);
  c.op.onData({ rows: [tv('a', 7, 30)], ops: null }, 1);
  assert.equal(c.lateEvents.length, 1, 'a version behind the table watermark is late');
  c.move(0, 36 * S);
  assert.equal(c.rows().length, 3, 'through 31 s: min(stream, table)');
  c.move(1, 36 * S);
  assert.deepEqual(c.rows().slice(1), [
    ['a', 15 * S, 'a', 1, 10 * S],
    ['a', 25 * S, null, null, null],
    ['a', 35 * S, 'a', 5, 30 * S],
  ]);
  c.op.onData({ rows: [sv('a', 35)], ops: null }, 0);
  assert.equal(c.lateEvents.length, 2, 'a stream row behind its own watermark is late');
  assert.match(c.lateEvents[1]!.reason, /behind the stream's watermark/);
});

test('versions before the watermark are pruned but the last one, a leading tombstone dropped', () => {
  const c = new Ctx(new TemporalJoinOperator(node('temporalJoin', 'JOIN t FOR SYSTEM_TIME AS OF s.ts ON s.k = t.k')));
  c.op.onData({ rows: [tv('a', 1, 10), tv('a', 2, 20), tv('a', 3, 30), tv('b', 1, 10), tv('b', 0, 20, true)], ops: null }, 1);
  c.move(0, 25 * S);
  c.move(1, 25 * S);
  const versions = c.keyedTable<Version[]>('versions');
  assert.deepEqual(versions.get('a')!.map((v) => v.t), [20 * S, 30 * S]);
  assert.equal(versions.get('b'), undefined, 'b: deleted before the watermark, nothing left');
  c.op.onData({ rows: [sv('a', 25)], ops: null }, 0);
  c.move(0, 40 * S);
  c.move(1, 40 * S);
  assert.deepEqual(c.rows(), [['a', 25 * S, 'a', 2, 20 * S]]);
  assert.deepEqual(versions.get('a')!.map((v) => v.t), [30 * S]);
});

test('pruning keeps the last version before the watermark: a row at the watermark still joins it', () => {
  const c = new Ctx(new TemporalJoinOperator(node('temporalJoin', 'JOIN t FOR SYSTEM_TIME AS OF s.ts ON s.k = t.k')));
  c.op.onData({ rows: [tv('a', 1, 10), tv('a', 2, 20.5)], ops: null }, 1);
  c.move(0, 20 * S);
  c.move(1, 20 * S);
  c.op.onData({ rows: [sv('a', 20), sv('a', 20.5)], ops: null }, 0);
  c.move(0, 21 * S);
  c.move(1, 21 * S);
  assert.deepEqual(c.rows(), [
    ['a', 20 * S, 'a', 1, 10 * S],
    ['a', 20.5 * S, 'a', 2, 20.5 * S],
  ]);
});

test('lookup join with a file table: stream rows wait until the table has ended, then join its last row per key', () => {
  const n: LookupJoinNode = node('lookupJoin', 'LEFT JOIN f ON s.k = f.k');
  const c = new Ctx(new LookupJoinOperator(n));
  c.op.onData({ rows: [sv('a', 1), sv('b', 2), sv(null, 3)], ops: null }, 0);
  assert.deepEqual(c.rows(), [[null, 3 * S, null, null]]);
  c.op.onData({ rows: [['a', 1], ['a', 2]], ops: null }, 1);
  c.move(0, 5 * S);
  assert.equal(c.rows().length, 1, 'the table has not ended');
  c.move(1, Infinity);
  assert.deepEqual(c.rows().slice(1).sort(), [['a', 1 * S, 'a', 2], ['b', 2 * S, null, null]]);
  c.op.onData({ rows: [sv('a', 9)], ops: null }, 0);
  assert.deepEqual(c.rows().slice(3), [['a', 9 * S, 'a', 2]], 'after the end, at once');
});

/** A Ctx that keeps each time-keyed table's spill hooks, to close "spilled" entries as the runner does before onWatermark. */
class Spilling extends Ctx {
  // Filled by open(), which the base constructor calls before this class's fields exist (so `declare`: no initializer to wipe it).
  declare private hooks: Map<string, TimeSpill<unknown>> | undefined;
  get spills(): Map<string, TimeSpill<unknown>> {
    return (this.hooks ??= new Map());
  }
  override timeKeyedTable<V>(name: string, spill?: TimeSpill<V>): TimeKeyedTable<V> {
    if (spill) this.spills.set(name, spill as TimeSpill<unknown>);
    return super.timeKeyedTable<V>(name);
  }
  /** Watermark `w` on both inputs with every time-keyed entry before it spilled: closed through the hooks first, then onWatermark. */
  spilledWatermark(w: number): void {
    this.marks[0] = this.marks[1] = w;
    this.watermark = w;
    for (const [name, spill] of this.spills) {
      const t = this.timeKeyedTable_(name)!;
      spill.close(t.drainThrough(spill.closesThrough ? spill.closesThrough(w) : w));
    }
    this.op.onWatermark?.(w);
  }
}

test('after a restore, versions are pruned at the same watermark as in the uninterrupted run (the last watermark comes back with the checkpoint)', () => {
  const n = node('temporalJoin', 'JOIN t FOR SYSTEM_TIME AS OF s.ts ON s.k = t.k');
  const run = (): Spilling => {
    const c = new Spilling(new TemporalJoinOperator(n));
    c.move(0, 5 * S);
    c.move(1, 5 * S);
    c.op.onData({ rows: [tv('a', 1, 10), tv('a', 2, 20), tv('a', 3, 30)], ops: null }, 1);
    // The index entries at 10 s and 20 s had spilled: closed before the watermark's own pruning, so 'a' is visited again at the next one.
    c.spilledWatermark(25 * S);
    return c;
  };
  const uninterrupted = run();
  uninterrupted.spilledWatermark(27 * S);
  const versions = (c: Harness) => c.keyedTable<Version[]>(stateName(n, 'keyed')).get('a')?.map((v) => v.t / S);
  assert.deepEqual(versions(uninterrupted), [20, 30]);

  // The same state, checkpointed at 25 s and restored into a new operator, as the runner does.
  const before = run();
  const restored = new Spilling(new TemporalJoinOperator(n));
  for (const [k, v] of before.keyedTable<unknown>(stateName(n, 'keyed')).entries()) restored.keyedTable<unknown>(stateName(n, 'keyed')).set(k, v);
  for (const name of before.spills.keys()) {
    for (const e of before.timeKeyedTable_(name)!.drainThrough(Infinity)) restored.timeKeyedTable<unknown>(name).set(e.time, e.key, e.value);
  }
  restored.marks[0] = restored.marks[1] = restored.watermark = 25 * S;
  restored.op.onRestore?.();
  restored.spilledWatermark(27 * S);
  assert.deepEqual(versions(restored), versions(uninterrupted), 'restored state equals the uninterrupted run');
  assert.equal(restored.timeKeyedSize(stateName(n, 'timeKeyed', 1)), uninterrupted.timeKeyedSize(stateName(n, 'timeKeyed', 1)), 'and so does the index of version times');
});
