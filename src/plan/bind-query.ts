// Binds a query into physical nodes: a UNION ALL through bind-union.ts over its SELECT blocks;
// a SELECT block as FROM (sources, views, subqueries, window table functions), WHERE, then one
// of three shapes (plain projection, LAG window functions, or an aggregate, see
// bind-aggregate.ts), and finally the SELECT list.

import type { Expr, FromItem, Query, SelectQuery } from '../sql/ast.js';
import { T, type SqlType } from '../catalog/types.js';
import { nearest } from '../sql/diagnostics.js';
import { ExprBinder, WINDOW_FUNCTIONS } from './bind-expr.js';
import { PlanError } from './errors.js';
import { Scope, listNames, type ScopeColumn } from './scope.js';
import type { PlanBuilder } from './builder.js';
import type { AlignedWindow } from './physical.js';
import { bindAggregate, hasAggregates } from './bind-aggregate.js';
import { bindLag } from './bind-lag.js';
import { bindUnion } from './bind-union.js';
import { bindUnionDistinct } from './bind-union-distinct.js';
import { bindJoin } from './bind-join.js';
import { bindTableJoin } from './bind-table-join.js';
import type { SourceDef } from '../catalog/catalog.js';
import { isVirtualRef, project, requireTimeColumn, type BoundFrom, type BoundRelation } from './bind-relation.js';
import { cumulateWindow, hopWindow, tumbleWindow } from './window-args.js';
import { windowWithoutWatermark } from './bind-updating-window.js';
import { bindTopN, findRanking, refuseRanking, topNSubquery } from './bind-topn.js';
import { bindWindowDistinct } from './bind-distinct-window.js';
import { pushIntoJoin } from './push-join.js';
import { allOf } from './join-condition.js';

/** Views and subqueries inside each other: each level binds a whole query, recursively. */
export const MAX_QUERY_DEPTH = 32;

export function bindQuery(b: PlanBuilder, q: Query, text: string, depth = 0): BoundRelation {
  if (depth > MAX_QUERY_DEPTH) {
    throw new PlanError(text, q.span, `views and subqueries nest more than ${MAX_QUERY_DEPTH} deep here`, {
      hint: 'a view that reads itself (dropped and created again over a view that reads it) never ends; otherwise flatten the subqueries',
    });
  }
  if (q.kind === 'union') {
    const bind = q.distinct?.some((d) => d) ? bindUnionDistinct : bindUnion;
    return bind(b, q, text, (branch) => bindSelect(b, branch, text, depth));
  }
  return bindSelect(b, q, text, depth);
}

function bindSelect(b: PlanBuilder, q0: SelectQuery, text: string, depth: number): BoundRelation {
  // Top-N: the subquery ranks rows (bind-topn.ts); the rn bounds leave the outer WHERE.
  const inner = topNSubquery(q0);
  const topN = inner && bindTopN(b, q0, inner, text, (sub) => bindTopNInput(b, sub, text, depth + 1));
  const q: SelectQuery = topN ? { ...q0, where: topN.where } : q0;
  const ranking = findRanking([q.items, q.where, q.having, q.groupBy]);
  if (ranking) refuseRanking(ranking, text);
  const from = topN ? topN.from : bindFrom(b, q.from, text, depth);
  const grouped = q.groupBy.length > 0 || q.grouping !== undefined;
  const windowed = grouped || q.distinct || hasAggregates(q);
  if (!grouped && q.emit && !hasAggregates(q)) {
    throw new PlanError(text, q.emit.span, `EMIT ${q.emit.mode.toUpperCase()} needs an aggregate`, {
      hint: 'EMIT applies to GROUP BY queries: windows emit FINAL (default) or CHANGES',
    });
  }

  // A window table function used without a windowed aggregate: materialise its columns.
  let rel: BoundFrom = from;
  if (from.tvf && !(windowed && groupsByTvfWindow(q, from))) rel = expandTvf(b, from);
  else if (from.tvf && q.where && referencesVirtual(q.where, from)) {
    throw new PlanError(text, q.where.span, 'window_start and window_end are not known before the window is aggregated', {
      hint: 'filter on them in HAVING instead of WHERE',
    });
  }

  rel = bindWhere(b, rel, q, text);

  if (q.distinct && !rel.tvf) {
    const bounded = bindWindowDistinct(b, q, rel, text);
    if (bounded) return bounded;
  }
  if (windowed) return bindAggregate(b, q, rel, text);
  if (q.items.some((it) => containsWindowFunction(it.expr))) {
    const lagged = bindLag(b, q, rel, text);
    return project(b, q.items, lagged.relation, text, lagged.hooks);
  }
  return project(b, q.items, rel, text, {});
}

/** A Top-N subquery's FROM (a window table function materialised) and WHERE. */
function bindTopNInput(b: PlanBuilder, q: SelectQuery, text: string, depth: number): BoundRelation {
  const from = bindFrom(b, q.from, text, depth);
  return bindWhere(b, from.tvf ? expandTvf(b, from) : from, q, text);
}

/**
 * WHERE over the FROM just bound; over a join just built, its one-sided conjunctions go below the
 * join and unread columns are dropped first (push-join.ts), the rest is filtered above it.
 */
function bindWhere<R extends BoundFrom>(b: PlanBuilder, rel: R, q: SelectQuery, text: string): R {
  const pushed = q.from.kind === 'join' && !rel.tvf ? pushIntoJoin(b, rel, q, text) : undefined;
  const r: R = pushed ? { ...rel, ...pushed.rel } : rel;
  const where = pushed ? pushed.where : q.where ? [q.where] : [];
  if (where.length === 0) return r;
  const binder = new ExprBinder(r.scope, text);
  const pred = allOf(where.map((c) => binder.bindCondition(c, 'WHERE')))!;
  return { ...r, node: b.add({ kind: 'filter', inputs: [r.node], schema: b.node(r.node).schema, timeColumn: r.scope.timeColumn, appendOnly: r.appendOnly, state: [], predicate: pred }) };
}

function bindFrom(b: PlanBuilder, f: FromItem, text: string, depth: number): BoundFrom {
  switch (f.kind) {
    case 'table': {
      const entry = b.catalog.lookupRelation(f.name.name);
      if (!entry) {
        const names = b.catalog.relationNames();
        const guess = nearest(f.name.name, names);
        const sink = b.catalog.sinks.has(f.name.name);
        // With nothing declared there is no list to offer: say so instead of "one of" nothing.
        const none = `no source or view is declared yet: declare it first, e.g. CREATE SOURCE ${f.name.name} (ts TIMESTAMP, ...) WITH (connector = 'file', path = '...')`;
        throw new PlanError(text, f.name.span, sink ? `'${f.name.name}' is a sink and cannot be read` : `unknown source or view '${f.name.name}'`, {
          ...(names.length > 0 ? { expected: `one of ${listNames(names)}` } : {}),
          ...(guess ? { hint: `did you mean '${guess}'?` } : sink ? {} : { hint: names.length === 0 ? none : 'declare it with CREATE SOURCE or CREATE VIEW first' }),
        });
      }
      const qualifier = f.alias?.name ?? f.name.name;
      if (entry.kind === 'source' && entry.def.table) {
        throw new PlanError(text, f.name.span, `'${f.name.name}' is a table: it is joined with a stream, not read as one`, {
          hint: `write FROM stream JOIN ${f.name.name} ON stream.k = ${f.name.name}.k (add FOR SYSTEM_TIME AS OF stream.ts after ${f.name.name} for the version valid at each row's time)`,
        });
      }
      if (entry.kind === 'source') {
        const node = b.source(entry.def);
        const n = b.node(node);
        return { node, scope: Scope.fromSchema(n.schema, qualifier, n.timeColumn), appendOnly: true };
      }
      const v = bindQuery(b, entry.def.query, entry.def.sourceText, depth + 1);
      return { ...v, scope: v.scope.withQualifier(qualifier) };
    }
    case 'subquery': {
      const v = bindQuery(b, f.query, text, depth + 1);
      return f.alias ? { ...v, scope: v.scope.withQualifier(f.alias.name) } : v;
    }
    case 'windowTvf': {
      const input = bindFrom(b, f.input, text, depth);
      const rel = input.tvf ? expandTvf(b, input) : input;
      if (!rel.appendOnly) {
        throw new PlanError(text, f.span, `${f.fn} needs an append-only input, and this input is a changelog`, {
          hint: 'a GROUP BY without a window (or EMIT CHANGES) emits updates; window the raw events instead',
        });
      }
      const { index } = rel.scope.resolve([f.timeCol], f.timeCol.span, text);
      if (!windowWithoutWatermark(rel.scope, index)) requireTimeColumn(rel.scope, index, f.timeCol.span, text, f.fn);
      const window = tvfWindow(f, text);
      const base = rel.scope.columns.map((c) => ({ ...c, qualifier: f.alias?.name ?? c.qualifier }));
      const virtual: ScopeColumn[] = [
        { name: 'window_start', type: T.timestamp, qualifier: f.alias?.name, hidden: false },
        { name: 'window_end', type: T.timestamp, qualifier: f.alias?.name, hidden: false },
      ];
      return {
        node: rel.node,
        scope: new Scope([...base, ...virtual], rel.scope.timeColumn, rel.scope.refColumn),
        appendOnly: rel.appendOnly,
        tvf: { window, timeIndex: index, span: f.span },
      };
    }
    case 'join': {
      const side = (item: FromItem): BoundRelation => {
        const r = bindFrom(b, item, text, depth);
        return r.tvf ? expandTvf(b, r) : r;
      };
      const table = tableOf(b, f.right);
      if (table) return bindTableJoin(b, f, text, side(f.left), table);
      if (f.asOf) {
        throw new PlanError(text, f.asOf.span, 'FOR SYSTEM_TIME AS OF joins a table (CREATE TABLE), and the right side of this JOIN is not one', {
          hint: 'declare the reference data with CREATE TABLE ... (..., PRIMARY KEY (k), WATERMARK FOR ts AS ...), or join two streams with a time bound',
        });
      }
      return bindJoin(b, f, text, side(f.left), side(f.right));
    }
  }
}

/** The table a JOIN's right side names, when it is one. */
function tableOf(b: PlanBuilder, item: FromItem): SourceDef | undefined {
  if (item.kind !== 'table') return undefined;
  const entry = b.catalog.lookupRelation(item.name.name);
  return entry?.kind === 'source' && entry.def.table ? entry.def : undefined;
}

function tvfWindow(f: FromItem & { kind: 'windowTvf' }, text: string): AlignedWindow {
  const want = f.fn === 'TUMBLE' ? 1 : 2;
  if (f.args.length !== want && f.args.length !== want + 1) {
    throw new PlanError(text, f.span, `${f.fn}(relation, time_column, ${f.fn === 'TUMBLE' ? 'size' : f.fn === 'HOP' ? 'slide, size' : 'step, size'} [, offset]) takes ${want + 2} or ${want + 3} arguments`);
  }
  if (f.fn === 'TUMBLE') return tumbleWindow(f.args[0]!, f.args[1], text);
  if (f.fn === 'CUMULATE') return cumulateWindow(f.args[0]!, f.args[1]!, f.args[2], text);
  return hopWindow(f.args[0]!, f.args[1]!, f.args[2], text);
}

function expandTvf(b: PlanBuilder, from: BoundFrom): BoundFrom {
  const tvf = from.tvf!;
  const input = b.node(from.node);
  const schema = [...input.schema, { name: 'window_start', type: T.timestamp as SqlType }, { name: 'window_end', type: T.timestamp as SqlType }];
  const node = b.add({ kind: 'windowExpand', inputs: [from.node], schema, timeColumn: from.scope.timeColumn, appendOnly: from.appendOnly, state: [], window: tvf.window, timeInput: tvf.timeIndex });
  // The scope already lists window_start/window_end after the input columns; the node makes them real.
  return { node, scope: from.scope, appendOnly: from.appendOnly };
}

function groupsByTvfWindow(q: SelectQuery, from: BoundFrom): boolean {
  const inSets = (q.grouping ?? []).flatMap((g) => (g.kind === 'groupingSets' ? g.sets.flatMap((s) => s.items) : g.items));
  // SELECT DISTINCT of a window's bounds groups by the window (bind-aggregate.ts).
  return [...q.groupBy, ...inSets].some((g) => isVirtualRef(g, from)) || (q.distinct && q.groupBy.length === 0 && q.grouping === undefined && q.items.some((i) => isVirtualRef(i.expr, from)));
}

function referencesVirtual(e: Expr, from: BoundFrom): boolean {
  let hit = false;
  JSON.stringify(e, (_k, v: unknown) => {
    if (v && typeof v === 'object' && (v as { kind?: string }).kind === 'column' && isVirtualRef(v as Expr, from)) hit = true;
    return v;
  });
  return hit;
}

export function containsWindowFunction(e: Expr): boolean {
  let hit = false;
  JSON.stringify(e, (_k, v: unknown) => {
    if (v && typeof v === 'object' && (v as { kind?: string }).kind === 'call') {
      const c = v as Expr & { kind: 'call' };
      if (c.over || WINDOW_FUNCTIONS.has(c.name.name.toLowerCase())) hit = true;
    }
    return v;
  });
  return hit;
}
