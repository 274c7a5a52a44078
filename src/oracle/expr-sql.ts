// Bound expressions printed as DuckDB SQL, for the oracle's batch query. Every BoundExpr kind is
// handled (exhaustive switch); where DuckDB's defaults differ from the engine's, the printed SQL
// spells out the engine's meaning (integer arithmetic in BIGINT, TRY_CAST, typed literals).

import { T, isIntegral, type SqlType, type Value } from '../catalog/types.js';
import type { AggCall, BoundExpr } from '../expr/bound.js';
import { lookupFunction } from '../expr/functions.js';
import { duckTypeSql, quoteIdent, quoteString } from './sql-types.js';

/** Resolves an input column index to the DuckDB expression that holds it. */
export type ColumnResolver = (index: number, name: string) => string;

export function exprSql(e: BoundExpr, col: ColumnResolver): string {
  const r = (x: BoundExpr): string => exprSql(x, col);
  switch (e.kind) {
    case 'literal':
      return literalSql(e.value, e.type);
    case 'column':
      return col(e.index, e.name);
    case 'field':
      return `struct_extract(${r(e.operand)}, ${quoteString(e.field)})`;
    case 'unary':
      return e.op === 'NOT' ? `(NOT ${r(e.operand)})` : `(- ${numericOperand(e.operand, e.type, col)})`;
    case 'arith':
      return arithSql(e, col);
    case 'concat':
      return `(${r(e.left)} || ${r(e.right)})`;
    case 'compare':
      return `(${r(e.left)} ${e.op} ${r(e.right)})`;
    case 'logic':
      return `(${e.operands.map(r).join(` ${e.op} `)})`;
    case 'isNull':
      return `(${r(e.operand)} IS ${e.negated ? 'NOT ' : ''}NULL)`;
    case 'in':
      return `(${r(e.operand)} ${e.negated ? 'NOT ' : ''}IN (${e.list.map(r).join(', ')}))`;
    case 'between':
      return `(${r(e.operand)} ${e.negated ? 'NOT ' : ''}BETWEEN ${r(e.low)} AND ${r(e.high)})`;
    case 'like':
      return `(${r(e.operand)} ${e.negated ? 'NOT ' : ''}${e.caseInsensitive ? 'ILIKE' : 'LIKE'} ${r(e.pattern)})`;
    case 'case': {
      const whens = e.whens.map((w) => ` WHEN ${r(w.when)} THEN ${r(w.then)}`).join('');
      const otherwise = e.else ? ` ELSE ${r(e.else)}` : '';
      return `CAST(CASE${whens}${otherwise} END AS ${duckTypeSql(e.type)})`;
    }
    case 'cast':
      return castSql(r(e.operand), e.type);
    case 'call': {
      const fn = lookupFunction(e.fn);
      if (!fn) throw new Error(`oracle: unknown function ${e.fn}() has no DuckDB spelling`);
      return fn.sql(e.args.map(r), e.args.map((a) => a.type));
    }
    case 'struct':
      if (e.fields.length === 0) throw new Error('oracle: DuckDB has no empty STRUCT');
      return `struct_pack(${e.fields.map((f) => `${quoteIdent(f.name)} := ${r(f.value)}`).join(', ')})`;
  }
}

/** A literal with its engine type made explicit, so DuckDB does not pick DECIMAL or INTEGER_LITERAL. */
export function literalSql(v: Value, t: SqlType): string {
  if (v === null) return t.kind === 'null' ? 'NULL' : `CAST(NULL AS ${duckTypeSql(t)})`;
  switch (t.kind) {
    case 'boolean':
      return v === true ? 'TRUE' : 'FALSE';
    case 'int':
    case 'bigint':
      return `CAST(${num(v)} AS ${duckTypeSql(t)})`;
    case 'double': {
      const n = typeof v === 'number' ? v : Number(v);
      if (Number.isNaN(n)) return `CAST('NaN' AS DOUBLE)`;
      if (!Number.isFinite(n)) return `CAST('${n > 0 ? '' : '-'}Infinity' AS DOUBLE)`;
      return `CAST(${String(n)} AS DOUBLE)`;
    }
    case 'varchar':
      return quoteString(typeof v === 'string' ? v : String(v));
    case 'timestamp':
      return `make_timestamp(CAST(${num(v)} AS BIGINT))`;
    case 'interval':
      return `to_microseconds(CAST(${num(v)} AS BIGINT))`;
    case 'null':
      return 'NULL';
    case 'struct': {
      if (typeof v !== 'object') throw new Error(`oracle: struct literal is not an object: ${String(v)}`);
      const parts = t.fields.map((f) => `${quoteIdent(f.name)} := ${literalSql(v[f.name] ?? null, f.type)}`);
      return `struct_pack(${parts.join(', ')})`;
    }
  }
}

function num(v: Value): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`oracle: not a finite number literal: ${String(v)}`);
  return String(Math.trunc(v));
}

/**
 * Integer arithmetic runs in BIGINT (the engine computes on JS numbers and never wraps at 32
 * bits); `/` is always IEEE DOUBLE division, as in the engine (x/0 is inf or nan, not NULL).
 * Timestamp and interval arithmetic is left to DuckDB's own operators.
 */
function arithSql(e: BoundExpr & { kind: 'arith' }, col: ColumnResolver): string {
  if (e.type.kind === 'timestamp' || e.left.type.kind === 'timestamp' || e.right.type.kind === 'timestamp') {
    return `(${exprSql(e.left, col)} ${e.op} ${exprSql(e.right, col)})`;
  }
  const t = e.op === '/' ? T.double : e.type;
  return `(${numericOperand(e.left, t, col)} ${e.op} ${numericOperand(e.right, t, col)})`;
}

function numericOperand(x: BoundExpr, resultType: SqlType, col: ColumnResolver): string {
  const s = exprSql(x, col);
  if (isIntegral(resultType)) return `CAST(${s} AS BIGINT)`;
  if (resultType.kind === 'double') return `CAST(${s} AS DOUBLE)`;
  return s;
}

/**
 * CAST is TRY_CAST: the engine follows DuckDB's cast rules but yields NULL where DuckDB's CAST
 * would fail, since a stream cannot fail on one row.
 */
function castSql(operand: string, to: SqlType): string {
  return `TRY_CAST(${operand} AS ${duckTypeSql(to)})`;
}

/**
 * An aggregate call over an already-computed argument column, typed as the engine types it.
 * `order`: the column of its order key (AggCall.orderBy); `seq`: the arrival order (__seq).
 * APPROX_COUNT_DISTINCT and APPROX_QUANTILE are held to the exact answer (COUNT(DISTINCT),
 * quantile_disc): the engine is exact below their sketches' thresholds (aggregates/hll.ts,
 * ddsketch.ts), and tests check larger groups within the documented error.
 */
export function aggSql(a: AggCall, arg: string | undefined, order?: string, seq = '__seq'): string {
  const d = a.distinct ? 'DISTINCT ' : '';
  const need = (): string => {
    if (arg === undefined) throw new Error(`oracle: aggregate ${a.display} has no argument`);
    return arg;
  };
  const key = (): string => {
    if (order === undefined) throw new Error(`oracle: aggregate ${a.display} has no order key`);
    return order;
  };
  const typed = (s: string): string => `CAST(${s} AS ${duckTypeSql(a.type)})`;
  const byTime = (): string => `ORDER BY ${key()} ASC NULLS LAST, ${seq}`;
  const q = (): string => String(a.param as number);
  switch (a.fn) {
    case 'count_star':
      return 'count(*)';
    case 'count':
      return `count(${d}${need()})`;
    case 'sum':
      return typed(`sum(${d}${need()})`);
    case 'avg':
      return typed(`avg(${d}${need()})`);
    case 'min':
      return `min(${need()})`;
    case 'max':
      return `max(${need()})`;
    case 'stddev':
      return typed(`stddev_samp(${d}${need()})`);
    case 'first_value':
      return typed(`first(${need()} ${byTime()})`);
    case 'last_value':
      return typed(`last(${need()} ${byTime()})`);
    case 'latest_by_offset':
      return typed(`arg_max(${need()}, ${seq})`);
    case 'arg_min':
    case 'arg_max': {
      // Rows with a NULL x or y do not count; ties go to the earliest arrival (over a changelog: the smallest x).
      const dir = a.fn === 'arg_min' ? 'ASC' : 'DESC';
      const tie = a.tieByValue ? `${need()} ASC` : seq;
      return typed(`first(${need()} ORDER BY ${key()} ${dir}, ${tie}) FILTER (WHERE ${key()} IS NOT NULL AND ${need()} IS NOT NULL)`);
    }
    case 'string_agg':
      return `string_agg(${need()}, ${quoteString(typeof a.param === 'string' ? a.param : ',')} ${byTime()})`;
    case 'array_agg':
      return `CAST(to_json(array_agg(${need()} ${byTime()})) AS VARCHAR)`;
    case 'bool_and':
    case 'bool_or':
      return `${a.fn}(${d}${need()})`;
    case 'var_pop':
    case 'var_samp':
    case 'stddev_pop':
      return typed(`${a.fn}(${d}CAST(${need()} AS DOUBLE))`);
    case 'approx_count_distinct':
      return `count(DISTINCT ${need()})`;
    case 'median':
      return typed(`median(${d}CAST(${need()} AS DOUBLE))`);
    case 'quantile_cont':
      if (a.descending) return typed(`percentile_cont(${q()}) WITHIN GROUP (ORDER BY CAST(${need()} AS DOUBLE) DESC)`);
      return typed(`quantile_cont(${d}CAST(${need()} AS DOUBLE), ${q()})`);
    case 'approx_quantile':
      return typed(`quantile_disc(${d}CAST(${need()} AS DOUBLE), ${q()})`);
  }
}
