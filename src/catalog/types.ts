// SQL types and runtime values: the one place that says how each SQL type is held in memory.
// TIMESTAMP is an integer count of microseconds since the Unix epoch (UTC); INT and BIGINT are
// JS numbers (exact up to 2^53); a STRUCT is a plain object keyed by field name.

export type SqlType =
  | { readonly kind: 'boolean' }
  | { readonly kind: 'int' }
  | { readonly kind: 'bigint' }
  | { readonly kind: 'double' }
  | { readonly kind: 'varchar' }
  | { readonly kind: 'timestamp' }
  /** A duration in microseconds: only as a literal operand of timestamp arithmetic. */
  | { readonly kind: 'interval' }
  /** The type of a bare NULL literal before it is coerced. */
  | { readonly kind: 'null' }
  | { readonly kind: 'struct'; readonly fields: readonly StructField[] };

export interface StructField {
  readonly name: string;
  readonly type: SqlType;
}

export type TypeKind = SqlType['kind'];

export interface StructValue {
  readonly [field: string]: Value;
}

export type Value = null | boolean | number | string | StructValue;

/** A row is positional: values[i] belongs to column i of the producing node's schema. */
export type Row = Value[];

export const T = {
  boolean: { kind: 'boolean' },
  int: { kind: 'int' },
  bigint: { kind: 'bigint' },
  double: { kind: 'double' },
  varchar: { kind: 'varchar' },
  timestamp: { kind: 'timestamp' },
  interval: { kind: 'interval' },
  null: { kind: 'null' },
} as const satisfies Record<string, SqlType>;

export function struct(fields: readonly StructField[]): SqlType {
  return { kind: 'struct', fields };
}

export function isNumeric(t: SqlType): boolean {
  return t.kind === 'int' || t.kind === 'bigint' || t.kind === 'double';
}

export function isIntegral(t: SqlType): boolean {
  return t.kind === 'int' || t.kind === 'bigint';
}

export function typeEquals(a: SqlType, b: SqlType): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'struct' && b.kind === 'struct') {
    return (
      a.fields.length === b.fields.length &&
      a.fields.every((f, i) => {
        const g = b.fields[i];
        return g !== undefined && g.name === f.name && typeEquals(f.type, g.type);
      })
    );
  }
  return true;
}

/** SQL spelling of a type, as written in CREATE SOURCE and shown by DESCRIBE and EXPLAIN. */
export function typeToSql(t: SqlType): string {
  switch (t.kind) {
    case 'boolean':
      return 'BOOLEAN';
    case 'int':
      return 'INT';
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
      return 'NULL';
    case 'struct':
      return `STRUCT<${t.fields.map((f) => `${quoteIdentIfNeeded(f.name)} ${typeToSql(f.type)}`).join(', ')}>`;
  }
}

const PLAIN_IDENT = /^[a-z_][a-z0-9_]*$/;

export function quoteIdentIfNeeded(name: string): string {
  return PLAIN_IDENT.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** The common supertype used for comparisons, CASE branches, COALESCE and arithmetic. */
export function commonType(a: SqlType, b: SqlType): SqlType | undefined {
  if (a.kind === 'null') return b;
  if (b.kind === 'null') return a;
  if (typeEquals(a, b)) return a;
  if (isNumeric(a) && isNumeric(b)) {
    if (a.kind === 'double' || b.kind === 'double') return T.double;
    return T.bigint;
  }
  return undefined;
}
