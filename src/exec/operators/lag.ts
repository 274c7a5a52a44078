// LAG(x, n, default) OVER (PARTITION BY k ORDER BY ts). Rows wait in a time-keyed buffer
// (time = event time, key = partition) until the watermark passes them, then are released in
// ascending event time (ties in arrival order) with the lagged values appended, computed from a
// per-partition history of the last max(n) argument tuples (a keyed table, unbounded in keys).
// The input is append-only (the planner rejects LAG over a changelog).

import type { Row, Value } from '../../catalog/types.js';
import { compileExpr, type Evaluator } from '../../expr/compile.js';
import { compileKey, type KeyFn } from '../../expr/key.js';
import type { LagNode } from '../../plan/physical.js';
import type { KeyedTable, TimeKeyedTable } from '../../state/tables.js';
import type { Batch, Operator, OperatorContext } from '../operator.js';
import { formatMicros, isLate, lastReleasable } from '../time.js';
import { refOf, stateName } from './common.js';

/** The rows of one partition at one event time, in arrival order. */
interface Pending {
  readonly rows: Row[];
}

/** Ring buffer of the last `cap` argument tuples of a partition, oldest overwritten first. */
interface History {
  readonly buf: Value[][];
  /** Slot the next tuple goes to. */
  next: number;
  /** Tuples seen, capped at buf.length. */
  count: number;
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
    this.buffer = ctx.timeKeyedTable<Pending>(stateName(this.node, 'timeKeyed'));
    // The history is only touched when the watermark releases buffered rows: their partitions.
    this.history = ctx.keyedTable<History>(stateName(this.node, 'keyed'), { keysOf: () => [], keysAt: (micros) => this.buffer.keysThrough(lastReleasable(micros)) });
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
        this.ctx.late({
          operator: this.node.id,
          ref: refOf(row, this.node.refInput),
          eventTime: ts,
          watermark,
          windowStart: undefined,
          reason: `event time ${formatMicros(ts)} is behind watermark ${formatMicros(watermark)}: LAG already released the rows before it`,
        });
        continue;
      }
      const key = this.partition.encode(row);
      const pending = this.buffer.get(ts, key);
      if (pending === undefined) this.buffer.set(ts, key, { rows: [row] });
      else pending.rows.push(row);
    }
  }

  onWatermark(micros: number): void {
    const ready = this.buffer.drainThrough(lastReleasable(micros));
    if (ready.length === 0) return;
    const out: Row[] = [];
    for (let e = 0; e < ready.length; e++) {
      const entry = ready[e]!;
      let hist = this.history.get(entry.key);
      if (hist === undefined && this.cap > 0) {
        hist = { buf: [], next: 0, count: 0 };
        this.history.set(entry.key, hist);
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
