// Test support for expressions: BoundExpr builders, a BoundExpr -> DuckDB SQL printer (for the
// differential tests only; the oracle has its own), and a shared DuckDB connection.

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { T, typeToSql, type SqlType, type Value } from '../../../src/catalog/types.js';
import type { BoundExpr } from '../../../src/expr/bound.js';
import { lookupFunction } from '../../../src/expr/functions.js';

export const lit = (value: Value, type: SqlType): BoundExpr => ({ kind: 'literal', value, type });
export const int = (v: number | null): BoundExpr => lit(v, T.int);
export const dbl = (v: number | null): BoundExpr => lit(v, T.double);
export const str = (v: string | null): BoundExpr => lit(v, T.varchar);
export const bool = (v: boolean | null): BoundExpr => lit(v, T.boolean);
export const col = (index: number, type: SqlType, name = `c${index}`): BoundExpr => ({ kind: 'column', index, name, type });

export function call(fn: string, ...args: BoundExpr[]): BoundExpr {
  const f = lookupFunction(fn);
  if (!f) throw new Error(`no function ${fn}`);
  const t = f.resolve(args.map((a) => a.type));
  if ('error' in t) throw new Error(t.error);
  return { kind: 'call', fn: f.name, args, type: t };
}

function sqlDouble(v: number): string {
  if (v !== v) return `'nan'::DOUBLE`;
  if (v === Infinity) return `'inf'::DOUBLE`;
  if (v === -Infinity) return `'-inf'::DOUBLE`;
  return `CAST('${Object.is(v, -0) ? '-0.0' : String(v)}' AS DOUBLE)`;
}

export function sqlLiteral(v: Value, t: SqlType): string {
  if (v === null) return `CAST(NULL AS ${t.kind === 'null' ? 'INTEGER' : typeToSql(t)})`;
  switch (t.kind) {
    case 'int':
      return `CAST(${v as number} AS INTEGER)`;
    case 'bigint':
      return `CAST(${v as number} AS BIGINT)`;
    case 'double':
      return sqlDouble(v as number);
    case 'varchar':
      return `'${(v as string).replace(/'/g, "''")}'`;
    case 'boolean':
      return v ? 'TRUE' : 'FALSE';
    case 'timestamp':
      return `make_timestamp(CAST(${v as number} AS BIGINT))`;
    case 'interval':
      return `to_microseconds(CAST(${v as number} AS BIGINT))`;
    default:
      throw new Error(`no literal for ${t.kind}`);
  }
}

/** DuckDB SQL for an expression over columns named by `columns`. CAST prints as TRY_CAST. */
export function toDuckSql(e: BoundExpr, columns: readonly string[]): string {
  const p = (x: BoundExpr): string => toDuckSql(x, columns);
  switch (e.kind) {
    case 'literal':
      return sqlLiteral(e.value, e.type);
    case 'column':
      return `"${columns[e.index]}"`;
    case 'field':
      return `(${p(e.operand)})."${e.field}"`;
    case 'unary':
      return e.op === 'NOT' ? `(NOT ${p(e.operand)})` : `(-(${p(e.operand)}))`;
    case 'arith':
    case 'concat':
      return `(${p(e.left)} ${e.kind === 'concat' ? '||' : e.op} ${p(e.right)})`;
    case 'compare':
      return `(${p(e.left)} ${e.op} ${p(e.right)})`;
    case 'logic':
      return `(${e.operands.map(p).join(` ${e.op} `)})`;
    case 'isNull':
      return `(${p(e.operand)} IS ${e.negated ? 'NOT ' : ''}NULL)`;
    case 'in':
      return `(${p(e.operand)} ${e.negated ? 'NOT ' : ''}IN (${e.list.map(p).join(', ')}))`;
    case 'between':
      return `(${p(e.operand)} ${e.negated ? 'NOT ' : ''}BETWEEN ${p(e.low)} AND ${p(e.high)})`;
    case 'like':
      return `(${p(e.operand)} ${e.negated ? 'NOT ' : ''}${e.caseInsensitive ? 'ILIKE' : 'LIKE'} ${p(e.pattern)})`;
    case 'case':
      return `(CASE ${e.whens.map((w) => `WHEN ${p(w.when)} THEN ${p(w.then)}`).join(' ')}${e.else ? ` ELSE ${p(e.else)}` : ''} END)`;
    case 'cast':
      return `TRY_CAST(${p(e.operand)} AS ${typeToSql(e.type)})`;
    case 'call': {
      const f = lookupFunction(e.fn);
      if (!f) throw new Error(`no function ${e.fn}`);
      return f.sql(e.args.map(p), e.args.map((a) => a.type));
    }
    case 'struct':
      return `{${e.fields.map((f) => `'${f.name}': ${p(f.value)}`).join(', ')}}`;
  }
}

let connection: Promise<DuckDBConnection> | undefined;

export function duck(): Promise<DuckDBConnection> {
  connection ??= DuckDBInstance.create(':memory:').then((i) => i.connect());
  return connection;
}

/** Runs a query and returns rows with BIGINTs as numbers. */
export async function duckRows(sql: string): Promise<Value[][]> {
  const conn = await duck();
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowsJS().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : (v as Value))));
}

/** Equal, or doubles within a relative 1e-9 (NaN equals NaN). */
export function sameValue(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') {
    if (a !== a && b !== b) return true;
    if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
    return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-300);
  }
  return false;
}

export const RUNS = Number(process.env['SLUICE_PROPERTY_RUNS'] ?? 300);
