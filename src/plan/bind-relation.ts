// What the SELECT binders share (bind-query.ts, bind-aggregate.ts, bind-lag.ts): a bound
// relation and FROM item, the SELECT list as a project node, the event-time column check, and
// the tests for a window table function's virtual columns and for an aggregate call.

import type { Expr, SelectItem, Span } from '../sql/ast.js';
import type { BoundExpr } from '../expr/bound.js';
import { ExprBinder, AGGREGATES, type BindHooks } from './bind-expr.js';
import { PlanError } from './errors.js';
import { Scope, type ScopeColumn } from './scope.js';
import type { PlanBuilder } from './builder.js';
import type { AlignedWindow, PlanColumn, WindowSpec } from './physical.js';
import { defaultName } from './names.js';
import { foldProjectIntoJoin } from './fold-project.js';

export interface BoundRelation {
  readonly node: number;
  readonly scope: Scope;
  readonly appendOnly: boolean;
}

/** A FROM item; for a window table function, the input plus the window still to apply. */
export interface BoundFrom extends BoundRelation {
  readonly tvf?: { readonly window: AlignedWindow; readonly timeIndex: number; readonly span: Span };
}

/** The SELECT list as a project node. `hooks` maps aggregates, keys or LAG calls to columns. */
export function project(b: PlanBuilder, items: readonly SelectItem[], rel: BoundRelation, text: string, hooks: BindHooks): BoundRelation {
  const binder = new ExprBinder(rel.scope, text, hooks);
  const exprs: BoundExpr[] = [];
  const cols: ScopeColumn[] = [];
  let timeColumn: number | undefined;
  const used = new Set<string>();
  const push = (e: BoundExpr, name: string) => {
    let n = name;
    for (let i = 1; used.has(n); i++) n = `${name}_${i}`;
    used.add(n);
    if (timeColumn === undefined && e.kind === 'column' && e.index === rel.scope.timeColumn) timeColumn = exprs.length;
    exprs.push(e);
    cols.push({ name: n, type: e.type, qualifier: undefined, hidden: false });
  };
  for (const it of items) {
    if (it.expr.kind === 'star') {
      const q = it.expr.qualifier?.name;
      let any = false;
      rel.scope.columns.forEach((c, i) => {
        if (c.hidden || (q !== undefined && c.qualifier !== q)) return;
        any = true;
        push({ kind: 'column', index: i, name: c.name, type: c.type }, c.name);
      });
      if (!any) {
        throw new PlanError(text, it.span, q ? `no relation named '${q}' in FROM` : 'nothing to select', {
          ...(q ? { hint: `qualifiers in scope: ${[...new Set(rel.scope.columns.map((c) => c.qualifier).filter(Boolean))].join(', ')}` } : {}),
        });
      }
      continue;
    }
    const e = binder.bind(it.expr);
    push(e, it.alias?.name ?? defaultName(it.expr, e));
  }
  let refColumn: number | undefined;
  if (rel.scope.refColumn !== undefined) {
    const rc = rel.scope.columns[rel.scope.refColumn]!;
    refColumn = exprs.length;
    exprs.push({ kind: 'column', index: rel.scope.refColumn, name: rc.name, type: rc.type });
    cols.push({ ...rc, qualifier: undefined });
  }
  const scope = new Scope(cols, timeColumn, refColumn, rel.scope.noTimeReason, rel.scope.noTimeAfter);
  const schema = scope.schema();
  if (foldProjectIntoJoin(b, rel.node, exprs, schema, timeColumn)) return { node: rel.node, scope, appendOnly: rel.appendOnly };
  // A SELECT list that is its input as it is (`SELECT * FROM (subquery)`, or every column in
  // order under its own name) adds no node: a project would only copy every row.
  if (isIdentity(b, rel.node, exprs, schema, timeColumn)) return { node: rel.node, scope, appendOnly: rel.appendOnly };
  const node = b.add({ kind: 'project', inputs: [rel.node], schema, timeColumn, appendOnly: rel.appendOnly, state: [], exprs });
  return { node, scope, appendOnly: rel.appendOnly };
}

function isIdentity(b: PlanBuilder, input: number, exprs: readonly BoundExpr[], schema: readonly PlanColumn[], timeColumn: number | undefined): boolean {
  const node = b.node(input);
  if (node.kind === 'sink' || node.timeColumn !== timeColumn || node.schema.length !== schema.length) return false;
  return exprs.every((e, i) => {
    const mine = schema[i]!;
    const theirs = node.schema[i]!;
    return e.kind === 'column' && e.index === i && mine.name === theirs.name && (mine.hidden ?? false) === (theirs.hidden ?? false) && sameType(mine.type, theirs.type);
  });
}

function sameType(a: PlanColumn['type'], b: PlanColumn['type']): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** The event-time column check shared by TUMBLE, HOP, SESSION and LAG. */
export function requireTimeColumn(scope: Scope, index: number, span: Span, text: string, what: string): void {
  if (scope.timeColumn === index) return;
  const col = scope.columns[index]!;
  if (scope.noTimeReason !== undefined && col.type.kind === 'timestamp') {
    const fix = scope.noTimeAfter === 'UNION ALL' ? "select each query's event-time column (a column of a source with a WATERMARK) at the same position" : 'window the rows before the join, or use a LEFT or RIGHT JOIN, which keeps its padded side\'s event time';
    throw new PlanError(text, span, `'${col.name}' is not an event-time column after the ${scope.noTimeAfter}, so ${what} windows would never close`, {
      hint: `${scope.noTimeReason}; ${fix}`,
    });
  }
  if (col.type.kind !== 'timestamp') {
    throw new PlanError(text, span, `${what} needs a TIMESTAMP event-time column, '${col.name}' is ${col.type.kind.toUpperCase()}`);
  }
  throw new PlanError(text, span, `'${col.name}' has no watermark, so ${what} windows would never close`, {
    hint: `${what} needs the event-time column of a source with a WATERMARK; add \`WATERMARK FOR ${col.name} AS ${col.name} - INTERVAL '1' SECOND\` to the CREATE SOURCE`,
  });
}

export function isVirtualRef(e: Expr, from: BoundFrom): boolean {
  if (!from.tvf || e.kind !== 'column') return false;
  const last = e.path[e.path.length - 1]!.name;
  return (last === 'window_start' || last === 'window_end') && e.path.length <= 2;
}

export function isAggregateCall(e: Expr): e is Expr & { kind: 'call' } {
  return e.kind === 'call' && !e.over && AGGREGATES.has(e.name.name.toLowerCase());
}
