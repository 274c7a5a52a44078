// TUMBLE and HOP aggregates. State: one time-keyed table keyed by (window end, group key), so a
// watermark closes windows by draining every entry with end <= W. EMIT FINAL emits one row per
// (window, key) on close; EMIT CHANGES emits +I / -U +U after each batch and drops state on close.
// This is the benchmark's hot path: everything is compiled once, the last lookup is cached.
// EMIT FINAL with aggregates that all have a fixed-width form keeps its state columnar
// (state/columnar.ts): no object per open group, accumulators updated in place.
// With grouping sets (grouping-keys.ts) each row updates one group per set, in the same table.

import type { Row, Value } from '../../catalog/types.js';
import type { KeyFn } from '../../expr/key.js';
import { groupKeyWidth, type WindowAggNode } from '../../plan/physical.js';
import { groupingKeyFns } from './grouping-keys.js';
import type { ColumnarLayout, ColumnarTimeKeyedTable } from '../../state/columnar.js';
import type { NumericSegment, Segment, StringSegment } from '../../state/columnar-segment.js';
import type { TimeKeyedTable } from '../../state/tables.js';
import { compileExpr, type Evaluator } from '../../expr/compile.js';
import { Op, type Batch, type Operator, type OperatorContext } from '../operator.js';
import { hopFirstStart, tumbleStart, windowClosed, windowLateReason, windowStartOf, windowTime } from '../time.js';
import { addAll, compileAggs, compileColumnar, evalArgs, initStates, mergeAll, pushResults, refOf, pushChange, stateName, type ColumnarAggs, type CompiledAggs } from './common.js';

/** Closed entries per emitted batch when a columnar table closes a window. */
const CLOSE_CHUNK = 4096;
const NUMERIC_KEY = new Set(['int', 'bigint', 'double', 'timestamp', 'interval']);

/** The value under (window end, group key). */
interface WindowState {
  readonly keyValues: Value[];
  readonly accs: unknown[];
  /** EMIT CHANGES: the row last sent downstream, to retract on update. */
  lastEmitted: Row | undefined;
}

export class WindowAggOperator implements Operator {
  private readonly node: WindowAggNode;
  /** One per grouping set (one without grouping sets): a row updates the group of each. */
  private readonly keys: readonly KeyFn[];
  private key: KeyFn;
  private readonly aggs: CompiledAggs;
  private readonly size: number;
  /** Equal to size for TUMBLE. */
  private readonly slide: number;
  private readonly hop: boolean;
  private readonly cumulate: boolean;
  /** Window alignment (time.ts): starts are offset + k * slide (size for TUMBLE). */
  private readonly offset: number;
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
  /** The fixed-width layout of the aggregates, when the state is columnar (EMIT FINAL only). */
  private readonly cols: ColumnarAggs | undefined;
  /** One numeric key: its evaluator (the columnar table then indexes numbers, not strings). */
  private readonly numKey: Evaluator | undefined;
  private ctable: ColumnarTimeKeyedTable<WindowState> | undefined;
  /** The segment of the last window end touched, and the last key's slot in it. */
  private seg: Segment | undefined;
  private segEnd = Number.NaN;
  private slotKey: string | undefined;
  private slot = -1;

  constructor(node: WindowAggNode) {
    this.node = node;
    this.keys = groupingKeyFns(node.keys, node.groupingSets);
    this.key = this.keys[0]!;
    // Windowed input is append-only: no retractions to undo.
    this.aggs = compileAggs(node.aggs, false);
    this.size = node.window.sizeMicros;
    this.hop = node.window.kind === 'hop';
    this.cumulate = node.window.kind === 'cumulate';
    // CUMULATE: the step; its windows' ends are offset + multiples of it.
    this.slide = node.window.kind === 'hop' ? node.window.slideMicros : node.window.kind === 'cumulate' ? node.window.stepMicros : node.window.sizeMicros;
    this.offset = node.window.offsetMicros ?? 0;
    this.changes = node.emit === 'changes';
    this.nKeys = groupKeyWidth(node);
    this.argValues = new Array<Value>(node.aggs.length).fill(null);
    this.cols = this.changes ? undefined : compileColumnar(node.aggs);
    const k = node.keys[0];
    this.numKey = this.cols !== undefined && node.keys.length === 1 && node.groupingSets === undefined && NUMERIC_KEY.has(k!.type.kind) ? compileExpr(k!) : undefined;
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
    const name = stateName(this.node, 'timeKeyed');
    if (spill !== undefined && this.cols !== undefined) {
      this.ctable = ctx.columnarTable<WindowState>(name, this.layout(this.cols), spill);
      this.table = this.ctable;
    } else this.table = ctx.timeKeyedTable<WindowState>(name, spill);
  }

  /** WindowState as a slot's fields: accs in the fields, keyValues from the key index. */
  private layout(cols: ColumnarAggs): ColumnarLayout<WindowState> {
    return {
      width: cols.width,
      keyColumns: this.nKeys,
      numericKey: this.numKey !== undefined,
      // WindowState walks as keyValues ([k]), then accs, then lastEmitted (undefined: skipped).
      plain: this.numKey !== undefined && cols.plain,
      init: cols.init,
      toValue: (keyValues, d, at) => ({ keyValues, accs: cols.toStates(d, at), lastEmitted: undefined }),
      fromValue: (v, d, at) => cols.fromStates(v.accs, d, at),
      keyValues: (v) => v.keyValues,
      // As shape-codec walks a WindowState: numeric key values (other key values are no column), then accs.
      mergeSql: (v) => {
        const accs = cols.mergeSql(v.accs);
        if (accs === undefined) return undefined;
        const keys = v.keyValues.filter((k) => typeof k === 'number').map(() => 'any_value' as const);
        return [...keys, ...accs];
      },
    };
  }

  onData(batch: Batch): void {
    const rows = batch.rows;
    const timeInput = this.node.timeInput;
    const watermark = this.ctx.watermark;
    const { size, slide, offset } = this;
    // WARNING: between batches the table may have moved the cached state to DuckDB.
    this.cached = undefined;
    this.seg = undefined;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const ts = row[timeInput];
      // Sources dead-letter rows without an event time; none can reach here.
      if (typeof ts !== 'number') continue;
      if (this.cumulate) {
        // Late as a whole when its first window has closed (time.ts, cumulateFirstEnd).
        const first = tumbleStart(ts, slide, offset) + slide;
        if (windowClosed(first, watermark)) {
          this.reportLate(row, ts, first, watermark, undefined);
          continue;
        }
        evalArgs(this.aggs, row, this.argValues);
        const last = tumbleStart(ts, size, offset) + size;
        for (let end = first; end <= last; end += slide) this.accumulate(row, end);
        continue;
      }
      if (!this.hop) {
        const end = tumbleStart(ts, size, offset) + size;
        if (windowClosed(end, watermark)) {
          this.reportLate(row, ts, end, watermark, undefined);
          continue;
        }
        evalArgs(this.aggs, row, this.argValues);
        this.accumulate(row, end);
        continue;
      }
      let evaluated = false;
      const last = tumbleStart(ts, slide, offset);
      for (let s = hopFirstStart(ts, slide, size, offset); s <= last; s += slide) {
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
    this.cached = undefined;
    this.cachedEnd = Number.NaN;
    this.seg = undefined;
    const ctable = this.ctable;
    if (ctable !== undefined) {
      // In chunks: closing one window of millions of groups builds their rows a batch at a time.
      for (const t of [...ctable.timesAscending()]) {
        if (t > micros) break;
        for (;;) {
          const part = ctable.takeValues(t, CLOSE_CHUNK);
          if (part.length === 0) break;
          this.emitClosed(part.map((value) => ({ time: t, value })));
        }
      }
      return;
    }
    const closed = this.table.drainThrough(micros);
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
    const keys = this.keys;
    if (keys.length === 1) this.accumulateSet(row, end);
    else {
      for (let s = 0; s < keys.length; s++) {
        this.key = keys[s]!;
        this.accumulateSet(row, end);
      }
    }
  }

  /** Into the group of the current set (`this.key`). */
  private accumulateSet(row: Row, end: number): void {
    if (this.cols !== undefined) {
      this.accumulateColumnar(row, end, this.cols);
      return;
    }
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

  private accumulateColumnar(row: Row, end: number, cols: ColumnarAggs): void {
    let seg = this.seg;
    if (seg === undefined || end !== this.segEnd) {
      seg = this.ctable!.segment(end);
      this.seg = seg;
      this.segEnd = end;
      this.slotKey = undefined;
    }
    let slot: number;
    if (this.numKey !== undefined) {
      const num = seg as NumericSegment;
      slot = num.slotOf((this.numKey(row) ?? null) as number | null);
      if (num.isNew) {
        num.isNew = false;
        cols.init(num.data, slot * cols.width);
      }
    } else {
      const key = this.key.encode(row);
      if (key === this.slotKey) slot = this.slot;
      else {
        const str = seg as StringSegment;
        slot = str.find(key);
        if (slot < 0) {
          // An insert may squeeze the segment (moving slots): the cache holds only this key.
          slot = str.insert(key, this.key.values(row));
          cols.init(str.data, slot * cols.width);
        }
        this.slotKey = key;
        this.slot = slot;
      }
    }
    cols.addInto(seg.data, slot * cols.width, this.argValues);
  }

  private outputRow(state: WindowState, end: number): Row {
    const kv = state.keyValues;
    const row: Row = [];
    for (let j = 0; j < kv.length; j++) row.push(kv[j]!);
    row.push(windowStartOf(this.node.window, end), end);
    if (this.node.windowTime) row.push(windowTime(end));
    pushResults(this.aggs, state.accs, row);
    return row;
  }

  private emitChanges(): void {
    const rows: Row[] = [];
    const ops: Op[] = [];
    const from = this.nKeys + (this.node.windowTime ? 3 : 2);
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
    const start = windowStartOf(this.node.window, end);
    this.ctx.late({
      operator: this.node.id,
      ref: refOf(row, this.node.refInput),
      eventTime: ts,
      watermark,
      windowStart,
      // Formatted only when read (a late output or the REPL): most late rows are only counted.
      get reason() {
        return windowLateReason(start, end, watermark);
      },
    });
  }
}
