// Interval join (INNER, LEFT, RIGHT or FULL) at run time. Each input's rows wait in one keyed table (join key → the
// rows of each side) while a row of the other side can still match them; an arriving row is
// first judged late on its own input's watermark, then paired with the other side's waiting
// rows of its key whose event times are within the bounds (and pass the residual), then waits
// itself. A second, time-keyed table indexes the keys by the time their rows expire (exec/time.ts:
// joinExpiry), so a watermark visits only the keys it expires. Under a memory budget both spill:
// the runner brings back the keys a batch or a watermark touches first. Output: append-only; an
// outer join marks each waiting row of its padded side(s) (LEFT: left, RIGHT: right, FULL: both)
// once it pairs, and emits one that never did, padded with NULLs, when it expires (no row of
// the other side can still pair with it), or at once when its key or event time is NULL.

import type { Row, Value } from '../../catalog/types.js';
import { compileExpr, type Evaluator } from '../../expr/compile.js';
import { compileKey, type KeyFn } from '../../expr/key.js';
import type { IntervalJoinNode } from '../../plan/physical.js';
import type { KeyedTable, TimeKeyedTable } from '../../state/tables.js';
import type { Batch, Operator, OperatorContext } from '../operator.js';
import { formatMicros, isLate, joinExpiry, joinTimeSide, lastReleasable } from '../time.js';
import { refOf, stateName } from './common.js';

/** The rows of one join key still waiting, per side. */
export interface Waiting {
  l: Row[];
  r: Row[];
  /** LEFT/FULL JOIN: per left row, whether it has paired (absent when left rows are not padded). */
  lm?: boolean[];
  /** RIGHT/FULL JOIN: per right row, whether it has paired (absent when right rows are not padded). */
  rm?: boolean[];
}

export class IntervalJoinOperator implements Operator {
  private readonly node: IntervalJoinNode;
  private readonly keys: readonly [KeyFn, KeyFn];
  private readonly times: readonly [number, number];
  private readonly residual: Evaluator | undefined;
  /** Per side: whether its unmatched rows are emitted padded with NULLs. */
  private readonly pads: readonly [boolean, boolean];
  /** The output's event time follows this side (exec/time.ts: joinTimeSide). */
  private readonly timeSide: 0 | 1;
  private ctx!: OperatorContext;
  private rows!: KeyedTable<Waiting>;
  private expiry!: TimeKeyedTable<number>;

  constructor(node: IntervalJoinNode) {
    this.node = node;
    this.keys = [compileKey(node.leftKeys), compileKey(node.rightKeys)];
    this.times = [node.leftTime, node.rightTime];
    this.residual = node.residual ? compileExpr(node.residual) : undefined;
    const t = node.joinType;
    this.pads = [t === 'left' || t === 'full', t === 'right' || t === 'full'];
    this.timeSide = joinTimeSide(t);
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.expiry = ctx.timeKeyedTable<number>(stateName(this.node, 'timeKeyed'), {
      merge: () => 1,
      close: (entries) => this.expire(entries),
      closesThrough: lastReleasable,
    });
    this.rows = ctx.keyedTable<Waiting>(stateName(this.node, 'keyed'), {
      keysOf: (batch, input) => {
        const out: string[] = [];
        const key = this.keys[input === 1 ? 1 : 0];
        for (const r of batch.rows) out.push(key.encode(r));
        return out;
      },
      keysAt: (micros) => this.expiry.keysThrough(lastReleasable(micros)),
      keysClosing: (entries) => entries.map((e) => e.key),
    });
  }

  onData(batch: Batch, input: number): void {
    const side: 0 | 1 = input === 1 ? 1 : 0;
    const rows = batch.rows;
    const t = this.times[side];
    const keyFn = this.keys[side];
    const own = this.ctx.inputWatermark ? this.ctx.inputWatermark(side) : this.ctx.watermark;
    const { lowerMicros: lower, upperMicros: upper } = this.node;
    const pads = this.pads[side];
    const out: Row[] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const ts = row[t];
      // A NULL event time compares to nothing: the row never pairs (on a padded side: padded at once).
      if (typeof ts !== 'number') {
        if (pads) out.push(this.padded(row, side));
        continue;
      }
      if (isLate(ts, own)) {
        this.ctx.late({
          operator: this.node.id,
          ref: refOf(row, this.node.refInputs[side]),
          eventTime: ts,
          watermark: own,
          windowStart: undefined,
          reason: `event time ${formatMicros(ts)} is behind the ${side === 0 ? 'left' : 'right'} input's watermark ${formatMicros(own)}: the JOIN already let go of the rows it could pair with`,
        });
        continue;
      }
      // A NULL key equals nothing: the row never pairs, and need not wait (on a padded side: padded at once).
      if (keyFn.values(row).some((v) => v === null)) {
        if (pads) out.push(this.padded(row, side));
        continue;
      }
      const key = keyFn.encode(row);
      let w = this.rows.get(key);
      if (w === undefined) w = this.empty();
      const others = side === 0 ? w.r : w.l;
      const otherMatched = side === 0 ? w.rm : w.lm;
      const ot = this.times[1 - side]!;
      let paired = false;
      for (let j = 0; j < others.length; j++) {
        const o = others[j]!;
        const d = side === 0 ? (o[ot] as number) - ts : ts - (o[ot] as number);
        if (d < lower || d > upper) continue;
        const pair = side === 0 ? row.concat(o) : o.concat(row);
        if (this.residual !== undefined && this.residual(pair) !== true) continue;
        out.push(this.output(pair, side === 0 ? row.length : o.length));
        paired = true;
        if (otherMatched !== undefined) otherMatched[j] = true;
      }
      (side === 0 ? w.l : w.r).push(row);
      (side === 0 ? w.lm : w.rm)?.push(paired);
      this.rows.set(key, w);
      this.expiry.set(joinExpiry(side, ts, this.timeSide, lower, upper), key, 1);
    }
    if (out.length > 0) this.ctx.emit({ rows: out, ops: null });
  }

  onWatermark(micros: number): void {
    this.expire(this.expiry.drainThrough(lastReleasable(micros)));
  }

  /** Drops the rows of the given keys that no later row can pair with at the current watermark. */
  private expire(entries: ReadonlyArray<{ key: string }>): void {
    if (entries.length === 0) return;
    const through = lastReleasable(this.ctx.watermark);
    const seen = new Set<string>();
    const padded: Row[] = [];
    for (const e of entries) {
      if (seen.has(e.key)) continue;
      seen.add(e.key);
      const w = this.rows.get(e.key);
      if (w === undefined) continue;
      const [l, lm] = this.keep(0, w.l, w.lm, through, padded);
      const [r, rm] = this.keep(1, w.r, w.rm, through, padded);
      if (l.length === 0 && r.length === 0) this.rows.delete(e.key);
      else {
        const next: Waiting = { l, r };
        if (lm !== undefined) next.lm = lm;
        if (rm !== undefined) next.rm = rm;
        this.rows.set(e.key, next);
      }
    }
    // Emitted before the runner passes the watermark on: each at or after the previous one.
    if (padded.length > 0) this.ctx.emit({ rows: padded, ops: null });
  }

  /** One side's waiting rows that have not expired (with their matched flags); an expired one never paired goes to `padded`. */
  private keep(side: 0 | 1, rows: Row[], matched: boolean[] | undefined, through: number, padded: Row[]): [Row[], boolean[] | undefined] {
    const t = this.times[side];
    const { lowerMicros: lower, upperMicros: upper } = this.node;
    const kept: Row[] = [];
    const flags: boolean[] | undefined = matched === undefined ? undefined : [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (joinExpiry(side, row[t] as number, this.timeSide, lower, upper) > through) {
        kept.push(row);
        flags?.push(matched![i] === true);
      } else if (matched !== undefined && matched[i] !== true) padded.push(this.padded(row, side));
    }
    return [kept, flags];
  }

  private empty(): Waiting {
    const w: Waiting = { l: [], r: [] };
    if (this.pads[0]) w.lm = [];
    if (this.pads[1]) w.rm = [];
    return w;
  }

  /** An outer join's row of `side` that paired with nothing, the other side's columns NULL. */
  private padded(row: Row, side: 0 | 1): Row {
    const outs = this.node.outputs;
    const out = new Array<Value>(outs.length);
    for (let k = 0; k < outs.length; k++) {
      const [s, col] = outs[k]!;
      out[k] = s === side ? row[col]! : null;
    }
    return out;
  }

  private output(pair: Row, leftWidth: number): Row {
    const outs = this.node.outputs;
    const row = new Array<Value>(outs.length);
    for (let k = 0; k < outs.length; k++) {
      const [side, col] = outs[k]!;
      row[k] = pair[side === 0 ? col : leftWidth + col]!;
    }
    return row;
  }
}
