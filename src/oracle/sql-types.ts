// How engine types and values are spelled in DuckDB SQL, and how DuckDB results are read back
// into engine values. Shared by the plan translator, the table loader and the result reader.

import type { SqlType, StructValue, Value } from '../catalog/types.js';

/** A DuckDB identifier, always quoted. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A DuckDB string literal ('' escaping; DuckDB does not treat backslash specially). */
export function quoteString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The DuckDB type a column of this engine type is held in. */
export function duckTypeSql(t: SqlType): string {
  switch (t.kind) {
    case 'boolean':
      return 'BOOLEAN';
    case 'int':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'varchar':
      return 'VARCHAR';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'interval':
      return 'INTERVAL';
    case 'null':
      // A bare NULL column: any type works; INTEGER keeps DuckDB from inferring "NULL".
      return 'INTEGER';
    case 'struct':
      return `STRUCT(${t.fields.map((f) => `${quoteIdent(f.name)} ${duckTypeSql(f.type)}`).join(', ')})`;
  }
}

/**
 * Wraps a DuckDB expression of engine type `t` so that it reads back losslessly: TIMESTAMP
 * becomes epoch microseconds (the node client would give a millisecond Date), recursively
 * inside structs.
 */
export function readableSql(expr: string, t: SqlType): string {
  switch (t.kind) {
    case 'timestamp':
      return `epoch_us(${expr})`;
    case 'struct': {
      if (!containsTimestamp(t)) return expr;
      const fields = t.fields.map(
        (f) => `${quoteIdent(f.name)} := ${readableSql(`struct_extract(${expr}, ${quoteString(f.name)})`, f.type)}`,
      );
      return `CASE WHEN ${expr} IS NULL THEN NULL ELSE struct_pack(${fields.join(', ')}) END`;
    }
    default:
      return expr;
  }
}

function containsTimestamp(t: SqlType): boolean {
  if (t.kind === 'timestamp') return true;
  if (t.kind === 'struct') return t.fields.some((f) => containsTimestamp(f.type));
  return false;
}

/** A value as the node client returns it, after `readableSql`: back to an engine Value. */
export function fromDuck(v: unknown): Value {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'bigint':
      return Number(v);
    case 'number':
    case 'string':
    case 'boolean':
      return v;
    case 'object': {
      if (v instanceof Date) return v.getTime() * 1000;
      const out: Record<string, Value> = {};
      for (const [k, x] of Object.entries(v)) out[k] = fromDuck(x);
      return out as StructValue;
    }
    default:
      throw new Error(`oracle: unexpected DuckDB result value ${String(v)}`);
  }
}
