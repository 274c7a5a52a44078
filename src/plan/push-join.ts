// Rewrite rule: filter pushdown and column pruning below a join. Applied by bind-query.ts to a
// SELECT block whose FROM is a join just built (the newest plan node, so nothing reads it yet):
//
// 1. WHERE is split into its conjunctions; one that reads only one input's columns becomes a
//    filter on that input, when the join type keeps the result equal: INNER either side; an
//    outer join only its preserved side (LEFT: the left), never the null-supplying side, where
//    it also removes the NULL-padded rows (`WHERE r.x IS NULL` must stay above). The residual of
//    ON likewise, but the other way round: only on the null-supplying side (an ON conjunction on
//    the preserved side decides which rows match, not which rows appear); FULL keeps both.
// 2. Each input keeps only the columns the join or the query above it reads: the outputs the
//    SELECT list, the remaining WHERE, GROUP BY and HAVING may name (by name, conservatively),
//    the join keys and residual, its event-time / window columns, provenance and hidden columns.
//    A project node on the input drops the rest, so the join's state holds narrower rows (only when
//    the side is filtered too, or at least half its columns go: a project copies each row).
//
// The join is rebuilt over the new inputs with every column index moved; EXPLAIN shows the
// filter and project nodes under it. `PlanOptions.pushdown === false` turns the rule off (the
// property tests build their DuckDB oracle from such an unrewritten plan).

import type { Expr, SelectQuery } from '../sql/ast.js';
import type { BoundExpr } from '../expr/bound.js';
import { ExprBinder } from './bind-expr.js';
import { Scope } from './scope.js';
import type { PlanBuilder } from './builder.js';
import type { BoundRelation } from './bind-relation.js';
import type { IntervalJoinNode, RegularJoinNode, WindowJoinNode } from './physical.js';
import { allOf, mapColumns } from './join-condition.js';

type JoinNode = RegularJoinNode | IntervalJoinNode | WindowJoinNode;
type Side = 0 | 1;

/** The join rebuilt (when the rule applies) and the WHERE conjunctions still to apply above it. */
export function pushIntoJoin(b: PlanBuilder, rel: BoundRelation, q: SelectQuery, text: string): { rel: BoundRelation; where: Expr[] } | undefined {
  if (b.options.pushdown === false || rel.node !== b.nodes.length - 1) return undefined;
  const join = b.node(rel.node);
  if (join.kind !== 'regularJoin' && join.kind !== 'intervalJoin' && join.kind !== 'windowJoin') return undefined;
  const inputs = [b.node(join.inputs[0]!), b.node(join.inputs[1]!)] as const;
  const lw = inputs[0].schema.length;
  const pushed: [BoundExpr[], BoundExpr[]] = [[], []];

  // 1. WHERE conjunctions on one side.
  const binder = new ExprBinder(rel.scope, text);
  const where: Expr[] = [];
  for (const c of q.where ? astConjuncts(q.where) : []) {
    const e = binder.bindCondition(c, 'WHERE');
    const side = sideOf(columnsOf(e).map((i) => join.outputs[i]![0]));
    if (side !== undefined && wherePushes(join.joinType, side)) pushed[side].push(mapColumns(e, (i) => join.outputs[i]![1]));
    else where.push(c);
  }
  // ... and ON's residual conjunctions (each found as itself in the whole ON, which the oracle reads).
  const onParts = join.condition ? boundConjuncts(join.condition) : [];
  const residual: BoundExpr[] = [];
  const dropFromOn = new Set<BoundExpr>();
  for (const r of join.residual ? boundConjuncts(join.residual) : []) {
    const side = sideOf(columnsOf(r).map((i) => (i < lw ? 0 : 1)));
    if (side !== undefined && onPushes(join.joinType, side) && onParts.includes(r)) {
      pushed[side].push(side === 0 ? r : mapColumns(r, (i) => i - lw));
      dropFromOn.add(r);
    } else residual.push(r);
  }

  // 2. The columns each input must keep.
  const keepOut = neededOutputs(q, where, rel.scope);
  if (join.timeColumn !== undefined) keepOut[join.timeColumn] = true;
  const need: [Set<number>, Set<number>] = [new Set(), new Set()];
  join.outputs.forEach(([s, i], o) => keepOut[o] && need[s].add(i));
  for (const k of join.leftKeys) for (const i of columnsOf(k)) need[0].add(i);
  for (const k of join.rightKeys) for (const i of columnsOf(k)) need[1].add(i);
  for (const r of residual) for (const i of columnsOf(r)) need[i < lw ? 0 : 1].add(i < lw ? i : i - lw);
  for (const s of [0, 1] as const) {
    const n = inputs[s];
    n.schema.forEach((c, i) => c.hidden && need[s].add(i));
    if (n.timeColumn !== undefined) need[s].add(n.timeColumn);
    const ref = join.refInputs[s];
    if (ref !== undefined) need[s].add(ref);
  }
  if (join.kind === 'intervalJoin') {
    need[0].add(join.leftTime);
    need[1].add(join.rightTime);
  }
  if (join.kind === 'windowJoin') {
    for (const s of [0, 1] as const) {
      need[s].add(join.starts[s]);
      need[s].add(join.ends[s]);
      const t = join.times[s];
      if (t !== undefined) need[s].add(t);
    }
  }
  // A project copies every row it passes: worth it when the side is filtered anyway (it copies
  // only the rows that stay) or when it drops at least half the visible columns. Dropping a few (Nexmark
  // q7's bid: 2 of 7) measured slower than keeping them (7.2 against 6.4-7.0 CPU s at 2M events).
  for (const s of [0, 1] as const) {
    const width = inputs[s].schema.length;
    const visible = inputs[s].schema.filter((c) => !c.hidden).length;
    if (pushed[s].length === 0 && width - need[s].size < visible / 2) for (let i = 0; i < width; i++) need[s].add(i);
  }
  const pruned = [0, 1].map((s) => need[s]!.size < inputs[s]!.schema.length);
  if (pushed[0].length === 0 && pushed[1].length === 0 && !pruned[0] && !pruned[1] && keepOut.every((k) => k)) return undefined;

  // Rebuild: the join leaves, each input gains its filter and project, the join comes back on top.
  b.removeNewest(join.id);
  const maps: [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
  const ids: number[] = [];
  for (const s of [0, 1] as const) {
    const n = inputs[s];
    let id = n.id;
    if (pushed[s].length > 0) {
      id = b.add({ kind: 'filter', inputs: [id], schema: n.schema, timeColumn: n.timeColumn, appendOnly: n.appendOnly, state: [], predicate: allOf(pushed[s])! });
    }
    const kept = n.schema.map((_c, i) => i).filter((i) => need[s].has(i));
    kept.forEach((i, j) => maps[s].set(i, j));
    if (kept.length < n.schema.length) {
      const t = n.timeColumn === undefined ? undefined : maps[s].get(n.timeColumn);
      id = b.add({
        kind: 'project',
        inputs: [id],
        schema: kept.map((i) => n.schema[i]!),
        timeColumn: t,
        appendOnly: n.appendOnly,
        state: [],
        exprs: kept.map((i) => ({ kind: 'column', index: i, name: n.schema[i]!.name, type: n.schema[i]!.type }) as const),
      });
    }
    ids.push(id);
  }
  const m0 = (i: number) => maps[0].get(i)!;
  const m1 = (i: number) => maps[1].get(i)!;
  const lw2 = maps[0].size;
  const both = (i: number) => (i < lw ? m0(i) : lw2 + m1(i - lw));
  const outIndex = new Map<number, number>();
  const outputs: Array<readonly [0 | 1, number]> = [];
  join.outputs.forEach(([s, i], o) => {
    if (!keepOut[o]) return;
    outIndex.set(o, outputs.length);
    outputs.push([s, s === 0 ? m0(i) : m1(i)]);
  });
  const cols = rel.scope.columns.filter((_c, o) => keepOut[o]);
  const timeColumn = join.timeColumn === undefined ? undefined : outIndex.get(join.timeColumn);
  const scope = new Scope(cols, rel.scope.timeColumn === undefined ? undefined : outIndex.get(rel.scope.timeColumn), undefined, rel.scope.noTimeReason, rel.scope.noTimeAfter);
  const common = {
    inputs: ids,
    schema: scope.schema(),
    timeColumn,
    leftKeys: join.leftKeys.map((k) => mapColumns(k, m0)),
    rightKeys: join.rightKeys.map((k) => mapColumns(k, m1)),
    residual: allOf(residual.map((r) => mapColumns(r, both))),
    condition: allOf(onParts.filter((c) => !dropFromOn.has(c)).map((c) => mapColumns(c, both)))!,
    outputs,
    refInputs: [join.refInputs[0] === undefined ? undefined : m0(join.refInputs[0]), join.refInputs[1] === undefined ? undefined : m1(join.refInputs[1])] as const,
  };
  const { id: _id, ...rest } = join;
  let node: number;
  if (rest.kind === 'intervalJoin') node = b.add({ ...rest, ...common, leftTime: m0(rest.leftTime), rightTime: m1(rest.rightTime) });
  else if (rest.kind === 'windowJoin') {
    const t = rest.times;
    node = b.add({ ...rest, ...common, starts: [m0(rest.starts[0]), m1(rest.starts[1])], ends: [m0(rest.ends[0]), m1(rest.ends[1])], times: [t[0] === undefined ? undefined : m0(t[0]), t[1] === undefined ? undefined : m1(t[1])] });
  } else node = b.add({ ...rest, ...common });
  return { rel: { node, scope, appendOnly: rel.appendOnly }, where };
}

/** A WHERE conjunction on `side` alone moves below the join: INNER either, LEFT/RIGHT the preserved side. */
function wherePushes(joinType: JoinNode['joinType'], side: Side): boolean {
  return joinType === 'inner' || (joinType === 'left' && side === 0) || (joinType === 'right' && side === 1);
}

/** An ON conjunction on `side` alone moves below the join: INNER either, LEFT/RIGHT the null-supplying side. */
function onPushes(joinType: JoinNode['joinType'], side: Side): boolean {
  return joinType === 'inner' || (joinType === 'left' && side === 1) || (joinType === 'right' && side === 0);
}

function sideOf(sides: readonly Side[]): Side | undefined {
  if (sides.length === 0) return undefined; // a constant condition stays where it is
  return sides.every((s) => s === sides[0]) ? sides[0] : undefined;
}

function astConjuncts(e: Expr): Expr[] {
  return e.kind === 'binary' && e.op === 'AND' ? [...astConjuncts(e.left), ...astConjuncts(e.right)] : [e];
}

function boundConjuncts(e: BoundExpr): BoundExpr[] {
  return e.kind === 'logic' && e.op === 'AND' ? e.operands.flatMap(boundConjuncts) : [e];
}

/** The column indices an expression reads. */
export function columnsOf(e: BoundExpr): number[] {
  const out: number[] = [];
  mapColumns(e, (i) => (out.push(i), i));
  return out;
}

/**
 * Per output column of the join: may the query above read it? A column is kept when any column
 * reference of the SELECT list, the remaining WHERE, GROUP BY or HAVING names it (`c`, `q.c`,
 * or `c.field`), or a star covers it; kept by name, so a reference that resolves elsewhere only
 * keeps a column too many.
 */
function neededOutputs(q: SelectQuery, where: readonly Expr[], scope: Scope): boolean[] {
  const keep = scope.columns.map(() => false);
  const lower = (s: string) => s.toLowerCase();
  for (const it of q.items) {
    if (it.expr.kind !== 'star') continue;
    const qual = it.expr.qualifier?.name;
    scope.columns.forEach((c, i) => (qual === undefined || lower(c.qualifier ?? '') === lower(qual)) && (keep[i] = true));
  }
  const names = new Set<string>();
  JSON.stringify([q.items, where, q.groupBy, q.grouping ?? [], q.having ?? null], (_k, v: unknown) => {
    if (v && typeof v === 'object' && (v as { kind?: string }).kind === 'column' && Array.isArray((v as { path?: unknown }).path)) {
      const path = (v as Expr & { kind: 'column' }).path;
      names.add(lower(path[0]!.name));
      if (path[1]) names.add(`${lower(path[0]!.name)}.${lower(path[1].name)}`);
    }
    return v;
  });
  scope.columns.forEach((c, i) => {
    if (names.has(lower(c.name)) || (c.qualifier !== undefined && names.has(`${lower(c.qualifier)}.${lower(c.name)}`))) keep[i] = true;
  });
  return keep;
}
