// LAG(x, n, default) OVER (PARTITION BY k ORDER BY ts). Rows wait in a time-keyed buffer
// (time = event time, key = partition) until the watermark passes them, then are released in
// ascending event time (ties in arrival order) with the lagged values appended, computed from a
// per-partition history of the last max(n) argument tuples (a keyed table, unbounded in keys).
// Under a memory budget both spill: a buffered (time, partition) may come back from DuckDB as
// several partials, which merge by the arrival numbers the history hands out per partition.
// The input is append-only (the planner rejects LAG over a changelog).

import type { Row, Value } from '../../catalog/types.js';
import { compileExpr, type Evaluator } from '../../expr/compile.js';
import { compileKey, type KeyFn } from '../../expr/key.js';
import type { LagNode } from '../../plan/physical.js';
import type { KeyedTable, TimeKeyedTable } from '../../state/tables.js';
import type { Batch, Operator, OperatorContext } from '../operator.js';
import { isLate, lastReleasable } from '../time.js';
import { refOf, stateName, reportBehindWatermark } from './common.js';

/** The rows of one partition at one event time, in arrival order. */
interface Pending {
  readonly rows: Row[];
  /** Per row, its arrival number in the partition (ascending): orders partials that spilled apart. */
  readonly seqs: number[];
}

/** Ring buffer of the last `cap` argument tuples of a partition, oldest overwritten first. */
interface History {
  readonly buf: Value[][];
  /** Slot the next tuple goes to. */
  next: number;
  /** Tuples seen, capped at buf.length. */
  count: number;
  /**
   * Rows of the partition admitted so far: the next row's arrival number. Kept here, not in the
   * operator, so a checkpoint holds it with the buffer and numbers keep rising after a restore.
   */
  arrivals?: number;
}

/**
 * Two partials of one (time, partition) as one, rows by arrival number. WARNING: the spill tier
 * merges partials in no set order (spilled ones among themselves, then with memory's), and tied
 * rows must leave in arrival order, so this must not depend on which argument came first.
 */
export function mergePending(a: Pending, b: Pending): Pending {
  // Partials from a checkpoint written before arrival numbers have none: numbered first.
  const as = a.seqs ?? a.rows.map((_, i) => i - a.rows.length);
  const bs = b.seqs ?? b.rows.map((_, i) => i - b.rows.length);
  if (as.length === 0 || (bs.length > 0 && as[as.length - 1]! < bs[0]!)) return { rows: a.rows.concat(b.rows), seqs: as.concat(bs) };
  if (bs.length === 0 || bs[bs.length - 1]! < as[0]!) return { rows: b.rows.concat(a.rows), seqs: bs.concat(as) };
  const rows: Row[] = [];
  const seqs: number[] = [];
  let i = 0;
  let j = 0;
  while (i < as.length || j < bs.length) {
    if (j >= bs.length || (i < as.length && as[i]! < bs[j]!)) {
      rows.push(a.rows[i]!);
      seqs.push(as[i++]!);
    } else {
      rows.push(b.rows[j]!);
      seqs.push(bs[j++]!);
    }
  }
  return { rows, seqs };
}

export class LagOperator implements Operator {
  private readonly node: LagNode;
  private readonly partition: KeyFn;
  private readonly args: readonly Evaluator[];
  private readonly offsets: readonly number[];
  private readonly defaults: readonly (Evaluator | null)[];
  private readonly cap: number;
  private ctx!: OperatorContext;
  private buffer!: TimeKeyedTable<Pending>;
  private history!: KeyedTable<History>;

  constructor(node: LagNode) {
    this.node = node;
    this.partition = compileKey(node.partitionBy);
    const args: Evaluator[] = [];
    const offsets: number[] = [];
    const defaults: (Evaluator | null)[] = [];
    let cap = 0;
    for (const l of node.lags) {
      args.push(compileExpr(l.arg));
      offsets.push(l.offset);
      defaults.push(l.default === undefined ? null : compileExpr(l.default));
      if (l.offset > cap) cap = l.offset;
    }
    this.args = args;
    this.offsets = offsets;
    this.defaults = defaults;
    this.cap = cap;
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.buffer = ctx.timeKeyedTable<Pending>(stateName(this.node, 'timeKeyed'), {
      merge: mergePending,
      close: (entries) => this.releaseAll(entries),
      closesThrough: lastReleasable,
    });
    // Arriving rows take an arrival number from their partition's history; released rows read it.
    this.history = ctx.keyedTable<History>(stateName(this.node, 'keyed'), {
      keysOf: (batch) => batch.rows.map((r) => this.partition.encode(r)),
      keysAt: (micros) => this.buffer.keysThrough(lastReleasable(micros)),
      keysClosing: (entries) => entries.map((e) => e.key),
    });
  }

  onData(batch: Batch): void {
    const rows = batch.rows;
    const timeInput = this.node.timeInput;
    const watermark = this.ctx.watermark;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const ts = row[timeInput];
      if (typeof ts !== 'number') continue;
      if (isLate(ts, watermark)) {
        reportBehindWatermark(this.ctx, this.node.id, refOf(row, this.node.refInput), ts, watermark, '', 'LAG already released the rows before it');
        continue;
      }
      const key = this.partition.encode(row);
      let hist = this.history.get(key);
      if (hist === undefined) {
        hist = { buf: [], next: 0, count: 0, arrivals: 0 };
        this.history.set(key, hist);
      }
      const seq = hist.arrivals ?? 0;
      hist.arrivals = seq + 1;
      const pending = this.buffer.get(ts, key);
      if (pending === undefined) this.buffer.set(ts, key, { rows: [row], seqs: [seq] });
      else {
        // A checkpoint from before arrival numbers: its rows came first, numbered below any new one.
        if (pending.seqs === undefined) (pending as { seqs: number[] }).seqs = pending.rows.map((_, i) => i - pending.rows.length);
        pending.rows.push(row);
        pending.seqs.push(seq);
      }
    }
  }

  onWatermark(micros: number): void {
    this.releaseAll(this.buffer.drainThrough(lastReleasable(micros)));
  }

  /** Releases closed entries, ascending in time (from drainThrough, or from the spill tier in chunks). */
  private releaseAll(ready: ReadonlyArray<{ key: string; value: Pending }>): void {
    if (ready.length === 0) return;
    const out: Row[] = [];
    for (let e = 0; e < ready.length; e++) {
      const entry = ready[e]!;
      let hist: History | undefined;
      if (this.cap > 0) {
        // onData gave the partition a history (the runner brought it back if it spilled); a
        // checkpoint from before arrival numbers may lack one.
        hist = this.history.get(entry.key);
        if (hist === undefined) this.history.set(entry.key, (hist = { buf: [], next: 0, count: 0, arrivals: 0 }));
      }
      const rows = entry.value.rows;
      for (let r = 0; r < rows.length; r++) out.push(this.release(rows[r]!, hist));
    }
    this.ctx.emit({ rows: out, ops: null });
  }

  private release(row: Row, hist: History | undefined): Row {
    const n = row.length;
    const lags = this.args.length;
    const out: Row = new Array<Value>(n + lags);
    for (let j = 0; j < n; j++) out[j] = row[j]!;
    const tuple = new Array<Value>(lags);
    for (let j = 0; j < lags; j++) tuple[j] = this.args[j]!(row);
    const cap = this.cap;
    for (let j = 0; j < lags; j++) {
      const k = this.offsets[j]!;
      let v: Value;
      if (k === 0) v = tuple[j]!;
      else if (hist !== undefined && hist.count >= k) v = hist.buf[(hist.next - k + cap) % cap]![j]!;
      else {
        const d = this.defaults[j] ?? null;
        v = d === null ? null : d(row);
      }
      out[n + j] = v;
    }
    if (hist !== undefined) {
      hist.buf[hist.next] = tuple;
      hist.next = (hist.next + 1) % cap;
      if (hist.count < cap) hist.count++;
    }
    return out;
  }
}
