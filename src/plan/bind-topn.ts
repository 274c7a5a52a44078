// Top-N and deduplication: `SELECT ... FROM (SELECT ..., ROW_NUMBER() | RANK() | DENSE_RANK()
// OVER (PARTITION BY p ORDER BY o [ASC|DESC], ...) AS rn FROM x [WHERE ...]) [AS t] WHERE rn <= N
// [AND ...]` becomes one topN node (physical.ts) under the subquery's SELECT list; the outer block
// then binds as usual with the rn conditions consumed. Any other use of the ranking functions is
// refused here with the supported pattern.

import type { Expr, SelectItem, SelectQuery, Span } from '../sql/ast.js';
import { T } from '../catalog/types.js';
import type { BoundExpr } from '../expr/bound.js';
import { ExprBinder, exprIdentity } from './bind-expr.js';
import { PlanError } from './errors.js';
import { Scope, type ScopeColumn } from './scope.js';
import type { PlanBuilder } from './builder.js';
import type { StateDecl, TopNNode } from './physical.js';
import { project, type BoundFrom, type BoundRelation } from './bind-relation.js';
import { hasAggregates } from './bind-aggregate.js';

export const RANKING_FUNCTIONS = new Set(['row_number', 'rank', 'dense_rank']);

const PATTERN = 'SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (PARTITION BY k ORDER BY x DESC) AS rn FROM t) WHERE rn <= 3';

type Call = Expr & { kind: 'call' };

function isRanking(e: Expr): e is Call {
  return e.kind === 'call' && RANKING_FUNCTIONS.has(e.name.name.toLowerCase());
}

/** The first ROW_NUMBER/RANK/DENSE_RANK call anywhere in the expression, if any. */
export function findRanking(e: unknown): Call | undefined {
  if (!e || typeof e !== 'object') return undefined;
  if (Array.isArray(e)) {
    for (const x of e) {
      const hit = findRanking(x);
      if (hit) return hit;
    }
    return undefined;
  }
  if (isRanking(e as Expr)) return e as Call;
  for (const [k, v] of Object.entries(e)) {
    if (k === 'span') continue;
    const hit = findRanking(v);
    if (hit) return hit;
  }
  return undefined;
}

/** A ranking function outside the supported pattern (a SELECT list, WHERE, a join...). */
export function refuseRanking(c: Call, text: string): never {
  throw new PlanError(text, c.span, `${c.name.name.toUpperCase()}() is supported only in the Top-N pattern: a subquery's SELECT list, filtered on its result in the outer WHERE`, {
    hint: PATTERN,
  });
}

/** The subquery of a block whose SELECT list ranks rows, when the block has that shape. */
export function topNSubquery(q: SelectQuery): SelectQuery | undefined {
  if (q.from.kind !== 'subquery' || q.from.query.kind !== 'select') return undefined;
  const inner = q.from.query;
  return inner.items.some((i) => findRanking(i.expr) !== undefined) ? inner : undefined;
}

export interface BoundTopN {
  /** The subquery's output, as a FROM item of the outer block. */
  readonly from: BoundFrom;
  /** The outer WHERE without the rn conditions the operator applies. */
  readonly where: Expr | undefined;
}

/**
 * Binds the subquery of a Top-N block. `bindInput` binds the subquery's FROM and WHERE (a window
 * table function materialised), as a plain SELECT would.
 */
export function bindTopN(b: PlanBuilder, q: SelectQuery, inner: SelectQuery, text: string, bindInput: (inner: SelectQuery) => BoundRelation): BoundTopN {
  const rankItems = inner.items.filter((i) => findRanking(i.expr) !== undefined);
  const item = rankItems[0]!;
  const call = findRanking(item.expr)!;
  if (rankItems.length > 1) throw new PlanError(text, rankItems[1]!.span, 'a Top-N subquery takes one ranking function', { hint: PATTERN });
  if (item.expr !== call) throw new PlanError(text, item.expr.span, `${call.name.name.toUpperCase()}() must be a SELECT item of its own, named with AS`, { hint: PATTERN });
  const fn = call.name.name.toLowerCase() as TopNNode['fn'];
  const fnName = fn.toUpperCase();
  if (!call.over) throw new PlanError(text, call.span, `${fnName}() needs an OVER clause`, { hint: PATTERN });
  if (call.args.length > 0 || call.star || call.distinct) throw new PlanError(text, call.span, `${fnName}() takes no arguments`, { hint: PATTERN });
  if (call.over.orderBy.length === 0) throw new PlanError(text, call.over.span, `${fnName}() OVER needs an ORDER BY: it ranks rows by it`, { hint: PATTERN });
  if (inner.groupBy.length > 0 || inner.distinct || inner.having || hasAggregates(inner)) {
    throw new PlanError(text, inner.span, `a Top-N subquery cannot aggregate: ${fnName}() ranks the rows of its FROM`, {
      hint: 'aggregate in a subquery (or view) one level further down: SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (...) AS rn FROM (SELECT k, MAX(v) AS m ... GROUP BY ...)) WHERE rn <= 3',
    });
  }
  const alias = item.alias?.name;
  if (alias === undefined) throw new PlanError(text, item.span, `name the ${fnName}() column with AS, e.g. AS rn, to filter on it`, { hint: PATTERN });
  const qualifier = q.from.kind === 'subquery' ? q.from.alias?.name : undefined;
  const { limit, rest, kept } = rankLimit(q.where, alias, qualifier, fnName, q.span, text);

  const rel = bindInput(inner);
  const binder = new ExprBinder(rel.scope, text);
  const partitionBy = call.over.partitionBy.map((p) => binder.bind(p));
  const orderBy = call.over.orderBy.map((o, i) => ({ expr: binder.bind(o), desc: call.over!.descending?.[i] === true }));
  for (let i = 0; i < orderBy.length; i++) {
    if (orderBy[i]!.expr.type.kind === 'struct') throw new PlanError(text, call.over.orderBy[i]!.span, `${fnName}() cannot order by a STRUCT`, { hint: 'order by one of its fields' });
  }
  const input = b.node(rel.node);
  const tieBreak = rel.scope.columns.flatMap((c, i) => (c.hidden || c.type.kind === 'struct' ? [] : [i]));
  const rankColumn = kept || referencesRank(q, alias, kept);

  // The mode: a window's top N, the first row per partition, or an updating ranking.
  const windowColumns = rel.appendOnly ? windowBounds(b, rel, partitionBy) : undefined;
  const time = rel.scope.timeColumn;
  const first =
    windowColumns === undefined &&
    fn === 'row_number' &&
    limit === 1 &&
    rel.appendOnly &&
    time !== undefined &&
    orderBy.length === 1 &&
    !orderBy[0]!.desc &&
    orderBy[0]!.expr.kind === 'column' &&
    orderBy[0]!.expr.index === time;
  const mode: TopNNode['mode'] = windowColumns ? 'window' : first ? 'first' : 'updating';
  const state: StateDecl[] =
    mode === 'window'
      ? [{ name: 'windows', shape: 'timeKeyed', describe: `window end × partition → its top ${limit} rows`, bounded: true }]
      : mode === 'first'
        ? [
            { name: 'candidates', shape: 'timeKeyed', describe: 'event time × partition → its earliest row at that time, waiting for the watermark', bounded: true },
            { name: 'kept', shape: 'keyed', describe: 'partition → its first row was emitted', bounded: false },
          ]
        : [
            {
              name: 'partitions',
              shape: 'keyed',
              describe: rel.appendOnly ? `partition → its top ${limit} rows (an append-only input: a row that drops out never comes back)` : 'partition → every live row, ranked (a changelog input: a retraction can bring a row back into the top)',
              bounded: false,
            },
          ];
  // Hidden: the subquery's `*` must not select it; its SELECT list names it through the call.
  const rnCol: ScopeColumn = { name: alias, type: T.bigint, qualifier: undefined, hidden: true };
  const outTime = mode === 'first' ? time : undefined;
  const node = b.add({
    kind: 'topN',
    inputs: [rel.node],
    schema: [...input.schema, ...(rankColumn ? [{ name: alias, type: T.bigint }] : [])],
    timeColumn: outTime,
    appendOnly: mode !== 'updating',
    state,
    fn,
    mode,
    partitionBy,
    orderBy,
    tieBreak,
    limit,
    rankColumn,
    windowColumns,
    timeInput: mode === 'first' ? time : undefined,
    inputAppendOnly: rel.appendOnly,
    refInput: rel.scope.refColumn,
  });
  const width = rel.scope.columns.length;
  const scope = new Scope(rankColumn ? [...rel.scope.columns, rnCol] : rel.scope.columns, outTime, rel.scope.refColumn, 'a Top-N result keeps no event time (a window Top-N or updating one)', 'Top-N');
  const items: readonly SelectItem[] = rankColumn ? inner.items : inner.items.filter((i) => i !== item);
  const callId = exprIdentity(call);
  const out = project(b, items, { node, scope, appendOnly: mode !== 'updating' }, text, {
    intercept: (e) => (exprIdentity(e) === callId ? ({ kind: 'column', index: width, name: alias, type: T.bigint } satisfies BoundExpr) : undefined),
  });
  const from: BoundFrom = { ...out, scope: qualifier ? out.scope.withQualifier(qualifier) : out.scope };
  return { from, where: rest };
}

function conjuncts(e: Expr | undefined): Expr[] {
  if (e === undefined) return [];
  if (e.kind === 'binary' && e.op === 'AND') return [...conjuncts(e.left), ...conjuncts(e.right)];
  return [e];
}

function isRankRef(e: Expr, alias: string, qualifier: string | undefined): boolean {
  if (e.kind !== 'column') return false;
  const names = e.path.map((p) => p.name.toLowerCase());
  if (names.length === 1) return names[0] === alias.toLowerCase();
  return names.length === 2 && qualifier !== undefined && names[0] === qualifier.toLowerCase() && names[1] === alias.toLowerCase();
}

/**
 * N from the outer WHERE's conjuncts `rn <= N`, `rn < N`, `rn = N` (or mirrored): the smallest.
 * The others stay as a filter (`rn = N` with N > 1 too, which then needs the rn column: `kept`).
 */
function rankLimit(where: Expr | undefined, alias: string, qualifier: string | undefined, fnName: string, span: Span, text: string): { limit: number; rest: Expr | undefined; kept: boolean } {
  let limit: number | undefined;
  let kept = false;
  const rest: Expr[] = [];
  for (const c of conjuncts(where)) {
    let n: number | undefined;
    let op: string | undefined;
    let num: Expr | undefined;
    if (c.kind === 'binary' && isRankRef(c.left, alias, qualifier) && c.right.kind === 'number') [op, num] = [c.op, c.right];
    else if (c.kind === 'binary' && isRankRef(c.right, alias, qualifier) && c.left.kind === 'number') {
      const mirror: Record<string, string> = { '>=': '<=', '>': '<', '=': '=' };
      [op, num] = [mirror[c.op], c.left];
    }
    if (num?.kind === 'number' && num.integral) {
      if (op === '<=') n = num.value;
      else if (op === '<') n = num.value - 1;
      else if (op === '=') n = num.value;
    }
    if (n === undefined) {
      rest.push(c);
      continue;
    }
    if (n < 1) throw new PlanError(text, c.span, `${alias} is at least 1, so this keeps no row`, { hint: `${alias} <= 1 keeps the first row of each partition` });
    if (op === '=' && n > 1) {
      rest.push(c);
      kept = true;
    }
    limit = limit === undefined ? n : Math.min(limit, n);
  }
  if (limit === undefined) {
    throw new PlanError(text, where?.span ?? span, `${fnName}() needs a bound on its result in the outer WHERE: ${alias} <= N, ${alias} < N or ${alias} = 1`, {
      hint: PATTERN,
    });
  }
  const and = (l: Expr, r: Expr): Expr => ({ kind: 'binary', op: 'AND', left: l, right: r, span: { start: l.span.start, end: r.span.end } as Span });
  return { limit, rest: rest.length === 0 ? undefined : rest.reduce(and), kept };
}

/** Whether the outer block reads the rank column (by name or `*`) besides the bounds it consumes. */
function referencesRank(q: SelectQuery, alias: string, kept: boolean): boolean {
  if (kept) return true;
  const parts: unknown[] = [q.items, q.groupBy, q.having];
  const qualifier = q.from.kind === 'subquery' ? q.from.alias?.name : undefined;
  let hit = false;
  const visit = (x: unknown): void => {
    if (hit || !x || typeof x !== 'object') return;
    if (Array.isArray(x)) return x.forEach(visit);
    const e = x as Expr;
    if (e.kind === 'star') hit = true;
    else if (e.kind === 'column' && isRankRef(e, alias, qualifier)) hit = true;
    else for (const [k, v] of Object.entries(x)) if (k !== 'span') visit(v);
  };
  visit(parts);
  // WHERE conjuncts other than the bound may read rn too (`rn > 1`).
  if (!hit && q.where) {
    for (const c of conjuncts(q.where)) {
      const bound = c.kind === 'binary' && (isRankRef(c.left, alias, qualifier) || isRankRef(c.right, alias, qualifier)) && (c.left.kind === 'number' || c.right.kind === 'number') && ['<', '<=', '=', '>=', '>'].includes(c.op);
      if (!bound) visit(c);
    }
  }
  return hit;
}

/**
 * The input columns that are window_start and window_end of a windowed relation (a window table
 * function's rows or a windowed aggregate's results), copied unchanged through filters and
 * projections, when the partition names both; else undefined.
 */
function windowBounds(b: PlanBuilder, rel: BoundRelation, partitionBy: readonly BoundExpr[]): readonly [number, number] | undefined {
  let start: number | undefined;
  let end: number | undefined;
  for (const p of partitionBy) {
    if (p.kind !== 'column') continue;
    const role = windowRole(b, rel.node, p.index);
    if (role === 'start') start = p.index;
    if (role === 'end') end = p.index;
  }
  return start !== undefined && end !== undefined ? [start, end] : undefined;
}

export function windowRole(b: PlanBuilder, id: number, column: number): 'start' | 'end' | undefined {
  const n = b.node(id);
  switch (n.kind) {
    case 'filter':
      return windowRole(b, n.inputs[0]!, column);
    case 'project': {
      const e = n.exprs[column];
      return e?.kind === 'column' ? windowRole(b, n.inputs[0]!, e.index) : undefined;
    }
    case 'windowExpand': {
      const w = b.node(n.inputs[0]!).schema.length;
      // CUMULATE windows of one cumulation share window_start: only their end tells them apart, and it is the end that closes.
      return column === w ? 'start' : column === w + 1 ? 'end' : undefined;
    }
    case 'windowAgg':
      if (n.emit !== 'final') return undefined;
      return column === n.keys.length ? 'start' : column === n.keys.length + 1 ? 'end' : undefined;
    default:
      return undefined;
  }
}
