// Binds a chain of UNIONs of which at least one is distinct (`UNION`, `UNION DISTINCT`). Read left
// to right as SQL does, the last distinct UNION removes the duplicates of every branch before it:
// `a UNION b UNION ALL c` is distinct(a UNION ALL b) UNION ALL c. So: a UNION ALL of that prefix,
// a distinct node over it, then a UNION ALL with the branches after it, if any.

import type { SelectQuery, UnionQuery } from '../sql/ast.js';
import { Scope } from './scope.js';
import type { PlanBuilder } from './builder.js';
import type { BoundRelation } from './bind-relation.js';
import { unionAll } from './bind-union.js';
import type { StateDecl } from './physical.js';

export function bindUnionDistinct(b: PlanBuilder, q: UnionQuery, text: string, bindSelect: (branch: SelectQuery) => BoundRelation): BoundRelation {
  const last = q.distinct!.lastIndexOf(true);
  const prefix = q.branches.slice(0, last + 2);
  const all = unionAll(b, prefix.map(bindSelect), prefix, text, 'UNION');
  const distinct = distinctOf(b, all);
  const rest = q.branches.slice(last + 2);
  if (rest.length === 0) return distinct;
  return unionAll(b, [distinct, ...rest.map(bindSelect)], [q.branches[0]!, ...rest], text);
}

/** The distinct node over a relation: its visible columns, each distinct row once. */
function distinctOf(b: PlanBuilder, rel: BoundRelation): BoundRelation {
  const visible = rel.scope.columns.filter((c) => !c.hidden);
  // An event-time column (every branch has one at the same place) lets an append-only input forget rows behind the watermark.
  const inputTime = rel.appendOnly ? rel.scope.timeColumn : undefined;
  const timeColumn = inputTime === undefined ? undefined : rel.scope.columns.slice(0, inputTime).filter((c) => !c.hidden).length;
  const scope = new Scope(visible, timeColumn, undefined, rel.scope.noTimeReason);
  const state: StateDecl[] = [
    {
      name: 'rows',
      shape: 'keyed',
      describe: rel.appendOnly ? 'row → seen' : 'row → live copies',
      bounded: inputTime !== undefined,
    },
  ];
  if (inputTime !== undefined) state.push({ name: 'expiry', shape: 'timeKeyed', describe: 'event time × row', bounded: true });
  const node = b.add({
    kind: 'distinct',
    inputs: [rel.node],
    schema: scope.schema(),
    timeColumn,
    appendOnly: rel.appendOnly,
    state,
    timeInput: inputTime,
    refInput: rel.scope.refColumn,
  });
  return { node, scope, appendOnly: rel.appendOnly };
}
