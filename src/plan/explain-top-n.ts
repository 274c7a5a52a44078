// EXPLAIN's line for a Top-N node: the function, partition, order, bound, the mode with how long
// state is held, and what the output is.

import type { PlanColumn, TopNNode } from './physical.js';
import { describeExpr } from './describe-expr.js';

export function topNText(n: TopNNode, input: readonly PlanColumn[]): string {
  const ex = (e: TopNNode['partitionBy'][number]) => describeExpr(e, input);
  const fn = `${n.fn.toUpperCase()}()`;
  const order = n.orderBy.map((o) => `${ex(o.expr)} ${o.desc ? 'DESC' : 'ASC'}`).join(', ');
  const parts = [`${fn} partition=[${n.partitionBy.map(ex).join(', ')}] order=[${order}] rn <= ${n.limit}${n.rankColumn ? ` (as ${n.schema[n.schema.length - 1]!.name})` : ''}`];
  parts.push('ties: the remaining columns in order, ascending; NULLs last');
  switch (n.mode) {
    case 'window':
      parts.push(`window Top-N: each window's rows kept until the watermark passes ${input[n.windowColumns![1]]!.name}, then its top ${n.limit} emitted once and dropped (rows of a closed window are late)`);
      parts.push('no event time, append-only');
      break;
    case 'first':
      parts.push(`deduplication, keep first: a partition's first row emitted once the watermark passes its ${input[n.timeInput!]!.name}, later rows dropped (rows behind the watermark are late)`);
      parts.push(`event time ${input[n.timeInput!]!.name}, append-only`);
      break;
    case 'updating':
      parts.push(
        n.inputAppendOnly
          ? `updating Top-N over an unbounded input: the top ${n.limit} of each partition kept for as long as the job runs`
          : 'updating Top-N over a changelog: every live row of each partition kept for as long as the job runs',
      );
      parts.push('no event time, changelog (+I/-U/+U/-D)');
      break;
  }
  return parts.join('; ');
}
