// Bound expressions as readable SQL for EXPLAIN: columns by name, timestamps as ISO text,
// intervals as durations.

import type { BoundExpr } from '../expr/bound.js';
import type { PlanColumn } from './physical.js';
import { formatTimestamp } from '../catalog/timestamp.js';
import { formatDuration } from '../catalog/duration.js';
import { typeToSql, quoteIdentIfNeeded } from '../catalog/types.js';

export function describeExpr(e: BoundExpr, input: readonly PlanColumn[]): string {
  const d = (x: BoundExpr) => describeExpr(x, input);
  const p = (x: BoundExpr) => (isAtom(x) ? d(x) : `(${d(x)})`);
  switch (e.kind) {
    case 'literal':
      if (e.value === null) return 'NULL';
      if (e.type.kind === 'timestamp') return `TIMESTAMP '${formatTimestamp(e.value as number)}'`;
      if (e.type.kind === 'interval') return formatDuration(e.value as number);
      if (typeof e.value === 'string') return `'${e.value.replace(/'/g, "''")}'`;
      return typeof e.value === 'object' ? JSON.stringify(e.value) : String(e.value);
    case 'column':
      // Names as the user sees them (`count(*)`, `window_start`), unquoted for readability.
      return input[e.index]?.name ?? e.name;
    case 'field':
      return `${d(e.operand)}.${quoteIdentIfNeeded(e.field)}`;
    case 'unary':
      return e.op === 'NOT' ? `NOT ${p(e.operand)}` : `-${p(e.operand)}`;
    case 'arith':
      return `${p(e.left)} ${e.op} ${p(e.right)}`;
    case 'concat':
      return `${p(e.left)} || ${p(e.right)}`;
    case 'compare':
      return `${p(e.left)} ${e.op} ${p(e.right)}`;
    case 'logic':
      return e.operands.map(p).join(` ${e.op} `);
    case 'isNull':
      return `${p(e.operand)} IS ${e.negated ? 'NOT ' : ''}NULL`;
    case 'in':
      return `${p(e.operand)} ${e.negated ? 'NOT ' : ''}IN (${e.list.map(d).join(', ')})`;
    case 'between':
      return `${p(e.operand)} ${e.negated ? 'NOT ' : ''}BETWEEN ${p(e.low)} AND ${p(e.high)}`;
    case 'like':
      return `${p(e.operand)} ${e.negated ? 'NOT ' : ''}${e.caseInsensitive ? 'ILIKE' : 'LIKE'} ${p(e.pattern)}`;
    case 'case':
      return `CASE ${e.whens.map((w) => `WHEN ${d(w.when)} THEN ${d(w.then)}`).join(' ')}${e.else ? ` ELSE ${d(e.else)}` : ''} END`;
    case 'cast':
      return `CAST(${d(e.operand)} AS ${typeToSql(e.type)})`;
    case 'call':
      return `${e.fn.toUpperCase()}(${e.args.map(d).join(', ')})`;
    case 'struct':
      return `STRUCT(${e.fields.map((f) => `${d(f.value)} AS ${quoteIdentIfNeeded(f.name)}`).join(', ')})`;
  }
}

function isAtom(e: BoundExpr): boolean {
  return e.kind === 'literal' || e.kind === 'column' || e.kind === 'field' || e.kind === 'call' || e.kind === 'cast';
}
