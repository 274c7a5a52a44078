// A served job's rows, late rows and dead letters as the API's JSON: values in column order,
// TIMESTAMPs as ISO-8601 UTC text, non-finite DOUBLEs as "NaN"/"Infinity" strings (the jsonl
// sinks' encoding, connectors/format/encode.ts), so a row's JSON is built as text once.

import type { Column } from '../catalog/catalog.js';
import type { Row } from '../catalog/types.js';
import { typeToSql } from '../catalog/types.js';
import { compileValueEncoder } from '../connectors/format/encode.js';
import { formatTimestamp } from '../catalog/timestamp.js';

/** `[v, ...]` JSON text of a row of `columns`. */
export function rowEncoder(columns: readonly Column[]): (row: Row) => string {
  const encs = columns.map((c) => compileValueEncoder(c.type));
  const n = encs.length;
  return (row) => {
    let s = '[';
    for (let i = 0; i < n; i++) s += (i === 0 ? '' : ',') + encs[i]!(row[i] ?? null);
    return `${s}]`;
  };
}

export function columnsJson(columns: readonly Column[]): Array<{ name: string; type: string }> {
  return columns.map((c) => ({ name: c.name, type: typeToSql(c.type) }));
}

/** Event time (epoch micros) as ISO text; null before the first watermark, 'end' never (null too). */
export function isoOrNull(micros: number): string | null {
  return Number.isFinite(micros) ? formatTimestamp(micros) : null;
}
