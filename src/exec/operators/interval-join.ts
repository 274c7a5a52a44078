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
import { isLate, joinExpiry, joinTimeSide, lastReleasable } from '../time.js';
import { refOf, stateName, reportBehindWatermark } from './common.js';

/** The rows of one join key still waiting, per side. */
export interface Waiting {
  l: Row[];
  r: Row[];
  /** LEFT/FULL JOIN: per left row, whether it has paired (absent when left rows are not padded). */
  lm?: boolean[];
  /** RIGHT/FULL JOIN: per right row, whether it has paired (absent when right rows are not padded). */
  rm?: boolean[];
  /**
   * Each side's event times, in the order of its rows: the searches and the expiry scan read
   * these packed numbers, not a column of each row (a pointer chase and a cache miss per look).
   * Absent in checkpoints written before they were kept (`withTimes` rebuilds them).
   */
  lt?: number[];
  rt?: number[];
  /**
   * The earliest time this key is indexed under in the expiry table (at or before the earliest
   * expiry of its rows). A row that expires later adds no entry: the visit at `next` indexes the
   * key again at its next expiry, so the index holds about one entry per key, not one per row.
   */
  next?: number;
}

export class IntervalJoinOperator implements Operator {
  private readonly node: IntervalJoinNode;
  private readonly keys: readonly [KeyFn, KeyFn];
  /** Each side's key expressions, to test for a NULL without building the key values. */
  private readonly keyParts: readonly [readonly Evaluator[], readonly Evaluator[]];
  private readonly times: readonly [number, number];
  private readonly residual: Evaluator | undefined;
  /** Per side: whether its unmatched rows are emitted padded with NULLs. */
  private readonly pads: readonly [boolean, boolean];
  /** The output's event time follows this side (exec/time.ts: joinTimeSide). */
  private readonly timeSide: 0 | 1;
  /** Per side: a waiting row at time ts expires under ts + this (exec/time.ts: joinExpiry), computed once. */
  private readonly expiryShift: readonly [number, number];
  private ctx!: OperatorContext;
  private rows!: KeyedTable<Waiting>;
  private expiry!: TimeKeyedTable<number>;

  constructor(node: IntervalJoinNode) {
    this.node = node;
    this.keys = [compileKey(node.leftKeys), compileKey(node.rightKeys)];
    this.keyParts = [node.leftKeys.map((k) => compileExpr(k)), node.rightKeys.map((k) => compileExpr(k))];
    this.times = [node.leftTime, node.rightTime];
    this.residual = node.residual ? compileExpr(node.residual) : undefined;
    const t = node.joinType;
    this.pads = [t === 'left' || t === 'full', t === 'right' || t === 'full'];
    this.timeSide = joinTimeSide(t);
    this.expiryShift = [joinExpiry(0, 0, this.timeSide, node.lowerMicros, node.upperMicros), joinExpiry(1, 0, this.timeSide, node.lowerMicros, node.upperMicros)];
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
    let own = this.ctx.inputWatermark ? this.ctx.inputWatermark(side) : this.ctx.watermark;
    // A source's batch with per-row marks (Batch.marks): the watermark after each row applied here, in order.
    const marks = batch.marks;
    const { lowerMicros: lower, upperMicros: upper } = this.node;
    const pads = this.pads[side];
    const out: Row[] = [];
    for (let i = 0; i < rows.length; i++) {
      if (marks !== undefined && i > 0) own = this.mark(side, marks[i - 1]!, out);
      const row = rows[i]!;
      const ts = row[t];
      // A NULL event time compares to nothing: the row never pairs (on a padded side: padded at once).
      if (typeof ts !== 'number') {
        if (pads) out.push(this.padded(row, side));
        continue;
      }
      if (isLate(ts, own)) {
        reportBehindWatermark(this.ctx, this.node.id, refOf(row, this.node.refInputs[side]), ts, own, `the ${side === 0 ? 'left' : 'right'} input's `, 'the JOIN already let go of the rows it could pair with');
        continue;
      }
      // A NULL key equals nothing: the row never pairs, and need not wait (on a padded side: padded at once).
      if (hasNull(this.keyParts[side], row)) {
        if (pads) out.push(this.padded(row, side));
        continue;
      }
      const key = keyFn.encode(row);
      let w = this.rows.get(key);
      if (w === undefined) w = this.empty();
      else if (w.lt === undefined || w.rt === undefined) withTimes(w, this.times);
      const lts = w.lt!;
      const rts = w.rt!;
      // Each side's rows are kept ascending by event time: the rows in the bounds are one run.
      let paired = false;
      if (side === 0) {
        const others = w.r;
        const hi = ts + upper;
        for (let j = firstAtOrAfter(rts, ts + lower); j < others.length; j++) {
          if (rts[j]! > hi) break;
          const o = others[j]!;
          if (this.residual !== undefined && this.residual(row.concat(o)) !== true) continue;
          out.push(this.pairRow(row, o));
          paired = true;
          if (w.rm !== undefined) w.rm[j] = true;
        }
      } else {
        const others = w.l;
        const hi = ts - lower;
        for (let j = firstAtOrAfter(lts, ts - upper); j < others.length; j++) {
          if (lts[j]! > hi) break;
          const o = others[j]!;
          if (this.residual !== undefined && this.residual(o.concat(row)) !== true) continue;
          out.push(this.pairRow(o, row));
          paired = true;
          if (w.lm !== undefined) w.lm[j] = true;
        }
      }
      const mine = side === 0 ? w.l : w.r;
      const mineTimes = side === 0 ? lts : rts;
      const flags = side === 0 ? w.lm : w.rm;
      // After the rows of an equal time: ties keep their arrival order. Rows come mostly in time order: the last one is checked first.
      const n = mineTimes.length;
      const at0 = n === 0 || mineTimes[n - 1]! <= ts ? n : firstAtOrAfter(mineTimes, ts + 1);
      if (at0 === n) {
        mine.push(row);
        mineTimes.push(ts);
      } else {
        mine.splice(at0, 0, row);
        mineTimes.splice(at0, 0, ts);
      }
      if (flags !== undefined) {
        if (at0 === flags.length) flags.push(paired);
        else flags.splice(at0, 0, paired);
      }
      const at = ts + this.expiryShift[side];
      if (!(w.next !== undefined && w.next <= at)) {
        w.next = at;
        this.expiry.set(at, key, 1);
      }
      this.rows.set(key, w);
    }
    if (marks !== undefined && rows.length > 0) this.mark(side, marks[rows.length - 1]!, out);
    if (out.length > 0) this.ctx.emit({ rows: out, ops: null });
  }

  onWatermark(micros: number): void {
    this.expire(this.expiry.drainThrough(lastReleasable(micros)));
  }

  /** The watermark after a row of a marked batch: what onWatermark does when it moves the join's, its padded rows into `out`; returns the side's own watermark. */
  private mark(side: 0 | 1, micros: number, out: Row[]): number {
    const combined = this.ctx.advanceInput!(side, micros);
    if (combined !== undefined) this.expire(this.expiry.drainThrough(lastReleasable(combined)), out);
    return this.ctx.inputWatermark!(side);
  }

  /** Drops the rows of the given keys that no later row can pair with at the current watermark; padded rows go to `into`, else are emitted. */
  private expire(entries: ReadonlyArray<{ key: string }>, into?: Row[]): void {
    if (entries.length === 0) return;
    const through = lastReleasable(this.ctx.watermark);
    const ls = this.expiryShift[0];
    const rs = this.expiryShift[1];
    const padded: Row[] = into ?? [];
    const start = padded.length;
    for (const e of entries) {
      const w = this.rows.get(e.key);
      if (w === undefined) continue;
      // WARNING: this visit is the key's only index entry through `through`: a key with rows
      // left must be indexed again at their earliest expiry, or they would never be evicted.
      // A second entry of the key in `entries` stops here too (or finds it deleted): the visit
      // set `next` past `through`, as every row left expires after it.
      if (w.next !== undefined && w.next > through) continue;
      if (w.lt === undefined || w.rt === undefined) withTimes(w, this.times);
      const lts = w.lt!;
      const rts = w.rt!;
      // Rows ascending by time expire as a prefix (joinExpiry grows with the time); an expired
      // row of a padded side that never paired comes out with NULLs.
      let nl = 0;
      while (nl < lts.length && lts[nl]! + ls <= through) {
        if (w.lm !== undefined && w.lm[nl] !== true) padded.push(this.padded(w.l[nl]!, 0));
        nl++;
      }
      let nr = 0;
      while (nr < rts.length && rts[nr]! + rs <= through) {
        if (w.rm !== undefined && w.rm[nr] !== true) padded.push(this.padded(w.r[nr]!, 1));
        nr++;
      }
      if (nl === w.l.length && nr === w.r.length) {
        this.rows.delete(e.key);
        continue;
      }
      if (nl > 0) {
        dropPrefix(w.l, nl);
        dropPrefix(lts, nl);
        if (w.lm !== undefined) dropPrefix(w.lm, nl);
      }
      if (nr > 0) {
        dropPrefix(w.r, nr);
        dropPrefix(rts, nr);
        if (w.rm !== undefined) dropPrefix(w.rm, nr);
      }
      const next = Math.min(lts.length === 0 ? Number.POSITIVE_INFINITY : lts[0]! + ls, rts.length === 0 ? Number.POSITIVE_INFINITY : rts[0]! + rs);
      w.next = next;
      this.rows.set(e.key, w);
      this.expiry.set(next, e.key, 1);
    }
    // Emitted before the runner passes the watermark on: each at or after the previous one.
    if (into === undefined && padded.length > start) this.ctx.emit({ rows: padded, ops: null });
  }

  private empty(): Waiting {
    const w: Waiting = { l: [], r: [], lt: [], rt: [] };
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

  /** The output row of a left and a right row. */
  private pairRow(left: Row, right: Row): Row {
    const outs = this.node.outputs;
    const row = new Array<Value>(outs.length);
    for (let k = 0; k < outs.length; k++) {
      const [side, col] = outs[k]!;
      row[k] = (side === 0 ? left[col] : right[col])!;
    }
    return row;
  }
}

function hasNull(parts: readonly Evaluator[], row: Row): boolean {
  for (let i = 0; i < parts.length; i++) if ((parts[i]!(row) ?? null) === null) return true;
  return false;
}

/** Removes the first `n` items in place (splice would allocate an array of them). */
function dropPrefix<T>(items: T[], n: number): void {
  const len = items.length - n;
  for (let i = 0; i < len; i++) items[i] = items[i + n]!;
  items.length = len;
}

/** The index of the first time >= x; times ascending. */
function firstAtOrAfter(times: readonly number[], x: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A key's rows from a checkpoint written before the times were kept beside them: sorted first if need be (no `next`), then their times. */
function withTimes(w: Waiting, times: readonly [number, number]): void {
  if (w.next === undefined) sortWaiting(w, times);
  w.lt = w.l.map((row) => row[times[0]] as number);
  w.rt = w.r.map((row) => row[times[1]] as number);
}

/** A key's rows from a checkpoint written before they were kept in time order (no `next`): each side sorted once, stably, with its matched flags. */
function sortWaiting(w: Waiting, times: readonly [number, number]): void {
  const [lt, rt] = times;
  const l = w.l.map((row, i) => ({ row, m: w.lm?.[i] === true })).sort((a, b) => (a.row[lt] as number) - (b.row[lt] as number));
  w.l = l.map((o) => o.row);
  if (w.lm !== undefined) w.lm = l.map((o) => o.m);
  const r = w.r.map((row, i) => ({ row, m: w.rm?.[i] === true })).sort((a, b) => (a.row[rt] as number) - (b.row[rt] as number));
  w.r = r.map((o) => o.row);
  if (w.rm !== undefined) w.rm = r.map((o) => o.m);
}
