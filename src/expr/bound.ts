// Bound expressions: the binder's output. Names are resolved to input column indices and every
// node carries its SQL type. compile.ts turns them into closures; the oracle prints them as
// DuckDB SQL. The shape mirrors the AST so that both stay simple.

import type { SqlType, Value } from '../catalog/types.js';

export type BoundExpr =
  | { readonly kind: 'literal'; readonly value: Value; readonly type: SqlType }
  | { readonly kind: 'column'; readonly index: number; readonly name: string; readonly type: SqlType }
  /** `metadata.page`: a field of a STRUCT value (NULL when the struct is NULL). */
  | { readonly kind: 'field'; readonly operand: BoundExpr; readonly field: string; readonly type: SqlType }
  | { readonly kind: 'unary'; readonly op: '-' | 'NOT'; readonly operand: BoundExpr; readonly type: SqlType }
  | { readonly kind: 'arith'; readonly op: '+' | '-' | '*' | '/' | '%'; readonly left: BoundExpr; readonly right: BoundExpr; readonly type: SqlType }
  /** `||`: NULL if either side is NULL (unlike CONCAT). */
  | { readonly kind: 'concat'; readonly left: BoundExpr; readonly right: BoundExpr; readonly type: SqlType }
  | { readonly kind: 'compare'; readonly op: '=' | '<>' | '<' | '<=' | '>' | '>='; readonly left: BoundExpr; readonly right: BoundExpr; readonly type: SqlType }
  /** Three-valued AND / OR over any number of operands. */
  | { readonly kind: 'logic'; readonly op: 'AND' | 'OR'; readonly operands: readonly BoundExpr[]; readonly type: SqlType }
  | { readonly kind: 'isNull'; readonly operand: BoundExpr; readonly negated: boolean; readonly type: SqlType }
  | { readonly kind: 'in'; readonly operand: BoundExpr; readonly list: readonly BoundExpr[]; readonly negated: boolean; readonly type: SqlType }
  | { readonly kind: 'between'; readonly operand: BoundExpr; readonly low: BoundExpr; readonly high: BoundExpr; readonly negated: boolean; readonly type: SqlType }
  | { readonly kind: 'like'; readonly operand: BoundExpr; readonly pattern: BoundExpr; readonly negated: boolean; readonly caseInsensitive: boolean; readonly type: SqlType }
  | {
      readonly kind: 'case';
      readonly whens: readonly { readonly when: BoundExpr; readonly then: BoundExpr }[];
      readonly else: BoundExpr | undefined;
      readonly type: SqlType;
    }
  | { readonly kind: 'cast'; readonly operand: BoundExpr; readonly type: SqlType }
  /** A scalar function of the registry (functions.ts), by its canonical lower-case name. */
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly BoundExpr[]; readonly type: SqlType }
  | { readonly kind: 'struct'; readonly fields: readonly { readonly name: string; readonly value: BoundExpr }[]; readonly type: SqlType };

export type BoundExprKind = BoundExpr['kind'];

/** Aggregate functions of the closed set in aggregates/. */
export type AggFn =
  | 'count_star' | 'count' | 'sum' | 'avg' | 'min' | 'max' | 'stddev'
  | 'first_value' | 'last_value' | 'latest_by_offset' | 'arg_min' | 'arg_max' | 'string_agg' | 'array_agg'
  | 'bool_and' | 'bool_or' | 'var_pop' | 'var_samp' | 'stddev_pop' | 'approx_count_distinct' | 'median'
  | 'quantile_cont' | 'approx_quantile';

export interface AggCall {
  readonly fn: AggFn;
  /** Absent only for count_star. */
  readonly arg?: BoundExpr;
  readonly distinct: boolean;
  /** Result type: COUNT -> BIGINT, AVG/STDDEV -> DOUBLE, SUM(int) -> BIGINT, MIN/MAX -> arg type. */
  readonly type: SqlType;
  /** How it is shown in EXPLAIN and used as a default output name, e.g. `avg(value)`. */
  readonly display: string;
  /**
   * The per-row order key of an ordered aggregate (aggregates/ordered.ts, collect.ts): the
   * event-time column for FIRST_VALUE/LAST_VALUE/STRING_AGG/ARRAY_AGG, `y` of ARG_MIN(x, y).
   * With it, the accumulator gets the tuple [arg, orderBy, arrival] instead of the arg.
   */
  readonly orderBy?: BoundExpr;
  /** Ordered by arrival too: the tuple's last member is the row's arrival number (aggregates/arrival.ts). */
  readonly arrival?: true;
  /**
   * ARG_MIN/ARG_MAX over a changelog: ties go to the smallest value (a retracted and re-added row
   * has no arrival to rank by), not the earliest arrival.
   */
  readonly tieByValue?: true;
  /** A constant argument: STRING_AGG's separator, the quantile of QUANTILE_CONT/APPROX_QUANTILE. */
  readonly param?: Value;
  /** PERCENTILE_CONT(q) WITHIN GROUP (ORDER BY x DESC): the fraction counts from the largest value. */
  readonly descending?: true;
}

/** Visit every sub-expression (pre-order). */
export function walkBound(e: BoundExpr, f: (e: BoundExpr) => void): void {
  f(e);
  switch (e.kind) {
    case 'literal':
    case 'column':
      return;
    case 'field':
    case 'unary':
    case 'isNull':
    case 'cast':
      walkBound(e.operand, f);
      return;
    case 'arith':
    case 'concat':
    case 'compare':
      walkBound(e.left, f);
      walkBound(e.right, f);
      return;
    case 'logic':
      for (const o of e.operands) walkBound(o, f);
      return;
    case 'in':
      walkBound(e.operand, f);
      for (const o of e.list) walkBound(o, f);
      return;
    case 'between':
      walkBound(e.operand, f);
      walkBound(e.low, f);
      walkBound(e.high, f);
      return;
    case 'like':
      walkBound(e.operand, f);
      walkBound(e.pattern, f);
      return;
    case 'case':
      for (const w of e.whens) {
        walkBound(w.when, f);
        walkBound(w.then, f);
      }
      if (e.else) walkBound(e.else, f);
      return;
    case 'call':
      for (const a of e.args) walkBound(a, f);
      return;
    case 'struct':
      for (const fl of e.fields) walkBound(fl.value, f);
      return;
  }
}
