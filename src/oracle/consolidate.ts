// A sink's changelog consolidated into the multiset it stands for: +I/+U add one copy of a row,
// -U/-D remove one. A retraction of a row that is not there is an engine error, reported.

import type { Row } from '../catalog/types.js';
import { OP_LABEL, Op, isRetraction } from '../exec/operator.js';
import { encodeRow, formatRow, type ColumnInfo } from './values.js';

export interface Consolidated {
  readonly rows: Row[];
  /** One message per retraction that drove a row's count below zero (first few only). */
  readonly errors: string[];
}

const MAX_ERRORS = 5;

export function consolidate(rows: readonly Row[], ops: readonly Op[] | null, columns: readonly ColumnInfo[]): Consolidated {
  if (ops === null) return { rows: [...rows], errors: [] };
  if (ops.length !== rows.length) throw new Error(`oracle: ${rows.length} sink rows but ${ops.length} ops`);
  const counts = new Map<string, { row: Row; count: number }>();
  const errors: string[] = [];
  let negatives = 0;
  rows.forEach((row, i) => {
    const op = ops[i] ?? Op.Insert;
    const key = encodeRow(row);
    let entry = counts.get(key);
    if (!entry) counts.set(key, (entry = { row, count: 0 }));
    entry.count += isRetraction(op) ? -1 : 1;
    if (entry.count < 0) {
      negatives++;
      if (errors.length < MAX_ERRORS) {
        errors.push(`changelog entry #${i} (${OP_LABEL[op]}) retracts ${formatRow(row, columns)}, which the sink does not hold`);
      }
    }
  });
  if (negatives > errors.length) errors.push(`... ${negatives - errors.length} more retractions of rows not held`);
  const out: Row[] = [];
  for (const { row, count } of counts.values()) for (let k = 0; k < count; k++) out.push(row);
  return { rows: out, errors };
}
