// EXPLAIN's line for a join with a table (temporal or lookup): keys, residual, what waits in
// state and for how long, and the output's event time and watermark.

import type { PhysicalNode, PhysicalPlan } from './physical.js';
import { describeExpr } from './describe-expr.js';

export function tableJoinText(n: PhysicalNode & { kind: 'temporalJoin' | 'lookupJoin' }, plan: PhysicalPlan): string {
  const l = plan.nodes[n.inputs[0]!]!.schema;
  const r = plan.nodes[n.inputs[1]!]!.schema;
  const keys = n.leftKeys.map((k, i) => `stream ${describeExpr(k, l)} = table ${describeExpr(n.rightKeys[i]!, r)}`);
  const parts = [`${n.joinType === 'left' ? 'LEFT OUTER' : 'INNER'} table=${n.table} keys=[${keys.join(', ')}]${keys.length === 0 ? ' (nested loop over the whole table)' : ''}`];
  if (n.residual) parts.push(`residual ${describeExpr(n.residual, [...l, ...r])} (on the table row found)`);
  const time = n.timeColumn === undefined ? 'no event time' : `event time ${n.schema[n.timeColumn]!.name}`;
  if (n.kind === 'temporalJoin') {
    const lt = l[n.leftTime]!.name;
    const rt = r[n.rightTime]!.name;
    parts.push(`as of stream.${lt}: the version with the latest table.${rt} <= ${lt}${n.deletedInput !== undefined ? ' (a tombstone: none)' : ''}`);
    parts.push(`stream rows wait until the watermark passes ${lt}${n.joinType === 'left' ? ' (then, if no version, emitted with NULLs)' : ''}; per key the table keeps the last version before the watermark and those after it`);
    parts.push(`${time}, watermark min(stream, table), append-only`);
  } else if (n.bounded) {
    parts.push('the file table is loaded whole before stream rows join it (those that come first wait), so the result is deterministic');
    parts.push(`${time}, watermark the stream's once the table is loaded, append-only`);
  } else {
    parts.push(`processing time: a stream row joins what the Kafka table holds when it arrives (not comparable with DuckDB)`);
    parts.push(`${time}, watermark the stream's, append-only`);
  }
  return parts.join('; ');
}
