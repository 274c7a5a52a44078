// Regular (unwindowed) join at run time: INNER, LEFT, RIGHT or FULL over streams or changelogs.
// State: one keyed table, join key → each side's distinct rows with their copy counts and (for
// outer padding) how many copies of the other side each matches. An input +I/+U adds a copy and
// emits its pairs; a -U/-D removes one and retracts them. Each input change (a -U with its +U
// taken together) is consolidated into net output changes: retractions first, then insertions,
// paired as -U/+U only when the input was an update pair, else -D and +I, so the output is a
// well-formed changelog. An outer row with no match is emitted null-padded (+I), and swapped for
// its pairs (-D padded, +I pair) when its first match arrives, back when its last one leaves.
// Nothing is late: no row is ever let go of. With `state_ttl`, a second, time-keyed table
// indexes each key by the watermark at its last touch, and a key idle for longer is dropped
// without output: its rows no longer join, and their retractions are ignored.

import type { Row, Value } from '../../catalog/types.js';
import { compileExpr, type Evaluator } from '../../expr/compile.js';
import { compileKey, type KeyFn } from '../../expr/key.js';
import type { RegularJoinNode } from '../../plan/physical.js';
import type { KeyedTable, TimeKeyedTable } from '../../state/tables.js';
import { isRetraction, Op, type Batch, type Operator, type OperatorContext } from '../operator.js';
import { idleThrough, IDLE_BEFORE_WATERMARK } from '../time.js';
import { stateName, valueId } from './common.js';

/** One side of a key: distinct rows (by visible columns; an append-only side: every row), copies of each, matches of each. */
interface SideRows {
  rows: Row[];
  ids: string[];
  n: number[];
  m: number[];
}

/** A key's rows, per side, and (state_ttl) the watermark at its last touch. */
export interface JoinKeyState {
  s: [SideRows, SideRows];
  t?: number;
}

/** A net change of output rows: +count copies inserted, -count retracted. */
interface Delta {
  row: Row;
  count: number;
}

export class RegularJoinOperator implements Operator {
  private readonly node: RegularJoinNode;
  private readonly keys: readonly [KeyFn, KeyFn];
  private readonly residual: Evaluator | undefined;
  /** Per side: whether its unmatched rows are emitted null-padded. */
  private readonly outer: readonly [boolean, boolean];
  private readonly append: boolean;
  /** Per side: a row's identity (its visible columns) and its width. */
  private readonly identity: readonly [(row: Row) => string, (row: Row) => string];
  private readonly widths: readonly [number, number];
  private readonly outId: (row: Row) => string;
  private ctx!: OperatorContext;
  private table!: KeyedTable<JoinKeyState>;
  private idle: TimeKeyedTable<number> | undefined;

  constructor(node: RegularJoinNode) {
    this.node = node;
    this.keys = [compileKey(node.leftKeys), compileKey(node.rightKeys)];
    this.residual = node.residual ? compileExpr(node.residual) : undefined;
    const t = node.joinType;
    this.outer = [t === 'left' || t === 'full', t === 'right' || t === 'full'];
    this.append = node.appendOnly;
    this.identity = [identityOf(node.refInputs[0]), identityOf(node.refInputs[1])];
    // Padding needs each side only as wide as the columns the output copies.
    const widths: [number, number] = [0, 0];
    for (const [side, col] of node.outputs) widths[side] = Math.max(widths[side], col + 1);
    this.widths = widths;
    this.outId = identityOf(undefined);
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    const ttl = this.node.ttlMicros;
    if (ttl !== undefined) {
      this.idle = ctx.timeKeyedTable<number>(stateName(this.node, 'timeKeyed'), {
        merge: (a, b) => Math.max(a, b),
        close: (entries) => this.expire(entries),
        closesThrough: (w) => idleThrough(w, ttl),
      });
    }
    this.table = ctx.keyedTable<JoinKeyState>(stateName(this.node, 'keyed'), {
      keysOf: (batch, input) => {
        const key = this.keys[input === 1 ? 1 : 0];
        return batch.rows.map((row) => key.encode(row));
      },
      ...(ttl === undefined ? {} : { keysAt: (w: number) => this.idle!.keysThrough(idleThrough(w, ttl)), keysClosing: (entries: ReadonlyArray<{ key: string }>) => entries.map((e) => e.key) }),
    });
  }

  onData(batch: Batch, input: number): void {
    const side: 0 | 1 = input === 1 ? 1 : 0;
    const { rows, ops } = batch;
    const outRows: Row[] = [];
    const outOps: Op[] = [];
    const deltas: Delta[] = [];
    for (let i = 0; i < rows.length; i++) {
      const op = ops === null ? Op.Insert : ops[i]!;
      deltas.length = 0;
      if (op === Op.UpdateBefore && ops !== null && ops[i + 1] === Op.UpdateAfter) {
        this.apply(side, rows[i]!, -1, deltas);
        this.apply(side, rows[i + 1]!, 1, deltas);
        i++;
        this.flush(deltas, true, outRows, outOps);
        continue;
      }
      this.apply(side, rows[i]!, isRetraction(op) ? -1 : 1, deltas);
      this.flush(deltas, false, outRows, outOps);
    }
    if (outRows.length > 0) this.ctx.emit({ rows: outRows, ops: this.append ? null : outOps });
  }

  onWatermark(micros: number): void {
    const ttl = this.node.ttlMicros;
    if (this.idle !== undefined && ttl !== undefined) this.expire(this.idle.drainThrough(idleThrough(micros, ttl)));
  }

  /** One copy of `row` added (sign 1) or removed (-1) on `side`, its output changes into `deltas`. */
  private apply(side: 0 | 1, row: Row, sign: 1 | -1, deltas: Delta[]): void {
    const keyFn = this.keys[side];
    // A NULL key equals nothing: the row never pairs and need not be kept.
    if (keyFn.values(row).some((v) => v === null)) {
      if (this.outer[side]) deltas.push({ row: this.padded(side, row), count: sign });
      return;
    }
    const key = keyFn.encode(row);
    let st = this.table.get(key);
    if (st === undefined) {
      // Retracting a row not held: dropped by state_ttl (or an upstream bug); nothing to undo.
      if (sign < 0) return;
      st = { s: [emptySide(), emptySide()] };
    }
    const own = st.s[side];
    // An append-only side never retracts: each row is its own entry, found by nobody (no identity to build or search).
    const appendOnly = this.node.inputsAppendOnly[side];
    const id = appendOnly ? '' : this.identity[side](row);
    const at = appendOnly ? -1 : own.ids.indexOf(id);
    if (sign < 0 && at < 0) return;
    const os: 0 | 1 = side === 0 ? 1 : 0;
    const other = st.s[os];
    const otherOuter = this.outer[os];
    let matched = 0;
    for (let j = 0; j < other.rows.length; j++) {
      const o = other.rows[j]!;
      const pair = side === 0 ? row.concat(o) : o.concat(row);
      if (this.residual !== undefined && this.residual(pair) !== true) continue;
      const copies = other.n[j]!;
      matched += copies;
      // The other row's first match arrives: its padded copies go; its last leaves: they return.
      if (otherOuter && sign > 0 && other.m[j] === 0) deltas.push({ row: this.padded(os, o), count: -copies });
      deltas.push({ row: this.output(pair, side === 0 ? row.length : o.length), count: sign * copies });
      other.m[j]! += sign;
      if (otherOuter && sign < 0 && other.m[j] === 0) deltas.push({ row: this.padded(os, o), count: copies });
    }
    if (this.outer[side] && matched === 0) deltas.push({ row: this.padded(side, row), count: sign });
    if (sign > 0) {
      if (at < 0) {
        own.rows.push(row);
        own.ids.push(id);
        own.n.push(1);
        own.m.push(matched);
      } else own.n[at]!++;
    } else if (--own.n[at]! === 0) {
      own.rows.splice(at, 1);
      own.ids.splice(at, 1);
      own.n.splice(at, 1);
      own.m.splice(at, 1);
    }
    if (st.s[0].rows.length === 0 && st.s[1].rows.length === 0) {
      this.table.delete(key);
      return;
    }
    this.touch(key, st);
    this.table.set(key, st);
  }

  /** state_ttl: the key was touched at the current watermark (before the first one: at the first one). */
  private touch(key: string, st: JoinKeyState): void {
    if (this.idle === undefined) return;
    const w = this.ctx.watermark;
    const t = Number.isFinite(w) ? w : IDLE_BEFORE_WATERMARK;
    if (st.t === t) return;
    st.t = t;
    this.idle.set(t, key, t);
  }

  /** state_ttl: drops the keys whose last touch is the entry's (an older entry is stale). */
  private expire(entries: ReadonlyArray<{ time: number; key: string }>): void {
    for (const e of entries) {
      const st = this.table.get(e.key);
      if (st === undefined || st.t !== e.time) continue;
      if (e.time === IDLE_BEFORE_WATERMARK && Number.isFinite(this.ctx.watermark)) {
        // Touched before any watermark: it counts as touched at the first one.
        st.t = undefined;
        this.touch(e.key, st);
        this.table.set(e.key, st);
        continue;
      }
      this.table.delete(e.key);
    }
  }

  /** The net of one input change: retractions, then insertions; -U/+U pairs for an update pair. */
  private flush(deltas: readonly Delta[], update: boolean, rows: Row[], ops: Op[]): void {
    if (deltas.length === 0) return;
    if (this.append) {
      for (const d of deltas) for (let c = 0; c < d.count; c++) rows.push(d.row);
      return;
    }
    let minusAny = false;
    let plusAny = false;
    for (const d of deltas) {
      if (d.count < 0) minusAny = true;
      else if (d.count > 0) plusAny = true;
    }
    if (!(minusAny && plusAny)) {
      // One direction only: nothing cancels and nothing pairs.
      for (const d of deltas) {
        const op = d.count < 0 ? Op.Delete : Op.Insert;
        for (let c = Math.abs(d.count); c > 0; c--) {
          rows.push(d.row);
          ops.push(op);
        }
      }
      return;
    }
    const net = new Map<string, Delta>();
    for (const d of deltas) {
      const id = this.outId(d.row);
      const cur = net.get(id);
      if (cur === undefined) net.set(id, { row: d.row, count: d.count });
      else cur.count += d.count;
    }
    const minus: Row[] = [];
    const plus: Row[] = [];
    for (const d of net.values()) {
      for (let c = 0; c < -d.count; c++) minus.push(d.row);
      for (let c = 0; c < d.count; c++) plus.push(d.row);
    }
    const pairs = update ? Math.min(minus.length, plus.length) : 0;
    for (let k = 0; k < pairs; k++) {
      rows.push(minus[k]!, plus[k]!);
      ops.push(Op.UpdateBefore, Op.UpdateAfter);
    }
    for (let k = pairs; k < minus.length; k++) {
      rows.push(minus[k]!);
      ops.push(Op.Delete);
    }
    for (let k = pairs; k < plus.length; k++) {
      rows.push(plus[k]!);
      ops.push(Op.Insert);
    }
  }

  /** An outer side's row with the other side's columns NULL. */
  private padded(side: 0 | 1, row: Row): Row {
    const nulls = new Array<Value>(this.widths[1 - side]!).fill(null);
    return side === 0 ? this.output(row.concat(nulls), row.length) : this.output(nulls.concat(row), nulls.length);
  }

  private output(pair: Row, leftWidth: number): Row {
    const outs = this.node.outputs;
    const row = new Array<Value>(outs.length);
    for (let k = 0; k < outs.length; k++) {
      const [s, col] = outs[k]!;
      row[k] = pair[s === 0 ? col : leftWidth + col]!;
    }
    return row;
  }
}

function emptySide(): SideRows {
  return { rows: [], ids: [], n: [], m: [] };
}

/** A row's values but its provenance (`ref`) as one string: equal SQL rows meet, distinct ones do not. */
function identityOf(ref: number | undefined): (row: Row) => string {
  return (row) => {
    let s = '';
    for (let i = 0; i < row.length; i++) if (i !== ref) s += valueId(row[i] ?? null);
    return s;
  };
}
