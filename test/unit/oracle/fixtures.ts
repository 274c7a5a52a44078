// Hand-built physical plans, source rows and late events for the oracle's tests.

import type { SinkDef, SourceDef } from '../../../src/catalog/catalog.js';
import { T, type Row, type SqlType, type Value } from '../../../src/catalog/types.js';
import type { AggCall, AggFn, BoundExpr } from '../../../src/expr/bound.js';
import type { LateEvent, RecordRef } from '../../../src/exec/operator.js';
import type { PhysicalNode, PhysicalPlan, PlanColumn, SinkNode, SourceNode, WindowSpec } from '../../../src/plan/physical.js';

/** 2024-05-20T10:00:00Z in epoch micros. */
export const T0 = Date.UTC(2024, 4, 20, 10, 0, 0) * 1000;
export const SEC = 1_000_000;

export const col = (index: number, name: string, type: SqlType): BoundExpr => ({ kind: 'column', index, name, type });
export const lit = (value: Value, type: SqlType): BoundExpr => ({ kind: 'literal', value, type });

export function agg(fn: AggFn, type: SqlType, arg?: BoundExpr, distinct = false): AggCall {
  return { fn, type, distinct, display: `${fn}(${arg && arg.kind === 'column' ? arg.name : '*'})`, ...(arg ? { arg } : {}) };
}

export function ref(seq: number): RecordRef {
  return { source: 'src', seq, position: { index: seq }, raw: undefined };
}

const SPAN = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } };
const REF_COL: PlanColumn = { name: '$ref', type: T.varchar, hidden: true };

/** A source with the given visible columns and a trailing hidden $ref column. */
export function source(id: number, columns: readonly [string, SqlType][], withRef = true): SourceNode {
  const schema: PlanColumn[] = columns.map(([name, type]) => ({ name, type }));
  const def = { name: 'src', columns: schema, options: { connector: 'datagen' }, span: SPAN, baseDir: '.', sourceText: '' } as unknown as SourceDef;
  return {
    kind: 'source',
    id,
    inputs: [],
    schema: withRef ? [...schema, REF_COL] : schema,
    timeColumn: undefined,
    appendOnly: true,
    state: [],
    source: def,
    watermark: undefined,
    refColumn: withRef ? schema.length : undefined,
  };
}

/** Source rows: visible values plus the RecordRef for arrival index i (seq = i). */
export function rows(values: readonly Row[]): Row[] {
  return values.map((v, i) => [...v, ref(i) as unknown as Value]);
}

const base = (id: number, input: number, schema: readonly PlanColumn[]) => ({
  id,
  inputs: [input],
  schema,
  timeColumn: undefined,
  appendOnly: true,
  state: [],
});

export function filter(id: number, input: PhysicalNode, predicate: BoundExpr): PhysicalNode {
  return { kind: 'filter', ...base(id, input.id, input.schema), predicate };
}

export function project(id: number, input: PhysicalNode, exprs: readonly [string, BoundExpr, boolean?][]): PhysicalNode {
  const schema = exprs.map(([name, e, hidden]) => ({ name, type: e.type, ...(hidden ? { hidden } : {}) }));
  return { kind: 'project', ...base(id, input.id, schema), exprs: exprs.map(([, e]) => e) };
}

const windowCols: PlanColumn[] = [
  { name: 'window_start', type: T.timestamp },
  { name: 'window_end', type: T.timestamp },
];

function aggSchema(keys: readonly [string, BoundExpr][], aggs: readonly [string, AggCall][], window: boolean): PlanColumn[] {
  return [
    ...keys.map(([name, e]) => ({ name, type: e.type })),
    ...(window ? windowCols : []),
    ...aggs.map(([name, a]) => ({ name, type: a.type })),
  ];
}

export function windowAgg(
  id: number,
  input: PhysicalNode,
  window: WindowSpec & { kind: 'tumble' | 'hop' },
  timeInput: number,
  keys: readonly [string, BoundExpr][],
  aggs: readonly [string, AggCall][],
): PhysicalNode {
  return {
    kind: 'windowAgg',
    ...base(id, input.id, aggSchema(keys, aggs, true)),
    window,
    timeInput,
    keys: keys.map(([, e]) => e),
    aggs: aggs.map(([, a]) => a),
    emit: 'final',
    refInput: undefined,
  };
}

export function sessionAgg(
  id: number,
  input: PhysicalNode,
  gapMicros: number,
  timeInput: number,
  keys: readonly [string, BoundExpr][],
  aggs: readonly [string, AggCall][],
): PhysicalNode {
  return {
    kind: 'sessionAgg',
    ...base(id, input.id, aggSchema(keys, aggs, true)),
    window: { kind: 'session', gapMicros },
    timeInput,
    keys: keys.map(([, e]) => e),
    aggs: aggs.map(([, a]) => a),
    emit: 'final',
    refInput: undefined,
  };
}

export function groupAgg(id: number, input: PhysicalNode, keys: readonly [string, BoundExpr][], aggs: readonly [string, AggCall][]): PhysicalNode {
  return {
    kind: 'groupAgg',
    ...base(id, input.id, aggSchema(keys, aggs, false)),
    appendOnly: false,
    keys: keys.map(([, e]) => e),
    aggs: aggs.map(([, a]) => a),
    inputAppendOnly: true,
  };
}

export function windowExpand(id: number, input: PhysicalNode, window: WindowSpec & { kind: 'tumble' | 'hop' }, timeInput: number): PhysicalNode {
  return { kind: 'windowExpand', ...base(id, input.id, [...input.schema, ...windowCols]), window, timeInput };
}

export function lag(
  id: number,
  input: PhysicalNode,
  timeInput: number,
  partitionBy: readonly BoundExpr[],
  lags: readonly [string, BoundExpr, number, BoundExpr | undefined][],
): PhysicalNode {
  const schema = [...input.schema, ...lags.map(([name, arg]) => ({ name, type: arg.type }))];
  return {
    kind: 'lag',
    ...base(id, input.id, schema),
    partitionBy,
    timeInput,
    lags: lags.map(([display, arg, offset, dflt]) => ({ arg, offset, default: dflt, display })),
    refInput: undefined,
  };
}

export function sink(id: number, input: PhysicalNode, name = 'out'): SinkNode {
  const def = { name, options: {}, query: {}, span: SPAN, baseDir: '.', sourceText: '' } as unknown as SinkDef;
  return { kind: 'sink', ...base(id, input.id, input.schema), sink: def };
}

export function plan(...nodes: PhysicalNode[]): PhysicalPlan {
  return { nodes, sinks: nodes.filter((n) => n.kind === 'sink').map((n) => n.id) };
}

export function lateEvent(operator: number, seq: number, windowStart?: number): LateEvent {
  return {
    operator,
    ref: ref(seq),
    eventTime: 0,
    watermark: 0,
    windowStart,
    reason: 'test',
  };
}
