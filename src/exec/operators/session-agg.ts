// SESSION windows. Per group key: the open sessions (sorted, non-overlapping) with their
// accumulators, and the end of the last closed session. State: a keyed table (group key -> key
// state) and a time-keyed timer table (time -> key) that says which keys to look at when the
// watermark passes a session end or the expiry of a closed-session mark. Under a memory budget
// both spill: cold keys whole, timers as (time, key) marks that merge. Session rules: time.ts.

import type { Row, Value } from '../../catalog/types.js';
import { compileKey, type KeyFn } from '../../expr/key.js';
import type { SessionAggNode } from '../../plan/physical.js';
import type { KeyedTable, TimeKeyedTable } from '../../state/tables.js';
import { Op, type Batch, type Operator, type OperatorContext } from '../operator.js';
import { eventJoinsSession, formatMicros, sessionEnd, windowClosed, windowLateReason } from '../time.js';
import { addAll, compileAggs, evalArgs, initStates, mergeAll, pushResults, refOf, pushChange, stateName, type CompiledAggs } from './common.js';

interface Session {
  start: number;
  end: number;
  readonly accs: unknown[];
  /** EMIT CHANGES: the row last sent downstream. */
  lastEmitted: Row | undefined;
}

interface KeyState {
  readonly keyValues: Value[];
  /** Open sessions, ascending and non-overlapping (so their ends ascend too). */
  sessions: Session[];
  /**
   * WARNING: end of the last closed (emitted) session of this key, -Infinity when none. An event
   * before it would reopen an emitted session, so it is late. Kept until no open session remains
   * and watermark - gap >= it: from then on, every event before it is late by its own window.
   */
  closedEnd: number;
}

export class SessionAggOperator implements Operator {
  private readonly node: SessionAggNode;
  private readonly key: KeyFn;
  private readonly aggs: CompiledAggs;
  private readonly gap: number;
  private readonly changes: boolean;
  private readonly nKeys: number;
  private readonly argValues: Value[];
  private ctx!: OperatorContext;
  private table!: KeyedTable<KeyState>;
  /**
   * (time, key) -> true: look at `key` once the watermark reaches `time`. WARNING: invariant: a
   * key with open sessions has a timer at or before its earliest session end. Extending or
   * merging sessions only moves ends later, so a timer is armed when a session is created and
   * re-armed when one fires; a timer that finds nothing to close is harmless.
   */
  private timers!: TimeKeyedTable<true>;
  /** EMIT CHANGES: keys touched by the current batch, and the rows of sessions absorbed by a merge. */
  private readonly touched = new Map<KeyState, Row[]>();

  constructor(node: SessionAggNode) {
    this.node = node;
    this.key = compileKey(node.keys);
    this.aggs = compileAggs(node.aggs, false);
    this.gap = node.window.gapMicros;
    this.changes = node.emit === 'changes';
    this.nKeys = node.keys.length;
    this.argValues = new Array<Value>(node.aggs.length).fill(null);
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.table = ctx.keyedTable<KeyState>(stateName(this.node, 'keyed'), {
      keysOf: (batch) => batch.rows.map((r) => this.key.encode(r)),
      // Timers that fire name the keys the watermark touches.
      keysAt: (micros) => this.timers.keysThrough(micros),
      keysClosing: (entries) => entries.map((e) => e.key),
    });
    // A timer set again after it spilled is one timer; spilled ones fire before onWatermark.
    this.timers = ctx.timeKeyedTable<true>(stateName(this.node, 'timeKeyed'), { merge: () => true, close: (fired) => this.fire(fired, this.ctx.watermark) });
  }

  onData(batch: Batch): void {
    const rows = batch.rows;
    const timeInput = this.node.timeInput;
    const watermark = this.ctx.watermark;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const ts = row[timeInput];
      if (typeof ts !== 'number') continue;
      this.onRow(row, ts, watermark);
    }
    if (this.changes && this.touched.size > 0) this.emitChanges();
  }

  onWatermark(micros: number): void {
    this.fire(this.timers.drainThrough(micros), micros);
  }

  /** Closes the sessions of the keys whose timers fired at watermark `micros`, and re-arms. */
  private fire(fired: ReadonlyArray<{ key: string }>, micros: number): void {
    if (fired.length === 0) return;
    const gap = this.gap;
    const out: Row[] = [];
    for (let f = 0; f < fired.length; f++) {
      const key = fired[f]!.key;
      const ks = this.table.get(key);
      if (ks === undefined) continue;
      const sessions = ks.sessions;
      let n = 0;
      while (n < sessions.length && sessions[n]!.end <= micros) {
        const s = sessions[n]!;
        if (!this.changes) out.push(this.outputRow(ks, s));
        if (s.end > ks.closedEnd) ks.closedEnd = s.end;
        n++;
      }
      if (n > 0) ks.sessions = sessions.slice(n);
      const next = ks.sessions[0];
      if (next !== undefined) {
        // Re-arm at the earliest open end (timers are armed at creation, not on every extension).
        this.timers.set(next.end, key, true);
        continue;
      }
      if (ks.closedEnd === Number.NEGATIVE_INFINITY) continue;
      if (micros - gap >= ks.closedEnd) this.table.delete(key);
      else this.timers.set(ks.closedEnd + gap, key, true);
    }
    if (out.length === 0) return;
    // Timers fire in their own order, not by session end: order the output by end, stably.
    const endCol = this.nKeys + 1;
    if (out.length > 1) out.sort((a, b) => (a[endCol] as number) - (b[endCol] as number));
    this.ctx.emit({ rows: out, ops: null });
  }

  private onRow(row: Row, ts: number, watermark: number): void {
    const gap = this.gap;
    const key = this.key.encode(row);
    let ks = this.table.get(key);
    if (ks !== undefined && ts < ks.closedEnd) {
      this.reportLate(row, ts, watermark, `session of this key ending ${formatMicros(ks.closedEnd)} closed at watermark ${formatMicros(watermark)}`);
      return;
    }
    // The open sessions this event joins are contiguous: [first, last].
    let first = -1;
    let last = -1;
    if (ks !== undefined) {
      const sessions = ks.sessions;
      for (let j = 0; j < sessions.length; j++) {
        const s = sessions[j]!;
        if (s.start >= ts + gap) break;
        if (eventJoinsSession(ts, gap, s.start, s.end)) {
          if (first < 0) first = j;
          last = j;
        }
      }
    }
    if (first < 0 && windowClosed(sessionEnd(ts, gap), watermark)) {
      this.reportLate(row, ts, watermark, windowLateReason(ts, ts + gap, watermark));
      return;
    }
    if (ks === undefined) {
      ks = { keyValues: this.key.values(row), sessions: [], closedEnd: Number.NEGATIVE_INFINITY };
      this.table.set(key, ks);
    }
    let absorbed: Row[] | undefined;
    if (this.changes) {
      absorbed = this.touched.get(ks);
      if (absorbed === undefined) {
        absorbed = [];
        this.touched.set(ks, absorbed);
      }
    }
    let target: Session;
    if (first < 0) {
      target = { start: ts, end: ts + gap, accs: initStates(this.aggs), lastEmitted: undefined };
      const sessions = ks.sessions;
      let at = 0;
      while (at < sessions.length && sessions[at]!.start < ts) at++;
      sessions.splice(at, 0, target);
      this.timers.set(target.end, key, true);
    } else {
      const sessions = ks.sessions;
      target = sessions[first]!;
      // A bridging event merges every session it overlaps into the first one.
      for (let j = first + 1; j <= last; j++) {
        const other = sessions[j]!;
        mergeAll(this.aggs, target.accs, other.accs);
        if (other.end > target.end) target.end = other.end;
        if (absorbed !== undefined && other.lastEmitted !== undefined) absorbed.push(other.lastEmitted);
      }
      if (last > first) sessions.splice(first + 1, last - first);
      if (ts < target.start) target.start = ts;
      if (ts + gap > target.end) target.end = ts + gap;
    }
    evalArgs(this.aggs, row, this.argValues);
    addAll(this.aggs, target.accs, this.argValues);
  }

  private outputRow(ks: KeyState, s: Session): Row {
    const kv = ks.keyValues;
    const row: Row = [];
    for (let j = 0; j < kv.length; j++) row.push(kv[j]!);
    row.push(s.start, s.end);
    pushResults(this.aggs, s.accs, row);
    return row;
  }

  /** Per touched key: -D for sessions absorbed by a merge, then +I / -U +U (or -D +I when its bounds moved) for its open sessions. */
  private emitChanges(): void {
    const rows: Row[] = [];
    const ops: Op[] = [];
    const from = this.nKeys;
    for (const [ks, absorbed] of this.touched) {
      for (let j = 0; j < absorbed.length; j++) {
        rows.push(absorbed[j]!);
        ops.push(Op.Delete);
      }
      const sessions = ks.sessions;
      for (let j = 0; j < sessions.length; j++) {
        const s = sessions[j]!;
        const row = this.outputRow(ks, s);
        const prev = s.lastEmitted;
        // A session's bounds are part of its identity: one that grew is -D old, +I new.
        if (!pushChange(rows, ops, prev, row, from, from + 2)) continue;
        s.lastEmitted = row;
      }
    }
    this.touched.clear();
    if (rows.length > 0) this.ctx.emit({ rows, ops });
  }

  private reportLate(row: Row, ts: number, watermark: number, reason: string): void {
    this.ctx.late({ operator: this.node.id, ref: refOf(row, this.node.refInput), eventTime: ts, watermark, windowStart: undefined, reason });
  }
}
