// Binds `q1 UNION ALL q2 [UNION ALL ...]` into one union node over the branches' plans: columns
// matched by position and named by the first branch, types widened as DuckDB widens them
// (commonType), the event-time column kept only where every branch has it, `$ref` last. A chain
// with a distinct `UNION` goes (from bind-query.ts) to bind-union-distinct.ts, which builds on
// unionAll.

import type { SelectQuery, Span, UnionQuery } from '../sql/ast.js';
import { T, commonType, typeToSql, type SqlType } from '../catalog/types.js';
import { PlanError } from './errors.js';
import { Scope, type ScopeColumn } from './scope.js';
import type { PlanBuilder } from './builder.js';
import { REF_COLUMN, type PlanColumn } from './physical.js';
import type { BoundRelation } from './bind-relation.js';

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];

function nth(i: number): string {
  return ORDINALS[i] ?? `${i + 1}th`;
}

export function bindUnion(b: PlanBuilder, q: UnionQuery, text: string, bindSelect: (branch: SelectQuery) => BoundRelation): BoundRelation {
  return unionAll(b, q.branches.map((branch) => bindSelect(branch)), q.branches, text);
}

/** One union node over bound branches; `branches[i]` (i >= 1) gives diagnostics their position, `what` their wording. */
export function unionAll(b: PlanBuilder, rels: readonly BoundRelation[], branches: readonly SelectQuery[], text: string, what = 'UNION ALL'): BoundRelation {
  const visible = rels.map((r) => r.scope.columns.filter((c) => !c.hidden));
  const first = visible[0]!;
  const types: SqlType[] = first.map((c) => c.type);
  for (let i = 1; i < rels.length; i++) {
    const branch = branches[i]!;
    const cols = visible[i]!;
    if (cols.length !== first.length) {
      throw new PlanError(text, selectListSpan(branch), `each query of a ${what} must select as many columns: the first selects ${first.length} (${names(first)}), the ${nth(i)} ${cols.length} (${names(cols)})`, {
        hint: 'columns are matched by position: add or remove columns, or select NULL AS name for a missing one',
      });
    }
    cols.forEach((c, k) => {
      const widened = commonType(types[k]!, c.type);
      if (widened === undefined) {
        const was = types[k]!;
        throw new PlanError(text, itemSpan(branch, k, cols.length), `column ${k + 1} of the ${what} ('${first[k]!.name}') is ${typeToSql(was)} before the ${nth(i)} query, which makes it ${typeToSql(c.type)}`, {
          expected: `a ${typeToSql(was)} column${was.kind === 'int' || was.kind === 'bigint' || was.kind === 'double' ? ' or another number' : ''}`,
          hint: `cast one side so the types match, e.g. CAST(${c.name} AS ${typeToSql(was)}); numbers widen (INT and BIGINT to BIGINT, any with DOUBLE to DOUBLE), other types must be equal`,
        });
      }
      types[k] = widened;
    });
  }

  const { timeColumn, noTimeReason } = eventTime(rels, visible);
  const refInputs = rels.map((r) => r.scope.refColumn);
  const tracked = refInputs.some((r) => r !== undefined);
  const columns: ScopeColumn[] = first.map((c, k) => ({ name: c.name, type: types[k]!, qualifier: undefined, hidden: false }));
  if (tracked) columns.push({ name: REF_COLUMN, type: T.varchar, qualifier: undefined, hidden: true });
  const scope = new Scope(columns, timeColumn, tracked ? first.length : undefined, noTimeReason);
  const schema: PlanColumn[] = scope.schema();
  const appendOnly = rels.every((r) => r.appendOnly);
  const node = b.add({ kind: 'union', inputs: rels.map((r) => r.node), schema, timeColumn, appendOnly, state: [], refInputs });
  return { node, scope, appendOnly };
}

/**
 * The union's event-time column: the position where every branch has its own, else none, with
 * the reason for a window that asks for one.
 */
function eventTime(rels: readonly BoundRelation[], visible: readonly (readonly ScopeColumn[])[]): { timeColumn: number | undefined; noTimeReason: string | undefined } {
  const at = rels.map((r) => r.scope.timeColumn);
  const t = at[0];
  if (t !== undefined && at.every((x) => x === t)) return { timeColumn: t, noTimeReason: undefined };
  const describe = (i: number): string => {
    const x = at[i];
    return x === undefined ? `the ${nth(i)} query has none` : `the ${nth(i)} query's is '${visible[i]![x]!.name}' (column ${x + 1})`;
  };
  const differing = at.findIndex((x) => x !== t);
  const reason = `a UNION ALL keeps the event-time column only where every query has it at the same position: ${describe(0)}, ${describe(differing < 0 ? 1 : differing)}`;
  return { timeColumn: undefined, noTimeReason: reason };
}

function names(cols: readonly ScopeColumn[]): string {
  const shown = cols.slice(0, 6).map((c) => c.name);
  return shown.join(', ') + (cols.length > 6 ? ', …' : '');
}

function selectListSpan(q: SelectQuery): Span {
  const items = q.items;
  return { start: items[0]!.span.start, end: items[items.length - 1]!.span.end };
}

/** The SELECT item of output column k when items and columns match one to one (no `*`), else the whole list. */
function itemSpan(q: SelectQuery, k: number, width: number): Span {
  const plain = q.items.length === width && q.items.every((it) => it.expr.kind !== 'star');
  return plain ? q.items[k]!.span : selectListSpan(q);
}
