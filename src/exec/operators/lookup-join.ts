// Lookup join at run time: each stream row (input 0) joins the rows the table (input 1) holds
// for its key when it is joined. The table's rows wait per join key in a keyed table (one per
// primary key when it has one: an upsert replaces, a tombstone deletes). A bounded (file) table
// is loaded whole first: stream rows that come before its end wait in a time-keyed table and
// join once it has ended, so the result does not depend on arrival order. Against a Kafka table
// a row joins what has arrived so far (processing time). Output: append-only.

import type { Row, Value } from '../../catalog/types.js';
import { compileExpr, type Evaluator } from '../../expr/compile.js';
import { compileKey, type KeyFn } from '../../expr/key.js';
import type { LookupJoinNode } from '../../plan/physical.js';
import type { KeyedTable, TimeKeyedTable } from '../../state/tables.js';
import type { Batch, Operator, OperatorContext } from '../operator.js';
import { stateName } from './common.js';

/** The one time the waiting stream rows are held under: they wait for the table's end, not for a time. */
const PENDING = 0;

export class LookupJoinOperator implements Operator {
  private readonly node: LookupJoinNode;
  private readonly keys: readonly [KeyFn, KeyFn];
  private readonly pk: KeyFn | undefined;
  private readonly residual: Evaluator | undefined;
  private readonly outer: boolean;
  private ctx!: OperatorContext;
  private table!: KeyedTable<Row[]>;
  private pending: TimeKeyedTable<Row[]> | undefined;

  constructor(node: LookupJoinNode) {
    this.node = node;
    this.keys = [compileKey(node.leftKeys), compileKey(node.rightKeys)];
    this.pk = node.primaryKey.length > 0 ? compileKey(node.primaryKey) : undefined;
    this.residual = node.residual ? compileExpr(node.residual) : undefined;
    this.outer = node.joinType === 'left';
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    if (this.node.bounded) {
      this.pending = ctx.timeKeyedTable<Row[]>(stateName(this.node, 'timeKeyed'), {
        merge: (a, b) => a.concat(b),
        close: (entries) => this.join(entries.flatMap((e) => e.value)),
        // Nothing closes until the table has ended (its watermark is then +inf).
        closesThrough: () => (this.loaded() ? PENDING : Number.NEGATIVE_INFINITY),
      });
    }
    this.table = ctx.keyedTable<Row[]>(stateName(this.node, 'keyed'), {
      keysOf: (batch, input) => batch.rows.map((r) => this.keys[input === 1 ? 1 : 0].encode(r)),
      keysAt: () => (this.pending && this.loaded() ? this.pending.keysThrough(PENDING) : []),
      keysClosing: (entries) => entries.map((e) => e.key),
    });
  }

  /** A bounded table has been read to its end. */
  private loaded(): boolean {
    return (this.ctx.inputWatermark ? this.ctx.inputWatermark(1) : this.ctx.watermark) === Number.POSITIVE_INFINITY;
  }

  onData(batch: Batch, input: number): void {
    if (input === 1) {
      this.onTable(batch.rows);
      return;
    }
    if (this.pending === undefined || this.loaded()) {
      this.join(batch.rows);
      return;
    }
    const padded: Row[] = [];
    for (const row of batch.rows) {
      // A NULL key joins nothing whatever the table holds: no need to wait.
      if (this.keys[0].values(row).some((v) => v === null)) {
        if (this.outer) padded.push(this.output(row, null));
        continue;
      }
      const key = this.keys[0].encode(row);
      const w = this.pending.get(PENDING, key);
      this.pending.set(PENDING, key, w === undefined ? [row] : w.concat([row]));
    }
    if (padded.length > 0) this.ctx.emit({ rows: padded, ops: null });
  }

  private onTable(rows: readonly Row[]): void {
    const keyFn = this.keys[1];
    const del = this.node.deletedInput;
    for (const row of rows) {
      if (keyFn.values(row).some((v) => v === null)) continue;
      const key = keyFn.encode(row);
      const deleted = del !== undefined && row[del] === true;
      const held = this.table.get(key);
      if (this.pk === undefined) {
        this.table.set(key, held === undefined ? [row] : held.concat([row]));
        continue;
      }
      const id = this.pk.encode(row);
      const rest = (held ?? []).filter((r) => this.pk!.encode(r) !== id);
      if (!deleted) rest.push(row);
      if (rest.length === 0) this.table.delete(key);
      else this.table.set(key, rest);
    }
  }

  onWatermark(): void {
    if (this.pending && this.loaded()) this.join(this.pending.drainThrough(PENDING).flatMap((e) => e.value));
  }

  private join(rows: readonly Row[]): void {
    const out: Row[] = [];
    const keyFn = this.keys[0];
    for (const row of rows) {
      let matched = false;
      if (!keyFn.values(row).some((v) => v === null)) {
        for (const t of this.table.get(keyFn.encode(row)) ?? []) {
          if (this.residual !== undefined && this.residual(row.concat(t)) !== true) continue;
          out.push(this.output(row, t));
          matched = true;
        }
      }
      if (!matched && this.outer) out.push(this.output(row, null));
    }
    if (out.length > 0) this.ctx.emit({ rows: out, ops: null });
  }

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
