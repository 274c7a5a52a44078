// Rewrite rule: a SELECT list that only picks and reorders an interval join's columns becomes
// the join's own output (its `outputs` composed with the selection), so no project node copies
// every pair row again. Applies only while nothing else consumes the join yet, and when the
// selection keeps the join's event-time column (if it has one).

import type { BoundExpr } from '../expr/bound.js';
import type { PlanBuilder } from './builder.js';
import type { PlanColumn } from './physical.js';

/**
 * Folds `exprs` over node `input` into that node when the rule applies; returns whether it did.
 * `schema` and `timeColumn` are the selection's, which the join then outputs.
 */
export function foldProjectIntoJoin(b: PlanBuilder, input: number, exprs: readonly BoundExpr[], schema: readonly PlanColumn[], timeColumn: number | undefined): boolean {
  // WARNING: the join must be the newest node, so no other node reads its old columns.
  if (input !== b.nodes.length - 1) return false;
  const join = b.node(input);
  if (join.kind !== 'intervalJoin') return false;
  // A selection that drops the event time keeps its project: the join's watermarks and its
  // EXPLAIN text follow its own event-time column.
  if ((join.timeColumn === undefined) !== (timeColumn === undefined)) return false;
  const outputs: Array<readonly [0 | 1, number]> = [];
  for (const e of exprs) {
    if (e.kind !== 'column') return false;
    const o = join.outputs[e.index];
    if (o === undefined) return false;
    outputs.push(o);
  }
  b.replace({ ...join, schema, timeColumn, outputs });
  return true;
}
