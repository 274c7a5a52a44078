// Aggregate names as written in SQL and their result types, for the binder and completion.

import { T, typeToSql, type SqlType } from '../../catalog/types.js';
import type { AggFn } from '../bound.js';

/** Every aggregate name a query may use, aliases included. */
export const AGGREGATE_NAMES: readonly string[] = ['count', 'sum', 'avg', 'mean', 'min', 'max', 'stddev', 'stddev_samp'];

const BY_NAME: Readonly<Record<string, Exclude<AggFn, 'count_star'>>> = {
  count: 'count',
  sum: 'sum',
  avg: 'avg',
  mean: 'avg',
  min: 'min',
  max: 'max',
  stddev: 'stddev',
  stddev_samp: 'stddev',
};

/** The aggregate for a SQL name (case-insensitive); `count(*)` is the binder's `count_star`. */
export function aggregateFn(name: string): Exclude<AggFn, 'count_star'> | undefined {
  const key = name.toLowerCase();
  return Object.hasOwn(BY_NAME, key) ? BY_NAME[key] : undefined;
}

/** COUNT -> BIGINT; SUM of integers -> BIGINT, of DOUBLE -> DOUBLE; AVG, STDDEV -> DOUBLE; MIN/MAX -> the argument's type. */
export function aggregateResultType(fn: AggFn, argType: SqlType): SqlType | { error: string } {
  const numeric = argType.kind === 'int' || argType.kind === 'bigint' || argType.kind === 'double' || argType.kind === 'null';
  const want = (what: string) => ({ error: `${fn.toUpperCase()} expects ${what}, got ${typeToSql(argType)}` });
  switch (fn) {
    case 'count_star':
    case 'count':
      return T.bigint;
    case 'sum':
      if (!numeric) return want('a number');
      return argType.kind === 'double' ? T.double : T.bigint;
    case 'avg':
    case 'stddev':
      return numeric ? T.double : want('a number');
    case 'min':
    case 'max':
      if (argType.kind === 'struct' || argType.kind === 'interval') return want('a number, string, timestamp or boolean');
      return argType;
  }
}
