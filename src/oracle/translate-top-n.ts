// A Top-N node as DuckDB's own ranking function: ROW_NUMBER(), RANK() or DENSE_RANK() OVER
// (PARTITION BY p ORDER BY o, then the tie-break columns ascending, NULLs last throughout) over
// the input minus the rows the operator dropped as late (a window Top-N's by (row, window)),
// kept where the rank is <= N. Keep-first deduplication leaves rows with a NULL event time out.

import type { PhysicalNode, TopNNode } from '../plan/physical.js';
import { exprSql, type ColumnResolver } from './expr-sql.js';
import { lateFilter, type Cte, type OracleTables } from './cte.js';

export function topNCtes(n: TopNNode, byId: ReadonlyMap<number, PhysicalNode>, tables: OracleTables): Cte[] {
  const inputId = n.inputs[0]!;
  const input = byId.get(inputId);
  if (!input) throw new Error(`oracle: node ${inputId} is not in the plan`);
  const width = input.schema.length;
  if (n.schema.length !== width + (n.rankColumn ? 1 : 0)) throw new Error(`oracle: topN node ${n.id} has ${n.schema.length} output columns, its layout implies ${width + (n.rankColumn ? 1 : 0)}`);
  const col: ColumnResolver = (i) => `i.c${i}`;
  const order = [
    ...n.orderBy.map((o) => `${exprSql(o.expr, col)} ${o.desc ? 'DESC' : 'ASC'} NULLS LAST`),
    // RANK and DENSE_RANK give tied rows one rank: only ROW_NUMBER needs the tie-break.
    ...(n.fn === 'row_number' ? n.tieBreak.map((c) => `i.c${c} ASC NULLS LAST`) : []),
  ];
  const part = n.partitionBy.length > 0 ? `PARTITION BY ${n.partitionBy.map((e) => exprSql(e, col)).join(', ')} ` : '';
  const rank = `${n.fn}() OVER (${part}ORDER BY ${order.join(', ')})`;
  const conds: string[] = [];
  const late = lateFilter(tables.late(n.id), 'i', n.mode === 'window' ? `epoch_us(i.c${n.windowColumns![0]})` : undefined);
  if (late) conds.push(late);
  if (n.mode === 'first') conds.push(`i.c${n.timeInput!} IS NOT NULL`);
  if (n.mode === 'window') conds.push(`i.c${n.windowColumns![1]} IS NOT NULL`);
  const cols = Array.from({ length: width }, (_, k) => `i.c${k}`);
  const ranked: Cte = {
    name: `n${n.id}_r`,
    sql: `SELECT ${[...cols, `${rank} AS __rn`, 'i.__seq AS __seq'].join(', ')} FROM n${inputId} AS i${conds.length > 0 ? ` WHERE ${conds.join(' AND ')}` : ''}`,
  };
  const out = [...Array.from({ length: width }, (_, k) => `r.c${k}`), ...(n.rankColumn ? [`r.__rn AS c${width}`] : []), 'r.__seq AS __seq'];
  return [ranked, { name: `n${n.id}`, sql: `SELECT ${out.join(', ')} FROM ${ranked.name} AS r WHERE r.__rn <= ${n.limit}` }];
}
