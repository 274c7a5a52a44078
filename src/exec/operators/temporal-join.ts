// Event-time temporal join at run time (exec/time.ts states the rules). Input 0 is the stream,
// input 1 the table's changelog. Table versions wait per primary key in a keyed table, in time
// order, a tombstone as a version without a row; stream rows wait in a time-keyed table under
// (event time, key) until the watermark passes them, then join the version valid at their time.
// A third, time-keyed table indexes the keys by their versions' times, so a watermark visits
// only the keys whose older versions it lets go. All three spill under a memory budget and are
// checkpointed; the runner brings back the keys a batch or a watermark touches first.

import type { Row, Value } from '../../catalog/types.js';
import { compileExpr, type Evaluator } from '../../expr/compile.js';
import { compileKey, type KeyFn } from '../../expr/key.js';
import type { TemporalJoinNode } from '../../plan/physical.js';
import type { KeyedTable, TimeKeyedTable } from '../../state/tables.js';
import type { Batch, Operator, OperatorContext } from '../operator.js';
import { firstVersionKept, formatMicros, isLate, lastReleasable, versionAt, versionInsertAt } from '../time.js';
import { refOf, stateName } from './common.js';

/** One version of a table row: valid from `t`; `row` null for a deletion (a tombstone). */
export interface Version {
  t: number;
  row: Row | null;
}

export class TemporalJoinOperator implements Operator {
  private readonly node: TemporalJoinNode;
  private readonly keys: readonly [KeyFn, KeyFn];
  private readonly residual: Evaluator | undefined;
  private readonly outer: boolean;
  private readonly rightWidth: number;
  private ctx!: OperatorContext;
  private versions!: KeyedTable<Version[]>;
  private waiting!: TimeKeyedTable<Row[]>;
  private expiry!: TimeKeyedTable<number>;
  /**
   * The watermark of the last onWatermark: rows at or after it may still join. Not a state table
   * of its own: a checkpoint is taken between batches, when it equals the combined watermark the
   * runner checkpoints, so onRestore takes it back from there (a restored run prunes as the
   * uninterrupted one would).
   */
  private done = Number.NEGATIVE_INFINITY;

  constructor(node: TemporalJoinNode) {
    this.node = node;
    this.keys = [compileKey(node.leftKeys), compileKey(node.rightKeys)];
    this.residual = node.residual ? compileExpr(node.residual) : undefined;
    this.outer = node.joinType === 'left';
    let w = 0;
    for (const [side, col] of node.outputs) if (side === 1 && col + 1 > w) w = col + 1;
    this.rightWidth = w;
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.waiting = ctx.timeKeyedTable<Row[]>(stateName(this.node, 'timeKeyed', 0), {
      merge: (a, b) => a.concat(b),
      close: (entries) => this.release(entries),
      closesThrough: lastReleasable,
    });
    this.expiry = ctx.timeKeyedTable<number>(stateName(this.node, 'timeKeyed', 1), {
      merge: () => 1,
      // Spilled entries close before onWatermark, maybe before the rows that need these versions: keep what the previous watermark needed.
      close: (entries) => this.prune(entries, this.done),
      closesThrough: lastReleasable,
    });
    this.versions = ctx.keyedTable<Version[]>(stateName(this.node, 'keyed'), {
      keysOf: (batch, input) => (input === 1 ? batch.rows.map((r) => this.keys[1].encode(r)) : []),
      keysAt: (micros) => [...this.waiting.keysThrough(lastReleasable(micros)), ...this.expiry.keysThrough(lastReleasable(micros))],
      keysClosing: (entries) => entries.map((e) => e.key),
    });
  }

  onRestore(): void {
    this.done = this.ctx.watermark;
  }

  onData(batch: Batch, input: number): void {
    if (input === 1) this.onTable(batch.rows);
    else this.onStream(batch.rows);
  }

  private onStream(rows: readonly Row[]): void {
    const t = this.node.leftTime;
    const keyFn = this.keys[0];
    const own = this.ctx.inputWatermark ? this.ctx.inputWatermark(0) : this.ctx.watermark;
    const padded: Row[] = [];
    for (const row of rows) {
      const ts = row[t];
      // No time: no version is valid at it (LEFT JOIN: padded at once).
      if (typeof ts !== 'number') {
        if (this.outer) padded.push(this.output(row, null));
        continue;
      }
      if (isLate(ts, own)) {
        this.late(row, 0, ts, own, `the stream's watermark ${formatMicros(own)}: the rows of its time were already joined`);
        continue;
      }
      // A NULL key equals no table key (LEFT JOIN: padded at once; it is at or after the watermark).
      if (keyFn.values(row).some((v) => v === null)) {
        if (this.outer) padded.push(this.output(row, null));
        continue;
      }
      const key = keyFn.encode(row);
      const w = this.waiting.get(ts, key);
      this.waiting.set(ts, key, w === undefined ? [row] : w.concat([row]));
    }
    if (padded.length > 0) this.ctx.emit({ rows: padded, ops: null });
  }

  private onTable(rows: readonly Row[]): void {
    const t = this.node.rightTime;
    const keyFn = this.keys[1];
    const del = this.node.deletedInput;
    const own = this.ctx.inputWatermark ? this.ctx.inputWatermark(1) : this.ctx.watermark;
    for (const row of rows) {
      const vt = row[t];
      if (typeof vt !== 'number') continue;
      if (isLate(vt, own)) {
        this.late(row, 1, vt, own, `the table's watermark ${formatMicros(own)}: stream rows of that time may already have joined an older version`);
        continue;
      }
      // A NULL key is equal to no stream key: it can never be joined.
      if (keyFn.values(row).some((v) => v === null)) continue;
      const key = keyFn.encode(row);
      const vs = this.versions.get(key) ?? [];
      vs.splice(versionInsertAt(vs, vt), 0, { t: vt, row: del !== undefined && row[del] === true ? null : row });
      this.versions.set(key, vs);
      this.expiry.set(vt, key, 1);
    }
  }

  onWatermark(micros: number): void {
    this.release(this.waiting.drainThrough(lastReleasable(micros)));
    // Every row before `micros` has now joined (spilled ones were closed before this call).
    this.prune(this.expiry.drainThrough(lastReleasable(micros)), micros);
    this.done = micros;
  }

  /** Stream rows whose time the watermark has passed: each joins the version valid then. */
  private release(entries: ReadonlyArray<{ time: number; key: string; value: Row[] }>): void {
    if (entries.length === 0) return;
    const out: Row[] = [];
    for (const e of entries) {
      const vs = this.versions.get(e.key);
      const at = vs === undefined ? -1 : versionAt(vs, e.time);
      const found = at < 0 ? null : vs![at]!.row;
      for (const row of e.value) {
        if (found !== null) {
          const joined = this.output(row, found);
          if (this.residual === undefined || this.residual(row.concat(found)) === true) {
            out.push(joined);
            continue;
          }
        }
        if (this.outer) out.push(this.output(row, null));
      }
    }
    // Emitted before the runner passes the watermark on: no row is behind it.
    if (out.length > 0) this.ctx.emit({ rows: out, ops: null });
  }

  /** Lets go of the versions no row at or after `w` can join. */
  private prune(entries: ReadonlyArray<{ key: string }>, w: number): void {
    const seen = new Set<string>();
    const now = this.ctx.watermark;
    for (const e of entries) {
      if (seen.has(e.key)) continue;
      seen.add(e.key);
      const vs = this.versions.get(e.key);
      if (vs === undefined) continue;
      let kept = vs.slice(firstVersionKept(vs, w));
      if (kept.length > 0 && kept[0]!.row === null && kept[0]!.t < w) kept = kept.slice(1);
      if (kept.length === 0) this.versions.delete(e.key);
      else if (kept.length !== vs.length) this.versions.set(e.key, kept);
      // Versions whose index entries this watermark drained but `w` (behind it) kept: visit again at the next one.
      if (kept.length > 1 && kept[1]!.t <= lastReleasable(now) && w < now) this.expiry.set(now, e.key, 1);
    }
  }

  private late(row: Row, side: 0 | 1, ts: number, own: number, why: string): void {
    this.ctx.late({
      operator: this.node.id,
      ref: refOf(row, this.node.refInputs[side]),
      eventTime: ts,
      watermark: own,
      windowStart: undefined,
      reason: `event time ${formatMicros(ts)} is behind ${why}`,
    });
  }

  /** The output row: the stream row's visible columns, then the table row's (NULLs when none). */
  private output(left: Row, right: Row | null): Row {
    const outs = this.node.outputs;
    const row = new Array<Value>(outs.length);
    for (let k = 0; k < outs.length; k++) {
      const [side, col] = outs[k]!;
      row[k] = side === 0 ? left[col]! : right === null ? null : right[col]!;
    }
    return row;
  }
}
