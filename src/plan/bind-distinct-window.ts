// SELECT DISTINCT over a windowed aggregate's results that keeps its window_start and window_end:
// every row of a window arrives before the watermark passes the window's end, so each distinct
// row is forgotten then (a distinct node timed by window_end) instead of kept for good. Over a
// window table function, bind-aggregate.ts groups by the window instead.

import type { SelectQuery } from '../sql/ast.js';
import { Scope } from './scope.js';
import type { PlanBuilder } from './builder.js';
import { project, type BoundRelation } from './bind-relation.js';
import { hasAggregates } from './bind-aggregate.js';
import { windowRole } from './bind-topn.js';
import type { StateDecl } from './physical.js';

export function bindWindowDistinct(b: PlanBuilder, q: SelectQuery, rel: BoundRelation, text: string): BoundRelation | undefined {
  if (!rel.appendOnly || q.groupBy.length > 0 || q.having || hasAggregates(q) || q.items.some((i) => i.expr.kind === 'star')) return undefined;
  // The window's bounds among the selected columns, before anything is added to the plan.
  const roles = new Set<string>();
  for (const it of q.items) {
    if (it.expr.kind !== 'column') continue;
    const r = rel.scope.resolve(it.expr.path, it.expr.span, text);
    if (r.fields.length > 0) continue;
    const role = windowRole(b, rel.node, r.index);
    if (role) roles.add(role);
  }
  if (!roles.has('start') || !roles.has('end')) return undefined;
  const projected = project(b, q.items, rel, text, {});
  const node = b.node(projected.node);
  let start: number | undefined;
  let end: number | undefined;
  node.schema.forEach((c, i) => {
    if (c.hidden) return;
    const role = windowRole(b, projected.node, i);
    if (role === 'start') start = i;
    if (role === 'end') end = i;
  });
  if (start === undefined || end === undefined) throw new Error('internal: the window bounds were not projected');
  const visible = projected.scope.columns.filter((c) => !c.hidden);
  const endAt = projected.scope.columns.slice(0, end).filter((c) => !c.hidden).length;
  const scope = new Scope(visible, endAt, undefined);
  const state: StateDecl[] = [
    { name: 'rows', shape: 'keyed', describe: 'row → seen', bounded: true },
    { name: 'expiry', shape: 'timeKeyed', describe: `${visible[endAt]!.name} × row`, bounded: true },
  ];
  const id = b.add({ kind: 'distinct', inputs: [projected.node], schema: scope.schema(), timeColumn: endAt, appendOnly: true, state, timeInput: end, refInput: projected.scope.refColumn });
  return { node: id, scope, appendOnly: true };
}
