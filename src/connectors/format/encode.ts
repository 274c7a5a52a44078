// Rows -> output text: JSON lines for the file and stdout sinks (one compiled encoder per
// sink), and single values for the stdout table. TIMESTAMPs print as ISO-8601 UTC strings.

import type { Column } from '../../catalog/catalog.js';
import type { Row, SqlType, Value } from '../../catalog/types.js';
import { formatTimestamp, timestampFormatter } from '../../catalog/timestamp.js';
import { OP_LABEL } from '../../catalog/batch.js';
import type { Op } from '../../catalog/batch.js';

type ValueEncoder = (v: Value) => string;

/**
 * A number as JSON. DOUBLE arithmetic is IEEE as in DuckDB (an overflow is Infinity, 0/0 NaN),
 * and these are values, not NULL (`x IS NULL` is false), so they must not be written as `null`:
 * JSON has no such numbers, and they are written as the strings "Infinity", "-Infinity" and
 * "NaN", as the protobuf JSON mapping and Jackson do.
 */
function encodeNumber(v: Value): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : `"${String(v)}"`;
  return v === null ? 'null' : JSON.stringify(v);
}

/** JSON text of one value of `type`; NULL is `null`, non-finite DOUBLEs are strings. */
export function compileValueEncoder(type: SqlType): ValueEncoder {
  switch (type.kind) {
    case 'boolean':
      return (v) => (v === null ? 'null' : v === true ? 'true' : v === false ? 'false' : JSON.stringify(v));
    case 'int':
    case 'bigint':
    case 'double':
    case 'interval':
      return encodeNumber;
    case 'varchar':
      return (v) => (v === null ? 'null' : JSON.stringify(v));
    case 'timestamp': {
      const format = timestampFormatter();
      return (v) => (typeof v === 'number' && Number.isFinite(v) ? `"${format(v)}"` : 'null');
    }
    case 'null':
      return () => 'null';
    case 'struct': {
      const keys = type.fields.map((f, i) => `${i === 0 ? '{' : ','}${JSON.stringify(f.name)}:`);
      const names = type.fields.map((f) => f.name);
      const encs = type.fields.map((f) => compileValueEncoder(f.type));
      const n = keys.length;
      return (v) => {
        if (v === null || typeof v !== 'object') return v === null ? 'null' : JSON.stringify(v);
        if (n === 0) return '{}';
        let s = '';
        for (let i = 0; i < n; i++) s += keys[i]! + encs[i]!(v[names[i]!] ?? null);
        return `${s}}`;
      };
    }
  }
}

/**
 * One JSON object per row (no trailing newline): keys are the column names in order; with
 * `changelog`, an `"op"` field ('+I', '-U', '+U', '-D') comes first.
 */
export function compileEncoder(columns: readonly Column[], changelog: boolean): (row: Row, op: Op) => string {
  const n = columns.length;
  const keys = columns.map((c, i) => `${i === 0 && !changelog ? '{' : ','}${JSON.stringify(c.name)}:`);
  const encs = columns.map((c) => compileValueEncoder(c.type));
  const opPrefix = OP_LABEL.map((l) => `{"op":"${l}"`);
  const empty = changelog ? '' : '{';
  return (row, op) => {
    let s = changelog ? opPrefix[op]! : n === 0 ? empty : '';
    for (let i = 0; i < n; i++) s += keys[i]! + encs[i]!(row[i] ?? null);
    return `${s}}`;
  };
}

/** The widest a table column gets (the REPL's tables and the stdout sink's); longer values are cut. */
export const MAX_CELL_WIDTH = 40;

/** A table cell padded to `width` (numbers to the right), or cut to it with '…'. */
export function fitCell(text: string, width: number, right: boolean): string {
  if (text.length > width) return `${text.slice(0, Math.max(0, width - 1))}…`;
  return right ? text.padStart(width) : text.padEnd(width);
}

/** Text of a value in the stdout table: NULL spelled out, timestamps ISO, structs as JSON. */
export function formatValueForTable(v: Value, type: SqlType): string {
  if (v === null) return 'NULL';
  switch (type.kind) {
    case 'timestamp':
      return typeof v === 'number' ? formatTimestamp(v) : String(v);
    case 'struct':
      return compileValueEncoder(type)(v);
    case 'varchar':
      // Keep one row on one line.
      return typeof v === 'string' ? v.replace(/[\r\n\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t')) : String(v);
    default:
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}
