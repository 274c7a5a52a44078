// TUMBLE and HOP aggregates. State: one time-keyed table keyed by (window end, group key), so a
// watermark closes windows by draining every entry with end <= W. EMIT FINAL emits one row per
// (window, key) on close; EMIT CHANGES emits +I / -U +U after each batch and drops state on close.
// This is the benchmark's hot path: everything is compiled once, the last lookup is cached.

import type { Row, Value } from '../../catalog/types.js';
import { compileKey, type KeyFn } from '../../expr/key.js';
import type { WindowAggNode } from '../../plan/physical.js';
import type { TimeKeyedTable } from '../../state/tables.js';
import { Op, type Batch, type Operator, type OperatorContext } from '../operator.js';
import { hopFirstStart, tumbleStart, windowClosed, windowLateReason } from '../time.js';
import { addAll, compileAggs, evalArgs, initStates, mergeAll, pushResults, refOf, pushChange, stateName, type CompiledAggs } from './common.js';

/** The value under (window end, group key). */
interface WindowState {
  readonly keyValues: Value[];
  readonly accs: unknown[];
  /** EMIT CHANGES: the row last sent downstream, to retract on update. */
  lastEmitted: Row | undefined;
}

export class WindowAggOperator implements Operator {
  private readonly node: WindowAggNode;
  private readonly key: KeyFn;
  private readonly aggs: CompiledAggs;
  private readonly size: number;
  /** Equal to size for TUMBLE. */
  private readonly slide: number;
  private readonly hop: boolean;
  private readonly changes: boolean;
  private readonly nKeys: number;
  /** Scratch: the evaluated aggregate arguments of the current row. */
  private readonly argValues: Value[];
  private ctx!: OperatorContext;
  private table!: TimeKeyedTable<WindowState>;
  /** Last (end, key) looked up: consecutive rows of one key and window skip the table. */
  private cachedEnd = Number.NaN;
  private cachedKey = '';
  private cached: WindowState | undefined;
  /** EMIT CHANGES: states touched by the current batch, with their window end, first-touched order. */
  private readonly touched = new Map<WindowState, number>();

  constructor(node: WindowAggNode) {
    this.node = node;
    this.key = compileKey(node.keys);
    // Windowed input is append-only: no retractions to undo.
    this.aggs = compileAggs(node.aggs, false);
    this.size = node.window.sizeMicros;
    this.hop = node.window.kind === 'hop';
    this.slide = node.window.kind === 'hop' ? node.window.slideMicros : node.window.sizeMicros;
    this.changes = node.emit === 'changes';
    this.nKeys = node.keys.length;
    this.argValues = new Array<Value>(node.aggs.length).fill(null);
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    // EMIT FINAL partials are mergeable and can spill; EMIT CHANGES needs the emitted row in memory.
    const spill = this.changes
      ? undefined
      : {
          merge: (a: WindowState, b: WindowState): WindowState => {
            const accs = [...a.accs];
            mergeAll(this.aggs, accs, b.accs);
            return { keyValues: a.keyValues, accs, lastEmitted: undefined };
          },
          close: (entries: ReadonlyArray<{ time: number; value: WindowState }>): void => this.emitClosed(entries),
        };
    this.table = ctx.timeKeyedTable<WindowState>(stateName(this.node, 'timeKeyed'), spill);
  }

  onData(batch: Batch): void {
    const rows = batch.rows;
    const timeInput = this.node.timeInput;
    const watermark = this.ctx.watermark;
    const { size, slide } = this;
    // WARNING: between batches the table may have moved the cached state to DuckDB.
    this.cached = undefined;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const ts = row[timeInput];
      // Sources dead-letter rows without an event time; none can reach here.
      if (typeof ts !== 'number') continue;
      if (!this.hop) {
        const end = tumbleStart(ts, size) + size;
        if (windowClosed(end, watermark)) {
          this.reportLate(row, ts, end, watermark, undefined);
          continue;
        }
        evalArgs(this.aggs, row, this.argValues);
        this.accumulate(row, end);
        continue;
      }
      let evaluated = false;
      const last = tumbleStart(ts, slide);
      for (let s = hopFirstStart(ts, slide, size); s <= last; s += slide) {
        const end = s + size;
        if (windowClosed(end, watermark)) {
          // A late HOP row still enters its windows that are open.
          this.reportLate(row, ts, end, watermark, s);
          continue;
        }
        if (!evaluated) {
          evalArgs(this.aggs, row, this.argValues);
          evaluated = true;
        }
        this.accumulate(row, end);
      }
    }
    if (this.changes && this.touched.size > 0) this.emitChanges();
  }

  onWatermark(micros: number): void {
    const closed = this.table.drainThrough(micros);
    this.cached = undefined;
    this.cachedEnd = Number.NaN;
    if (!this.changes) this.emitClosed(closed);
  }

  /** EMIT FINAL: one row per closed (window, key). */
  private emitClosed(closed: ReadonlyArray<{ time: number; value: WindowState }>): void {
    if (closed.length === 0) return;
    const out: Row[] = new Array<Row>(closed.length);
    for (let i = 0; i < closed.length; i++) {
      const e = closed[i]!;
      out[i] = this.outputRow(e.value, e.time);
    }
    this.ctx.emit({ rows: out, ops: null });
  }

  private accumulate(row: Row, end: number): void {
    const key = this.key.encode(row);
    let state: WindowState | undefined;
    if (end === this.cachedEnd && key === this.cachedKey && this.cached !== undefined) {
      state = this.cached;
    } else {
      state = this.table.get(end, key);
      if (state === undefined) {
        state = { keyValues: this.key.values(row), accs: initStates(this.aggs), lastEmitted: undefined };
        this.table.set(end, key, state);
      }
      this.cachedEnd = end;
      this.cachedKey = key;
      this.cached = state;
    }
    addAll(this.aggs, state.accs, this.argValues);
    if (this.changes && !this.touched.has(state)) this.touched.set(state, end);
  }

  private outputRow(state: WindowState, end: number): Row {
    const kv = state.keyValues;
    const row: Row = [];
    for (let j = 0; j < kv.length; j++) row.push(kv[j]!);
    row.push(end - this.size, end);
    pushResults(this.aggs, state.accs, row);
    return row;
  }

  private emitChanges(): void {
    const rows: Row[] = [];
    const ops: Op[] = [];
    const from = this.nKeys + 2;
    for (const [state, end] of this.touched) {
      const row = this.outputRow(state, end);
      const prev = state.lastEmitted;
      if (!pushChange(rows, ops, prev, row, from)) continue;
      state.lastEmitted = row;
    }
    this.touched.clear();
    if (rows.length > 0) this.ctx.emit({ rows, ops });
  }

  private reportLate(row: Row, ts: number, end: number, watermark: number, windowStart: number | undefined): void {
    const size = this.size;
    this.ctx.late({
      operator: this.node.id,
      ref: refOf(row, this.node.refInput),
      eventTime: ts,
      watermark,
      windowStart,
      // Formatted only when read (a late output or the REPL): most late rows are only counted.
      get reason() {
        return windowLateReason(end - size, end, watermark);
      },
    });
  }
}
