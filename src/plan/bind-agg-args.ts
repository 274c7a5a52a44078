// The arguments of the aggregates that take more than one value or an order: the order key
// (event time for FIRST_VALUE/LAST_VALUE/STRING_AGG/ARRAY_AGG, `y` of ARG_MIN/ARG_MAX), constant
// arguments (STRING_AGG's separator, a quantile's fraction), and what is refused and why.

import type { Expr } from '../sql/ast.js';
import { T, typeToSql, type Value } from '../catalog/types.js';
import type { AggCall, AggFn, BoundExpr } from '../expr/bound.js';
import type { ExtraArg } from '../expr/aggregates/types.js';
import { HLL_REGISTERS, SPARSE_MAX } from '../expr/aggregates/hll.js';
import { ALPHA, EXACT_MAX } from '../expr/aggregates/ddsketch.js';
import type { ExprBinder } from './bind-expr.js';
import { PlanError } from './errors.js';
import type { Scope } from './scope.js';

export interface AggContext {
  /** The event-time column: the window's, else the input's (undefined when it has none). */
  readonly timeIndex: number | undefined;
  /** Whether the input is append-only (a changelog needs retractable accumulators). */
  readonly appendOnly: boolean;
  readonly scope: Scope;
}

const BY_EVENT_TIME = new Set<AggFn>(['first_value', 'last_value', 'string_agg', 'array_agg']);
const ORDERED = new Set<AggFn>([...BY_EVENT_TIME, 'latest_by_offset', 'arg_min', 'arg_max']);

export function argCount(extras: number): string {
  return extras === 0 ? 'one argument' : `${extras + 1} arguments`;
}

export function usageOf(fn: AggFn, name: string): string {
  const u = name.toUpperCase();
  switch (fn) {
    case 'arg_min':
    case 'arg_max':
      return `${u}(x, y): x at the row with the ${fn === 'arg_min' ? 'smallest' : 'largest'} y`;
    case 'string_agg':
      return `${u}(x, ', ')`;
    case 'quantile_cont':
    case 'approx_quantile':
      return name.toLowerCase() === 'percentile_cont' ? `${u}(0.95) WITHIN GROUP (ORDER BY x)` : `${u}(x, 0.95)`;
    default:
      return `${u}(x)`;
  }
}

/** The order key, arrival order and constant argument of a call (empty for the plain aggregates). */
export function orderedParts(
  call: Expr & { kind: 'call' },
  fn: AggFn,
  name: string,
  extras: readonly ExtraArg[],
  binder: ExprBinder,
  text: string,
  ctx: AggContext,
): Pick<AggCall, 'orderBy' | 'arrival' | 'param' | 'tieByValue' | 'descending'> {
  const u = name.toUpperCase();
  if (fn === 'approx_count_distinct' && !ctx.appendOnly) {
    throw new PlanError(text, call.span, 'APPROX_COUNT_DISTINCT cannot take back a retracted row (a HyperLogLog only grows), and this input is a changelog', {
      hint: 'use COUNT(DISTINCT x), which keeps every value and retracts exactly',
    });
  }
  if (fn === 'latest_by_offset' && !ctx.appendOnly) {
    throw new PlanError(text, call.span, 'LATEST_BY_OFFSET follows arrival order, and the rows of a changelog input have none once updated', {
      hint: 'use ARG_MAX(x, y) with the column that orders the rows',
    });
  }
  let orderBy: BoundExpr | undefined;
  let param: Value | undefined;
  extras.forEach((kind, i) => {
    const ast = call.args[i + 1]!;
    if (kind === 'orderKey') {
      orderBy = binder.bind(ast);
      if (orderBy.type.kind === 'struct' || orderBy.type.kind === 'interval') {
        throw new PlanError(text, ast.span, `${u} orders by its second argument, and ${typeToSql(orderBy.type)} has no order`, { expected: usageOf(fn, name) });
      }
      return;
    }
    const b = binder.bind(ast);
    if (b.kind !== 'literal' || b.value === null) {
      throw new PlanError(text, ast.span, `the ${kind === 'separator' ? 'separator' : 'fraction'} of ${u} must be a constant`, { expected: usageOf(fn, name) });
    }
    if (kind === 'separator') {
      if (b.type.kind !== 'varchar') throw new PlanError(text, ast.span, `the separator of ${u} must be a string`, { expected: usageOf(fn, name) });
      param = b.value;
    } else {
      const q = b.value;
      if (typeof q !== 'number' || !(q >= 0 && q <= 1)) {
        throw new PlanError(text, ast.span, `the fraction of ${u} must be a number from 0 to 1`, { expected: usageOf(fn, name) });
      }
      param = q;
    }
  });
  if (BY_EVENT_TIME.has(fn)) {
    if (ctx.timeIndex === undefined) {
      throw new PlanError(text, call.span, `${u} orders rows by event time, and this input has no event-time column${ctx.scope.noTimeReason ? ` (${ctx.scope.noTimeReason})` : ''}`, {
        hint: fn === 'first_value' || fn === 'last_value' ? 'use LATEST_BY_OFFSET(x) for the last value in arrival order, or aggregate the source that has the WATERMARK' : 'aggregate the source that has the WATERMARK',
      });
    }
    const c = ctx.scope.columns[ctx.timeIndex]!;
    orderBy = { kind: 'column', index: ctx.timeIndex, name: c.name, type: T.timestamp };
  }
  const tieByValue = (fn === 'arg_min' || fn === 'arg_max') && !ctx.appendOnly;
  return {
    ...(orderBy !== undefined ? { orderBy } : {}),
    ...(ORDERED.has(fn) ? { arrival: true as const } : {}),
    ...(param !== undefined ? { param } : {}),
    ...(tieByValue ? { tieByValue: true as const } : {}),
    // WITHIN GROUP (ORDER BY x DESC): sorted from the largest value, as SQL (not 1 - q, which rounds).
    ...(call.withinGroup?.descending ? { descending: true as const } : {}),
  };
}

/** DISTINCT where it means something: not with an order (the argument is an entry) nor for an already-distinct count. */
export function bindAggDistinct(call: Expr & { kind: 'call' }, fn: AggFn, name: string, bound: AggCall, text: string): AggCall {
  if (ORDERED.has(fn) || fn === 'approx_count_distinct') {
    throw new PlanError(text, call.span, `${name.toUpperCase()}(DISTINCT ...) is not supported`, {
      hint: fn === 'approx_count_distinct' ? 'APPROX_COUNT_DISTINCT already counts distinct values: drop DISTINCT' : 'remove DISTINCT, or deduplicate in a subquery first',
    });
  }
  return bound;
}

/**
 * For EXPLAIN's state line: the aggregates whose state per group grows with its rows or is a
 * sketch (README, the table of aggregates); empty when there are none.
 */
export function aggStateNote(aggs: readonly AggCall[], appendOnly: boolean): string {
  const every: string[] = [];
  const sketch: string[] = [];
  for (const a of aggs) {
    switch (a.fn) {
      case 'median':
      case 'quantile_cont':
      case 'string_agg':
      case 'array_agg':
        every.push(a.display);
        break;
      case 'first_value':
      case 'last_value':
      case 'arg_min':
      case 'arg_max':
        if (!appendOnly) every.push(a.display);
        break;
      case 'approx_count_distinct':
        sketch.push(`${a.display}: exact to ${SPARSE_MAX} values, then ${HLL_REGISTERS} registers`);
        break;
      case 'approx_quantile':
        sketch.push(`${a.display}: exact to ${EXACT_MAX} values, then a ${ALPHA * 100}% DDSketch`);
        break;
      default:
        break;
    }
  }
  const parts = [...(every.length > 0 ? [`every value of ${every.join(', ')}`] : []), ...sketch];
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}
