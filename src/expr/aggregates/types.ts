// Aggregate names as written in SQL and their result types, for the binder and completion.

import { T, typeToSql, type SqlType } from '../../catalog/types.js';
import type { AggFn } from '../bound.js';

const BY_NAME: Readonly<Record<string, Exclude<AggFn, 'count_star'>>> = {
  count: 'count',
  sum: 'sum',
  avg: 'avg',
  mean: 'avg',
  min: 'min',
  max: 'max',
  stddev: 'stddev',
  stddev_samp: 'stddev',
  first_value: 'first_value',
  last_value: 'last_value',
  latest_by_offset: 'latest_by_offset',
  arg_min: 'arg_min',
  min_by: 'arg_min',
  arg_max: 'arg_max',
  max_by: 'arg_max',
  string_agg: 'string_agg',
  listagg: 'string_agg',
  array_agg: 'array_agg',
  bool_and: 'bool_and',
  bool_or: 'bool_or',
  var_pop: 'var_pop',
  var_samp: 'var_samp',
  variance: 'var_samp',
  stddev_pop: 'stddev_pop',
  approx_count_distinct: 'approx_count_distinct',
  median: 'median',
  quantile_cont: 'quantile_cont',
  percentile_cont: 'quantile_cont',
  approx_quantile: 'approx_quantile',
};

/** Every aggregate name a query may use, aliases included. */
export const AGGREGATE_NAMES: readonly string[] = Object.keys(BY_NAME);

/** The aggregate for a SQL name (case-insensitive); `count(*)` is the binder's `count_star`. */
export function aggregateFn(name: string): Exclude<AggFn, 'count_star'> | undefined {
  const key = name.toLowerCase();
  return Object.hasOwn(BY_NAME, key) ? BY_NAME[key] : undefined;
}

/** The arguments each aggregate takes after its first (the binder checks and binds them). */
export type ExtraArg = 'orderKey' | 'separator' | 'fraction';

export function extraArgs(fn: AggFn): readonly ExtraArg[] {
  switch (fn) {
    case 'arg_min':
    case 'arg_max':
      return ['orderKey'];
    case 'string_agg':
      return ['separator'];
    case 'quantile_cont':
    case 'approx_quantile':
      return ['fraction'];
    default:
      return [];
  }
}

/**
 * COUNT -> BIGINT; SUM of integers -> BIGINT, of DOUBLE -> DOUBLE; AVG, STDDEV, variances,
 * quantiles -> DOUBLE; MIN/MAX, FIRST_VALUE/LAST_VALUE/LATEST_BY_OFFSET, ARG_MIN/ARG_MAX -> the
 * argument's type; STRING_AGG, ARRAY_AGG (a JSON array) -> VARCHAR.
 */
export function aggregateResultType(fn: AggFn, argType: SqlType): SqlType | { error: string } {
  const numeric = argType.kind === 'int' || argType.kind === 'bigint' || argType.kind === 'double' || argType.kind === 'null';
  const want = (what: string) => ({ error: `${fn.toUpperCase()} expects ${what}, got ${typeToSql(argType)}` });
  switch (fn) {
    case 'count_star':
    case 'count':
    case 'approx_count_distinct':
      return T.bigint;
    case 'sum':
      if (!numeric) return want('a number');
      return argType.kind === 'double' ? T.double : T.bigint;
    case 'avg':
    case 'stddev':
    case 'var_pop':
    case 'var_samp':
    case 'stddev_pop':
    case 'median':
    case 'quantile_cont':
    case 'approx_quantile':
      return numeric ? T.double : want('a number');
    case 'min':
    case 'max':
      if (argType.kind === 'struct' || argType.kind === 'interval') return want('a number, string, timestamp or boolean');
      return argType;
    case 'first_value':
    case 'last_value':
    case 'latest_by_offset':
    case 'arg_min':
    case 'arg_max':
      if (argType.kind === 'interval') return want('a column value');
      return argType.kind === 'null' ? T.varchar : argType;
    case 'string_agg':
      return argType.kind === 'varchar' || argType.kind === 'null' ? T.varchar : want('a VARCHAR (CAST it)');
    case 'array_agg':
      if (argType.kind === 'struct' || argType.kind === 'interval') return want('a number, string, timestamp or boolean');
      return T.varchar;
    case 'bool_and':
    case 'bool_or':
      return argType.kind === 'boolean' || argType.kind === 'null' ? T.boolean : want('a BOOLEAN');
  }
}
