// Test harness for operators: an OperatorContext over memory tables that captures emitted
// batches and late events, with a settable watermark, plus builders for hand-made plan nodes.

import type { Row, SqlType, Value } from '../../../src/catalog/types.js';
import { T } from '../../../src/catalog/types.js';
import type { AggCall, AggFn, BoundExpr } from '../../../src/expr/bound.js';
import { OP_LABEL, type Batch, type LateEvent, type Op, type Operator, type OperatorContext, type TimeSpill } from '../../../src/exec/operator.js';
import { ColumnarTimeKeyedTable, type ColumnarLayout } from '../../../src/state/columnar.js';
import type { PlanColumn, StateDecl } from '../../../src/plan/physical.js';
import { MemoryKeyedTable, MemoryTimeKeyedTable, type KeyedTable, type TimeKeyedTable } from '../../../src/state/tables.js';

export class Harness implements OperatorContext {
  readonly batches: Batch[] = [];
  readonly lateEvents: LateEvent[] = [];
  watermark = Number.NEGATIVE_INFINITY;
  private readonly keyed = new Map<string, KeyedTable<unknown>>();
  private readonly timeKeyed = new Map<string, TimeKeyedTable<unknown>>();

  constructor(readonly op: Operator) {
    op.open?.(this);
  }

  emit(batch: Batch): void {
    this.batches.push(batch);
  }

  late(event: LateEvent): void {
    this.lateEvents.push(event);
  }

  keyedTable<V>(name: string): KeyedTable<V> {
    let t = this.keyed.get(name);
    if (t === undefined) {
      t = new MemoryKeyedTable<unknown>();
      this.keyed.set(name, t);
    }
    return t as KeyedTable<V>;
  }

  timeKeyedTable<V>(name: string): TimeKeyedTable<V> {
    let t = this.timeKeyed.get(name);
    if (t === undefined) {
      t = new MemoryTimeKeyedTable<unknown>();
      this.timeKeyed.set(name, t);
    }
    return t as TimeKeyedTable<V>;
  }

  columnarTable<V>(name: string, layout: ColumnarLayout<V>, spill: TimeSpill<V>): ColumnarTimeKeyedTable<V> {
    let t = this.timeKeyed.get(name);
    if (t === undefined) {
      t = new ColumnarTimeKeyedTable<V>(name, (a, b) => spill.merge(a, b), layout) as TimeKeyedTable<unknown>;
      this.timeKeyed.set(name, t);
    }
    return t as ColumnarTimeKeyedTable<V>;
  }

  /** The time-keyed table the operator opened under `name`. */
  timeKeyedTable_(name: string): TimeKeyedTable<unknown> | undefined {
    return this.timeKeyed.get(name);
  }

  /** Names of the tables the operator opened. */
  tableNames(): string[] {
    return [...this.keyed.keys(), ...this.timeKeyed.keys()];
  }

  keyedSize(name: string): number {
    return this.keyed.get(name)?.size ?? 0;
  }

  timeKeyedSize(name: string): number {
    return this.timeKeyed.get(name)?.size ?? 0;
  }

  /** Send rows (all inserts, or with ops) and return what this call emitted. */
  send(rows: Row[], ops: Op[] | null = null): string[] {
    const before = this.batches.length;
    this.op.onData({ rows, ops }, 0);
    return this.since(before);
  }

  /** Advance the watermark like the runner: set it, then call onWatermark; returns what was emitted. */
  advance(micros: number): string[] {
    const before = this.batches.length;
    this.watermark = micros;
    this.op.onWatermark?.(micros);
    return this.since(before);
  }

  /** End of input like the runner: onWatermark(+Infinity), then onEnd. */
  end(): string[] {
    const before = this.batches.length;
    this.watermark = Number.POSITIVE_INFINITY;
    this.op.onWatermark?.(Number.POSITIVE_INFINITY);
    this.op.onEnd?.();
    return this.since(before);
  }

  /** Every emitted row so far, rendered. */
  all(): string[] {
    return this.since(0);
  }

  private since(from: number): string[] {
    const out: string[] = [];
    for (let b = from; b < this.batches.length; b++) out.push(...renderBatch(this.batches[b]!));
    return out;
  }
}

/** `+I a,1,2`: the op label and the values, for exact comparisons. */
export function renderBatch(batch: Batch): string[] {
  const out: string[] = [];
  for (let i = 0; i < batch.rows.length; i++) {
    const op = batch.ops === null ? 0 : batch.ops[i]!;
    out.push(`${OP_LABEL[op]} ${batch.rows[i]!.map(renderValue).join(',')}`);
  }
  return out;
}

function renderValue(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export const S = 1_000_000;

export function col(index: number, type: SqlType = T.bigint, name = `c${index}`): BoundExpr {
  return { kind: 'column', index, name, type };
}

export function lit(value: Value, type: SqlType = T.bigint): BoundExpr {
  return { kind: 'literal', value, type };
}

export function agg(fn: AggFn, arg?: BoundExpr, type: SqlType = T.bigint): AggCall {
  const display = arg === undefined ? `${fn}(*)` : `${fn}(${arg.kind === 'column' ? arg.name : 'x'})`;
  return arg === undefined ? { fn, distinct: false, type, display } : { fn, arg, distinct: false, type, display };
}

export function cols(...names: string[]): PlanColumn[] {
  return names.map((name) => ({ name, type: T.bigint }));
}

export function keyed(name: string): StateDecl {
  return { name, shape: 'keyed', describe: name, bounded: false };
}

export function timeKeyed(name: string): StateDecl {
  return { name, shape: 'timeKeyed', describe: name, bounded: true };
}
