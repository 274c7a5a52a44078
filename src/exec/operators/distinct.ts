// UNION (distinct) at run time: each distinct row (its visible columns) once. State: a keyed table,
// row → its live copies. Over a changelog: +I when a row's first copy arrives, -D when its last
// copy is retracted (an update pair -U/+U is two rows, so -D old and +I new). Over an append-only
// input: +I at the first copy, append-only. With an event-time column (timeInput), a row behind
// the watermark is late (its copies before it may already be forgotten), and a second, time-keyed
// table indexes rows by event time, so a watermark forgets the rows it passed.

import type { Row, Value } from '../../catalog/types.js';
import type { DistinctNode } from '../../plan/physical.js';
import type { KeyedTable, TimeKeyedTable } from '../../state/tables.js';
import { isRetraction, Op, type Batch, type Operator, type OperatorContext } from '../operator.js';
import { isLate, lastReleasable } from '../time.js';
import { refOf, stateName, valueId, reportBehindWatermark } from './common.js';

export class DistinctOperator implements Operator {
  private readonly node: DistinctNode;
  /** The input's visible columns: the output row. */
  private readonly visible: readonly number[];
  private ctx!: OperatorContext;
  private rows!: KeyedTable<number>;
  private expiry: TimeKeyedTable<number> | undefined;

  constructor(node: DistinctNode) {
    this.node = node;
    // The input is the output's columns plus, when tracked, its `$ref`.
    const inputWidth = node.schema.length + (node.refInput === undefined ? 0 : 1);
    const v: number[] = [];
    for (let i = 0; i < inputWidth; i++) if (i !== node.refInput) v.push(i);
    this.visible = v;
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    if (this.node.timeInput !== undefined) {
      this.expiry = ctx.timeKeyedTable<number>(stateName(this.node, 'timeKeyed'), {
        merge: () => 1,
        close: (entries) => this.forget(entries),
        closesThrough: lastReleasable,
      });
    }
    this.rows = ctx.keyedTable<number>(stateName(this.node, 'keyed'), {
      keysOf: (batch) => batch.rows.map((r) => rowId(this.project(r))),
      ...(this.expiry === undefined ? {} : { keysAt: (w: number) => this.expiry!.keysThrough(lastReleasable(w)), keysClosing: (entries: ReadonlyArray<{ key: string }>) => entries.map((e) => e.key) }),
    });
  }

  onData(batch: Batch): void {
    const { rows, ops } = batch;
    const t = this.node.timeInput;
    const outRows: Row[] = [];
    const outOps: Op[] = [];
    for (let i = 0; i < rows.length; i++) {
      const input = rows[i]!;
      if (t !== undefined) {
        const ts = input[t];
        if (typeof ts === 'number' && isLate(ts, this.ctx.watermark)) {
          reportBehindWatermark(this.ctx, this.node.id, refOf(input, this.node.refInput), ts, this.ctx.watermark, "the UNION's ", 'it already forgot the rows before it');
          continue;
        }
      }
      const row = this.project(input);
      const id = rowId(row);
      const copies = this.rows.get(id) ?? 0;
      if (ops !== null && isRetraction(ops[i]!)) {
        // Retracting a row never counted is an upstream bug; nothing to undo.
        if (copies === 0) continue;
        if (copies === 1) {
          this.rows.delete(id);
          outRows.push(row);
          outOps.push(Op.Delete);
        } else this.rows.set(id, copies - 1);
        continue;
      }
      this.rows.set(id, copies + 1);
      if (copies > 0) continue;
      outRows.push(row);
      outOps.push(Op.Insert);
      // A NULL event time is never passed by the watermark: such a row is kept for good.
      if (this.expiry !== undefined && typeof input[t!] === 'number') this.expiry.set(input[t!] as number, id, 1);
    }
    if (outRows.length > 0) this.ctx.emit({ rows: outRows, ops: this.node.appendOnly ? null : outOps });
  }

  onWatermark(micros: number): void {
    if (this.expiry !== undefined) this.forget(this.expiry.drainThrough(lastReleasable(micros)));
  }

  /** Rows the watermark passed: no copy of them can arrive on time any more. */
  private forget(entries: ReadonlyArray<{ key: string }>): void {
    for (const e of entries) this.rows.delete(e.key);
  }

  private project(input: Row): Row {
    const v = this.visible;
    if (v.length === input.length) return input;
    const out = new Array<Value>(v.length);
    for (let k = 0; k < v.length; k++) out[k] = input[v[k]!]!;
    return out;
  }
}

/** A row as one string: equal SQL rows (NULLs equal, as DISTINCT treats them) meet, distinct ones do not. */
function rowId(row: Row): string {
  let s = '';
  for (let i = 0; i < row.length; i++) s += valueId(row[i] ?? null);
  return s;
}
