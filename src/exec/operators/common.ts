// Helpers shared by the stateful operators: state table names from a node's declarations,
// provenance of a late row, aggregate argument evaluators (and the aggregates' fixed-width
// layout), and result comparison for changelogs.

import type { Row, Value } from '../../catalog/types.js';
import type { AggCall } from '../../expr/bound.js';
import { compileExpr, type Evaluator } from '../../expr/compile.js';
import { createAccumulator, type Accumulator } from '../../expr/aggregates/accumulator.js';
import { nextArrival } from '../../expr/aggregates/arrival.js';
import { columnarAccumulator, type ColumnarAccumulator, type SqlMerge } from '../../expr/aggregates/columnar.js';
import type { StateDecl } from '../../plan/physical.js';
import { Op, type OperatorContext, type RecordRef } from '../operator.js';
import { formatMicros } from '../time.js';

/**
 * The name of the node's first state table of a shape. When the planner declared none, a name
 * derived from the node id (the runner's memory tier creates tables on first use).
 */
export function stateName(
  node: { readonly id: number; readonly kind: string; readonly state: readonly StateDecl[] },
  shape: StateDecl['shape'],
  nth = 0,
): string {
  let seen = 0;
  for (const d of node.state) {
    if (d.shape !== shape) continue;
    if (seen === nth) return d.name;
    seen++;
  }
  return `${node.kind}#${node.id}.${shape}${nth === 0 ? '' : nth}`;
}

/**
 * Report a row behind a watermark to the late output: "event time T is behind WHOSE watermark W:
 * WHAT". The reason is formatted only when read (a late output or the REPL): most late rows are
 * only counted.
 */
export function reportBehindWatermark(ctx: OperatorContext, operator: number, ref: RecordRef | undefined, eventTime: number, watermark: number, whose: string, what: string): void {
  ctx.late({
    operator,
    ref,
    eventTime,
    watermark,
    windowStart: undefined,
    get reason() {
      return `event time ${formatMicros(eventTime)} is behind ${whose}watermark ${formatMicros(watermark)}: ${what}`;
    },
  });
}

/** Provenance of a row from its hidden `$ref` column, when tracked. */
export function refOf(row: Row, refInput: number | undefined): RecordRef | undefined {
  if (refInput === undefined) return undefined;
  const v = row[refInput];
  if (v === null || v === undefined || typeof v !== 'object') return undefined;
  // The source fills `$ref` with a RecordRef; Value has no RecordRef member, hence the cast.
  return v as unknown as RecordRef;
}

/** Per aggregate: its argument evaluator (null for COUNT(*), which gets `true`). */
export interface CompiledAggs {
  readonly accs: readonly Accumulator[];
  readonly args: readonly (Evaluator | null)[];
  /** evalArgs and addAll unrolled for these aggregates (see compileAggs). */
  readonly evalInto: (row: Row, into: Value[]) => void;
  readonly addInto: (states: unknown[], values: readonly Value[]) => void;
}

/**
 * WHY generated: a loop over the aggregates calls five different `add`s (and argument
 * evaluators) from one call site, which V8 then cannot inline; one line per aggregate gives
 * every call a site of its own with a single target. Per row of a windowed aggregate this is
 * the innermost work.
 */
function unrolled(n: number): { evalInto: string; addInto: string } {
  const evalLines: string[] = [];
  const addLines: string[] = [];
  for (let i = 0; i < n; i++) {
    evalLines.push(`into[${i}] = a${i} === null ? true : a${i}(row);`);
    addLines.push(`states[${i}] = c${i}.add(states[${i}], values[${i}]);`);
  }
  return { evalInto: evalLines.join('\n'), addInto: addLines.join('\n') };
}

export function compileAggs(calls: readonly AggCall[], retractable: boolean): CompiledAggs {
  const accs: Accumulator[] = [];
  const args: (Evaluator | null)[] = [];
  for (const call of calls) {
    accs.push(createAccumulator(call, retractable));
    args.push(call.arg === undefined ? null : argEvaluator(call, compileExpr(call.arg)));
  }
  const n = accs.length;
  const names = [...accs.map((_, i) => `c${i}`), ...args.map((_, i) => `a${i}`)];
  const body = unrolled(n);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function(...names, `return [function evalInto(row, into) {\n${body.evalInto}\n}, function addInto(states, values) {\n${body.addInto}\n}];`) as (
    ...fns: unknown[]
  ) => [CompiledAggs['evalInto'], CompiledAggs['addInto']];
  const [evalInto, addInto] = make(...accs, ...args);
  return { accs, args, evalInto, addInto };
}

/**
 * An ordered aggregate's argument is the entry [arg, order key, arrival] (aggregates/entries.ts);
 * others get the argument alone.
 */
function argEvaluator(call: AggCall, arg: Evaluator): Evaluator {
  if (call.orderBy === undefined && call.arrival === undefined) return arg;
  const key = call.orderBy === undefined ? null : compileExpr(call.orderBy);
  const arrival = call.arrival === true;
  // The accumulator receives the tuple where a Value is expected (accumulator-shape.ts).
  return (row) => [arg(row), key === null ? null : key(row), arrival ? nextArrival() : 0] as unknown as Value;
}

/** Fresh accumulator states, one per aggregate. */
export function initStates(aggs: CompiledAggs): unknown[] {
  const n = aggs.accs.length;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = aggs.accs[i]!.init();
  return out;
}

/** Evaluates every aggregate argument of `row` into `into` (reused scratch array). */
export function evalArgs(aggs: CompiledAggs, row: Row, into: Value[]): void {
  aggs.evalInto(row, into);
}

export function addAll(aggs: CompiledAggs, states: unknown[], values: readonly Value[]): void {
  aggs.addInto(states, values);
}

export function retractAll(aggs: CompiledAggs, states: unknown[], values: readonly Value[]): void {
  const accs = aggs.accs;
  for (let i = 0; i < accs.length; i++) states[i] = accs[i]!.retract(states[i], values[i]!);
}

/** Merges `from` into `into` (sessions joined by a bridging event). */
export function mergeAll(aggs: CompiledAggs, into: unknown[], from: readonly unknown[]): void {
  const accs = aggs.accs;
  for (let i = 0; i < accs.length; i++) into[i] = accs[i]!.merge(into[i], from[i]);
}

/** Appends every aggregate's result to `row`. */
export function pushResults(aggs: CompiledAggs, states: readonly unknown[], row: Row): void {
  const accs = aggs.accs;
  for (let i = 0; i < accs.length; i++) row.push(accs[i]!.result(states[i]));
}

/** Same values from `from` up to `to` (exclusive; default: to the end). Keys are equal by construction. */
export function sameTail(a: Row, b: Row, from: number, to = a.length): boolean {
  if (a.length !== b.length) return false;
  for (let i = from; i < to; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== y && !(typeof x === 'number' && typeof y === 'number' && Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}

/**
 * Appends the change from the last emitted row `prev` to `row`: +I when nothing was emitted
 * yet, -U/+U when a result column (from index `from` on) differs. Returns whether it appended.
 * `identityEnd`: columns before it identify the row (the changelog's upsert key: group keys,
 * and for a session its bounds); when one from `from` on changed (a session grew), the row is
 * another row, so the change is -D prev, +I row, never a -U/+U pair across two keys.
 */
export function pushChange(rows: Row[], ops: Op[], prev: Row | undefined, row: Row, from: number, identityEnd = from): boolean {
  if (prev === undefined) {
    rows.push(row);
    ops.push(Op.Insert);
    return true;
  }
  if (sameTail(prev, row, from)) return false;
  rows.push(prev, row);
  if (identityEnd > from && !sameTail(prev, row, from, identityEnd)) ops.push(Op.Delete, Op.Insert);
  else ops.push(Op.UpdateBefore, Op.UpdateAfter);
  return true;
}

/** The aggregates' fixed-width forms laid out side by side in one row of float64 fields. */
export interface ColumnarAggs {
  readonly width: number;
  /** Every aggregate's state is its fields as numbers, in order (ColumnarAccumulator.plain). */
  readonly plain: boolean;
  readonly init: (d: Float64Array, at: number) => void;
  /** evalArgs' values added into the row at `at`, unrolled as addAll. */
  readonly addInto: (d: Float64Array, at: number, values: readonly Value[]) => void;
  toStates(d: Float64Array, at: number): unknown[];
  fromStates(states: readonly unknown[], d: Float64Array, at: number): void;
  /** Each aggregate's mergeSql for these states, in order; undefined when one cannot merge in SQL. */
  mergeSql(states: readonly unknown[]): SqlMerge[] | undefined;
}

/** The columnar form of every aggregate, or undefined when one has none (then states are objects). */
export function compileColumnar(calls: readonly AggCall[]): ColumnarAggs | undefined {
  const cols: ColumnarAccumulator[] = [];
  for (const call of calls) {
    const c = columnarAccumulator(call);
    if (c === undefined) return undefined;
    cols.push(c);
  }
  const offsets: number[] = [];
  let width = 0;
  for (const c of cols) {
    offsets.push(width);
    width += c.width;
  }
  const n = cols.length;
  const names = cols.map((_, i) => `c${i}`);
  const init = cols.map((_, i) => `c${i}.init(d, at + ${offsets[i]});`).join('\n');
  const add = cols.map((_, i) => `c${i}.add(d, at + ${offsets[i]}, values[${i}]);`).join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function(...names, `return [function init(d, at) {\n${init}\n}, function addInto(d, at, values) {\n${add}\n}];`) as (
    ...fns: unknown[]
  ) => [ColumnarAggs['init'], ColumnarAggs['addInto']];
  const [initFn, addInto] = make(...cols);
  return {
    width,
    plain: cols.every((c) => c.plain),
    init: initFn,
    addInto,
    toStates(d, at) {
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = cols[i]!.toState(d, at + offsets[i]!);
      return out;
    },
    fromStates(states, d, at) {
      for (let i = 0; i < n; i++) cols[i]!.fromState(states[i], d, at + offsets[i]!);
    },
    mergeSql(states) {
      const out: SqlMerge[] = [];
      for (let i = 0; i < n; i++) {
        const m = cols[i]!.mergeSql(states[i]);
        if (m === undefined) return undefined;
        out.push(...m);
      }
      return out;
    },
  };
}

/** One value as a self-delimiting string for a row's identity (a regular join's multiset, a UNION's distinct rows): 0 and -0 meet, NULL is its own. */
export function valueId(v: Value): string {
  if (v === null) return 'N';
  switch (typeof v) {
    case 'number':
      return `n${v === 0 ? 0 : v};`;
    case 'string':
      return `s${v.length}:${v}`;
    case 'boolean':
      return v ? 't' : 'f';
    default:
      return `o${JSON.stringify(v)};`;
  }
}
