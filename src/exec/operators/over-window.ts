// Over-window functions (LAG, LEAD, FIRST_VALUE, LAST_VALUE, SUM/AVG/MIN/MAX/COUNT over a frame
// ending at the current row) sharing one PARTITION BY k ORDER BY ts. Rows wait in a time-keyed
// buffer until the watermark passes them (as LAG's, lag.ts), then are released per partition
// in event-time order, ties in arrival order. A partition's keyed state holds only what its
// frames still need: the last n rows (ROWS, LAG), the rows within the RANGE interval, running
// accumulators (UNBOUNDED PRECEDING), and released rows waiting for their LEAD rows; a LEAD row
// leaves once its n-th following row is released, or with its default at the end of input.

import type { Row, Value } from '../../catalog/types.js';
import { createAccumulator, type Accumulator } from '../../expr/aggregates/accumulator.js';
import { compileExpr, type Evaluator } from '../../expr/compile.js';
import { compileKey, type KeyFn } from '../../expr/key.js';
import type { OverFrame, OverWindowNode } from '../../plan/physical.js';
import type { KeyedTable, TimeKeyedTable } from '../../state/tables.js';
import type { Batch, Operator, OperatorContext } from '../operator.js';
import { isLate, lastReleasable } from '../time.js';
import { refOf, stateName, reportBehindWatermark } from './common.js';
import { mergePending } from './lag.js';

interface Pending {
  readonly rows: Row[];
  readonly seqs: number[];
}

/** One partition's state; plain JSON values, so it spills and checkpoints as it is. */
interface Partition {
  /** Rows admitted so far: the next row's arrival number (ties leave in this order). */
  arrivals: number;
  /** Released rows the frames and LAGs still need, oldest first: [ts, value per function]. */
  recent: Value[][];
  /** Per function, its running accumulator state (UNBOUNDED PRECEDING), or null. */
  acc: unknown[];
  /** Per function, the partition's first row's value (FIRST_VALUE over UNBOUNDED PRECEDING); [] before the first row. */
  first: Value[];
  /** Released output rows waiting for their LEAD rows, oldest first, each with its own values. */
  wait: { out: Row; vals: Value[] }[];
  /** Rows trimmed from the front of `recent` so far: a row's position is dropped + its index. */
  dropped?: number;
  /**
   * Per function, a sliding SUM/AVG/COUNT over a bounded frame: its state and the positions
   * [lo, hi) it holds; rows enter as the frame's end passes them and are retracted as its
   * start does (or when trimmed), so a frame of n rows costs O(1) per row, not O(n).
   */
  slide?: ({ s: unknown; lo: number; hi: number } | null)[];
}

/**
 * The time a partition with rows waiting for LEAD is filed under in the `ends` table: far past
 * any event time, so only the end of input (watermark +inf) drains it.
 */
const END_SLOT = Number.MAX_SAFE_INTEGER;

type Kind = 'lag' | 'lead' | 'first' | 'last' | 'agg';

export class OverWindowOperator implements Operator {
  private readonly node: OverWindowNode;
  private readonly partition: KeyFn;
  private readonly kinds: readonly Kind[];
  private readonly args: readonly Evaluator[];
  private readonly frames: readonly (OverFrame | undefined)[];
  private readonly offsets: readonly number[];
  private readonly defaults: readonly (Evaluator | null)[];
  private readonly accs: readonly (Accumulator | undefined)[];
  /** Per function, whether it slides (SUM/AVG/COUNT over a bounded frame: retractable). */
  private readonly sliding: readonly boolean[];
  /** Rows to keep by count, and by time (micros; -1 none). */
  private readonly keepRows: number;
  private readonly keepMicros: number;
  private readonly maxLead: number;
  private ctx!: OperatorContext;
  private buffer!: TimeKeyedTable<Pending>;
  /** Partitions with rows waiting for LEAD (only with a LEAD). */
  private ends: TimeKeyedTable<number> | undefined;
  private parts!: KeyedTable<Partition>;
  /** Partitions the spill tier closed in `ends` (end of input), flushed after the buffer drains. */
  private endKeys: string[] = [];

  constructor(node: OverWindowNode) {
    this.node = node;
    this.partition = compileKey(node.partitionBy);
    const one: Evaluator = () => 1;
    let keepRows = 0;
    let keepMicros = -1;
    let maxLead = 0;
    const kinds: Kind[] = [];
    const args: Evaluator[] = [];
    const frames: (OverFrame | undefined)[] = [];
    const offsets: number[] = [];
    const defaults: (Evaluator | null)[] = [];
    const accs: (Accumulator | undefined)[] = [];
    for (const f of node.functions) {
      if (f.fn === 'lag' || f.fn === 'lead') {
        kinds.push(f.fn);
        args.push(compileExpr(f.arg));
        frames.push(undefined);
        offsets.push(f.offset);
        defaults.push(f.default === undefined ? null : compileExpr(f.default));
        accs.push(undefined);
        if (f.fn === 'lag') keepRows = Math.max(keepRows, f.offset);
        else maxLead = Math.max(maxLead, f.offset);
        continue;
      }
      kinds.push(f.fn === 'agg' ? 'agg' : f.fn === 'first_value' ? 'first' : 'last');
      args.push(f.fn === 'agg' ? (f.agg.arg ? compileExpr(f.agg.arg) : one) : compileExpr(f.arg));
      if (!('frame' in f)) continue;
      const frame: OverFrame = f.frame;
      frames.push(frame);
      offsets.push(0);
      defaults.push(null);
      accs.push(f.fn === 'agg' ? createAccumulator(f.agg, false) : undefined);
      const p = frame.preceding;
      if (p === 'unbounded') {
        if (frame.units === 'range') keepMicros = Math.max(keepMicros, 0);
      } else if (frame.units === 'rows') keepRows = Math.max(keepRows, p);
      else keepMicros = Math.max(keepMicros, p);
    }
    this.kinds = kinds;
    this.args = args;
    this.frames = frames;
    this.offsets = offsets;
    this.defaults = defaults;
    this.accs = accs;
    this.sliding = node.functions.map((f) => f.fn === 'agg' && f.frame.preceding !== 'unbounded' && f.agg.fn !== 'min' && f.agg.fn !== 'max' && f.agg.fn !== 'stddev');
    this.keepRows = keepRows;
    this.keepMicros = keepMicros;
    this.maxLead = maxLead;
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.buffer = ctx.timeKeyedTable<Pending>(stateName(this.node, 'timeKeyed'), {
      merge: mergePending,
      close: (entries) => this.releaseAll(entries),
      closesThrough: lastReleasable,
    });
    if (this.maxLead > 0) this.ends = ctx.timeKeyedTable<number>(stateName(this.node, 'timeKeyed', 1), {
      merge: (a) => a,
      close: (entries) => {
        for (const e of entries) this.endKeys.push(e.key);
      },
      closesThrough: lastReleasable,
    });
    this.parts = ctx.keyedTable<Partition>(stateName(this.node, 'keyed'), {
      keysOf: (batch) => batch.rows.map((r) => this.partition.encode(r)),
      keysAt: (micros) => {
        const through = lastReleasable(micros);
        const keys = this.buffer.keysThrough(through);
        return this.ends ? [...keys, ...this.ends.keysThrough(through)] : keys;
      },
      keysClosing: (entries) => entries.map((e) => e.key),
    });
  }

  private state(key: string): Partition {
    let p = this.parts.get(key);
    if (p === undefined) {
      p = { arrivals: 0, recent: [], acc: this.accs.map((a) => (a ? a.init() : null)), first: [], wait: [] };
      this.parts.set(key, p);
    }
    return p;
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
        reportBehindWatermark(this.ctx, this.node.id, refOf(row, this.node.refInput), ts, watermark, '', 'the window functions already released the rows after it');
        continue;
      }
      const key = this.partition.encode(row);
      const st = this.state(key);
      const seq = st.arrivals++;
      const pending = this.buffer.get(ts, key);
      if (pending === undefined) this.buffer.set(ts, key, { rows: [row], seqs: [seq] });
      else {
        pending.rows.push(row);
        pending.seqs.push(seq);
      }
    }
  }

  onWatermark(micros: number): void {
    this.releaseAll(this.buffer.drainThrough(lastReleasable(micros)));
    if (this.ends === undefined) return;
    const ended = this.ends.drainThrough(lastReleasable(micros)).map((e) => e.key);
    if (this.endKeys.length > 0) {
      ended.push(...this.endKeys);
      this.endKeys = [];
    }
    if (ended.length === 0) return;
    const out: Row[] = [];
    for (const key of ended) {
      const st = this.parts.get(key);
      if (st === undefined || st.wait.length === 0) continue;
      // End of input: no following row will come, so every waiting LEAD takes its default.
      this.completeLeads(st, 0, out);
      st.wait = [];
    }
    if (out.length > 0) this.ctx.emit({ rows: out, ops: null });
  }

  /** Releases closed entries, ascending in time (from drainThrough, or from the spill tier in chunks). */
  private releaseAll(ready: ReadonlyArray<{ time: number; key: string; value: Pending }>): void {
    if (ready.length === 0) return;
    const out: Row[] = [];
    for (const e of ready) this.releasePeers(e.time, e.key, e.value.rows, out);
    if (out.length > 0) this.ctx.emit({ rows: out, ops: null });
  }

  /** The rows of one partition at one event time (peers), in arrival order. */
  private releasePeers(ts: number, key: string, rows: readonly Row[], out: Row[]): void {
    const st = this.state(key);
    const nf = this.kinds.length;
    const recent = st.recent;
    const base = recent.length;
    for (const row of rows) {
      const vals: Value[] = new Array<Value>(nf + 1);
      vals[0] = ts;
      for (let j = 0; j < nf; j++) vals[j + 1] = this.args[j]!(row);
      recent.push(vals);
    }
    const lastPeer = recent.length - 1;
    // RANGE UNBOUNDED PRECEDING includes every peer: add them all before any of them is emitted.
    if (st.first.length === 0) st.first = recent[base]!.slice(1);
    for (let j = 0; j < nf; j++) {
      const f = this.frames[j];
      if (f === undefined || f.preceding !== 'unbounded' || f.units !== 'range' || !this.accs[j]) continue;
      for (let p = base; p <= lastPeer; p++) st.acc[j] = this.accs[j]!.add(st.acc[j], recent[p]![j + 1]!);
    }
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const pos = base + i;
      const n = row.length;
      const o: Row = new Array<Value>(n + nf);
      for (let c = 0; c < n; c++) o[c] = row[c]!;
      for (let j = 0; j < nf; j++) o[n + j] = this.value(j, st, row, pos, lastPeer, ts);
      if (this.maxLead === 0) out.push(o);
      else {
        st.wait.push({ out: o, vals: recent[pos]! });
        if (st.wait.length > this.maxLead) this.completeLeads(st, this.maxLead, out);
      }
    }
    if (this.ends === undefined) return this.trim(st, ts);
    if (st.wait.length > 0) this.ends.set(END_SLOT, key, 1);
    else this.ends.delete(END_SLOT, key);
    this.trim(st, ts);
  }

  /** Emits the waiting rows while more than `keep` wait (their LEAD rows are known; at the end, defaults). */
  private completeLeads(st: Partition, keep: number, out: Row[]): void {
    const w = st.wait;
    let done = 0;
    while (w.length - done > keep) {
      const item = w[done]!;
      const o = item.out;
      const n = o.length - this.kinds.length;
      for (let j = 0; j < this.kinds.length; j++) {
        if (this.kinds[j] !== 'lead') continue;
        const next = w[done + this.offsets[j]!];
        if (next !== undefined) o[n + j] = next.vals[j + 1]!;
        else {
          const d = this.defaults[j];
          o[n + j] = d === null || d === undefined ? null : d(o);
        }
      }
      out.push(o);
      done++;
    }
    if (done > 0) w.splice(0, done);
  }

  private value(j: number, st: Partition, row: Row, pos: number, lastPeer: number, ts: number): Value {
    const recent = st.recent;
    switch (this.kinds[j]!) {
      case 'lag': {
        const at = pos - this.offsets[j]!;
        if (at >= 0) return recent[at]![j + 1]!;
        const d = this.defaults[j];
        return d === null || d === undefined ? null : d(row);
      }
      case 'lead':
        return null; // filled by completeLeads
      default:
        break;
    }
    const f = this.frames[j]!;
    const kind = this.kinds[j]!;
    // The frame's last row: the current one (ROWS) or its last peer (RANGE).
    const end = f.units === 'rows' ? pos : lastPeer;
    if (kind === 'last') return recent[end]![j + 1]!;
    if (f.preceding === 'unbounded') {
      if (kind === 'first') return st.first[j] ?? null;
      const acc = this.accs[j]!;
      if (f.units === 'rows') st.acc[j] = acc.add(st.acc[j], recent[pos]![j + 1]!);
      return acc.result(st.acc[j]);
    }
    if (this.sliding[j]) return this.slideTo(j, st, f, pos, end, ts);
    let start: number;
    if (f.units === 'rows') start = Math.max(0, pos - f.preceding);
    else {
      const from = ts - f.preceding;
      start = lastPeer;
      while (start > 0 && (recent[start - 1]![0] as number) >= from) start--;
    }
    if (kind === 'first') return recent[start]![j + 1]!;
    const acc = this.accs[j]!;
    let s = acc.init();
    for (let p = start; p <= end; p++) s = acc.add(s, recent[p]![j + 1]!);
    return acc.result(s);
  }

  /** Moves function j's sliding state to the frame ending at `end` and returns its result. */
  private slideTo(j: number, st: Partition, f: OverFrame, pos: number, end: number, ts: number): Value {
    const acc = this.accs[j]!;
    const recent = st.recent;
    const dropped = st.dropped ?? 0;
    const slides = st.slide ?? (st.slide = []);
    while (slides.length <= j) slides.push(null);
    let sl = slides[j];
    if (sl === null || sl === undefined) slides[j] = sl = { s: acc.init(), lo: dropped, hi: dropped };
    for (; sl.hi <= dropped + end; sl.hi++) sl.s = acc.add(sl.s, recent[sl.hi - dropped]![j + 1]!);
    if (f.units === 'rows') {
      const lo = dropped + Math.max(0, pos - (f.preceding as number));
      for (; sl.lo < lo; sl.lo++) sl.s = acc.retract(sl.s, recent[sl.lo - dropped]![j + 1]!);
    } else {
      const from = ts - (f.preceding as number);
      for (; sl.lo < sl.hi && (recent[sl.lo - dropped]![0] as number) < from; sl.lo++) sl.s = acc.retract(sl.s, recent[sl.lo - dropped]![j + 1]!);
    }
    return acc.result(sl.s);
  }

  /** Drops the rows no frame or LAG can reach from a later event time than `ts`. */
  private trim(st: Partition, ts: number): void {
    const recent = st.recent;
    let drop = recent.length - this.keepRows;
    if (drop <= 0) return;
    if (this.keepMicros >= 0) {
      // A later row's RANGE frame starts after ts - keepMicros: older rows may go, newer stay.
      let old = 0;
      while (old < drop && (recent[old]![0] as number) < ts - this.keepMicros) old++;
      drop = old;
      // A peer of ts is needed only by a RANGE frame at ts itself, already emitted.
      if (this.keepMicros === 0) drop = recent.length - this.keepRows;
    }
    if (drop <= 0) return;
    const dropped = st.dropped ?? 0;
    // A sliding frame still holding a trimmed row lets go of it first (no later frame has it).
    if (st.slide) {
      for (let j = 0; j < st.slide.length; j++) {
        const sl = st.slide[j];
        if (!sl) continue;
        for (; sl.lo < dropped + drop && sl.lo < sl.hi; sl.lo++) sl.s = this.accs[j]!.retract(sl.s, recent[sl.lo - dropped]![j + 1]!);
        if (sl.lo < dropped + drop) sl.lo = sl.hi = dropped + drop;
      }
    }
    recent.splice(0, drop);
    st.dropped = dropped + drop;
  }
}
