// Binds `FROM a JOIN b ON ...` into an interval join: ON is split into its conjunctions, which
// are equality keys (one side's expression = the other's), bounds on the right side's event time
// relative to the left's (`b.ts BETWEEN a.ts - 5m AND a.ts + 1m`, or `>=`, `>`, `<=`, `<`, `=`
// between the two event-time columns, each plus or minus a constant interval), or the residual.
// A join of two windowed inputs on equal window bounds is a window join (bind-window-join.ts);
// one without both bounds, or over a changelog, is a regular join (bind-regular-join.ts); a cross
// join (no key, no bound) is refused. INNER, LEFT, RIGHT and FULL are built for all three.

import type { FromItem } from '../sql/ast.js';
import { T, commonType } from '../catalog/types.js';
import type { BoundExpr } from '../expr/bound.js';
import { formatDuration } from '../catalog/duration.js';
import { ExprBinder } from './bind-expr.js';
import { PlanError } from './errors.js';
import { Scope, type ScopeColumn } from './scope.js';
import type { PlanBuilder } from './builder.js';
import type { BoundRelation } from './bind-relation.js';
import type { StateDecl } from './physical.js';
import { REF_COLUMN } from './physical.js';
import { bindRegularJoin } from './bind-regular-join.js';
import { joinTimeSide } from '../exec/time.js';
import { bindWindowJoin } from './bind-window-join.js';

type JoinItem = FromItem & { kind: 'join' };

const FORM = "a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '5' MINUTE AND a.ts + INTERVAL '1' MINUTE";

/** The inclusive bounds `lower <= right.ts - left.ts <= upper` and what else ON says. */
export interface JoinCondition {
  readonly leftKeys: BoundExpr[];
  readonly rightKeys: BoundExpr[];
  readonly lowerMicros: number | undefined;
  readonly upperMicros: number | undefined;
  readonly residual: BoundExpr[];
}

export function bindJoin(b: PlanBuilder, f: JoinItem, text: string, left: BoundRelation, right: BoundRelation): BoundRelation {
  if (f.joinType === 'cross') {
    throw new PlanError(text, f.typeSpan, 'CROSS JOIN (every pair of rows, state without bound) is not supported; a JOIN needs an equality key between its two sides', {
      hint: `write JOIN ... ON a.k = b.k [AND ...], or bound the two event times for an interval join: ON ${FORM}`,
    });
  }
  const joinType = f.joinType;
  if (f.on === undefined) {
    throw new PlanError(text, f.typeSpan, 'a JOIN needs ON with an equality key between its two sides', {
      hint: `e.g. ON a.k = b.k; for an interval join also bound the two event times: ON ${FORM}`,
    });
  }
  const lw = left.scope.columns.length;
  const both = new Scope(
    [...left.scope.columns, ...right.scope.columns].map((c) => ({ ...c, hidden: c.hidden || c.name === REF_COLUMN })),
    undefined,
    undefined,
  );
  const on = new ExprBinder(both, text).bindCondition(f.on, 'ON');
  // Equal window bounds on two append-only (closed-window) inputs make a window join, whatever the
  // event-time columns; otherwise a join without a pair of time bounds, or over a changelog, is regular.
  if (left.appendOnly && right.appendOnly) {
    const windowed = bindWindowJoin(b, f, text, left, right, on);
    if (windowed !== undefined) return windowed;
  }
  const regular = bindRegularJoin(b, f, text, left, right);
  if (regular !== undefined) return regular;
  for (const [rel, side, item] of [[left, 'left', f.left], [right, 'right', f.right]] as const) {
    if (rel.scope.timeColumn === undefined) {
      throw new PlanError(text, item.span, `the ${side} side of the JOIN has no event-time column, so no time bound can expire its rows`, {
        hint: rel.scope.noTimeReason ?? 'join sources that declare a WATERMARK (or views and subqueries that select their event-time column), or two windowed inputs on equal window_start and window_end (a window join)',
      });
    }
  }
  const lt = left.scope.timeColumn!;
  const rt = right.scope.timeColumn!;
  const cond = splitCondition(on, lw, lt, lw + rt);
  const ltName = `${left.scope.columns[lt]!.qualifier ?? 'left'}.${left.scope.columns[lt]!.name}`;
  const rtName = `${right.scope.columns[rt]!.qualifier ?? 'right'}.${right.scope.columns[rt]!.name}`;
  if (cond.lowerMicros === undefined || cond.upperMicros === undefined) {
    const missing = cond.lowerMicros === undefined && cond.upperMicros === undefined ? 'a lower and an upper bound' : cond.lowerMicros === undefined ? 'a lower bound' : 'an upper bound';
    throw new PlanError(text, f.on.span, `this JOIN has no time bound: ON needs ${missing} on ${rtName} relative to ${ltName}, else every row would be kept forever (a regular join's state is unbounded)`, {
      expected: `${rtName} BETWEEN ${ltName} - INTERVAL ... AND ${ltName} + INTERVAL ..., or ${rtName} >= / > / <= / < ${ltName} ± INTERVAL ...`,
      hint: `e.g. ON ${FORM}; the bounds must compare the two event-time columns (those with a WATERMARK) directly, each plus or minus a constant interval`,
    });
  }
  if (cond.lowerMicros > cond.upperMicros) {
    throw new PlanError(text, f.on.span, `the time bounds of this JOIN admit no pair: ${rtName} - ${ltName} must be at least ${signed(cond.lowerMicros)} and at most ${signed(cond.upperMicros)}`, {
      hint: 'swap the bounds (BETWEEN takes the lower one first)',
    });
  }
  const [leftKeys, rightKeys] = alignKeys(cond.leftKeys, cond.rightKeys, lw);
  const residual = cond.residual.length === 0 ? undefined : cond.residual.length === 1 ? cond.residual[0]! : ({ kind: 'logic', op: 'AND', operands: cond.residual, type: T.boolean } as const);

  // Output: the visible columns of the left, then of the right; the event time stays the left's
  // (RIGHT: the right's, whose rows all come out; FULL: none, as either side may be NULL).
  const timeSide = joinType === 'full' ? undefined : joinTimeSide(joinType);
  const { outputs, cols, timeColumn } = joinOutputs(left, right, timeSide === 0 ? lt : undefined, timeSide === 1 ? rt : undefined);
  const noTime = joinType === 'full' ? "a FULL JOIN's rows keep no event time (an unmatched row of either side has the other side's time NULL)" : undefined;
  const scope = new Scope(cols, timeColumn, undefined, noTime, 'FULL JOIN');
  const keyText = leftKeys.length === 0 ? 'no key' : 'key';
  const state: StateDecl[] = [
    { name: 'rows', shape: 'keyed', describe: `join ${keyText} → each side's waiting rows`, bounded: true },
    { name: 'expiry', shape: 'timeKeyed', describe: 'expiry time × join key', bounded: true },
  ];
  const node = b.add({
    kind: 'intervalJoin',
    inputs: [left.node, right.node],
    schema: scope.schema(),
    timeColumn,
    appendOnly: true,
    state,
    joinType,
    leftKeys,
    rightKeys,
    leftTime: lt,
    rightTime: rt,
    lowerMicros: cond.lowerMicros,
    upperMicros: cond.upperMicros,
    residual,
    condition: on,
    outputs,
    refInputs: [left.scope.refColumn, right.scope.refColumn],
  });
  return { node, scope, appendOnly: true };
}

/** Key pairs of one type each (`INT = BIGINT` compares as BIGINT), the right ones over the right input's own row. */
export function alignKeys(leftKeys: readonly BoundExpr[], rightKeys: readonly BoundExpr[], lw: number): [BoundExpr[], BoundExpr[]] {
  const ls: BoundExpr[] = [];
  const rs: BoundExpr[] = [];
  leftKeys.forEach((lk, i) => {
    let l = lk;
    let r = shiftColumns(rightKeys[i]!, -lw);
    if (l.type.kind !== r.type.kind) {
      const t = commonType(l.type, r.type) ?? l.type;
      if (l.type.kind !== t.kind) l = { kind: 'cast', operand: l, type: t };
      if (r.type.kind !== t.kind) r = { kind: 'cast', operand: r, type: t };
    }
    ls.push(l);
    rs.push(r);
  });
  return [ls, rs];
}

/** The visible columns of the left, then of the right; `lt`/`rt`: the column (of that side) that stays the event time. */
export function joinOutputs(left: BoundRelation, right: BoundRelation, lt: number | undefined, rt: number | undefined): { outputs: Array<readonly [0 | 1, number]>; cols: ScopeColumn[]; timeColumn: number | undefined } {
  const outputs: Array<readonly [0 | 1, number]> = [];
  const cols: ScopeColumn[] = [];
  let timeColumn: number | undefined;
  for (const [side, rel, t] of [[0, left, lt], [1, right, rt]] as const) {
    rel.scope.columns.forEach((c, i) => {
      if (c.hidden) return;
      if (i === t) timeColumn = cols.length;
      outputs.push([side, i]);
      cols.push({ ...c });
    });
  }
  return { outputs, cols, timeColumn };
}

function signed(micros: number): string {
  return micros < 0 ? `-${formatDuration(-micros)}` : formatDuration(micros);
}

/** ON's conjunctions, sorted into keys, time bounds and the residual. `lt`, `rt`: the event-time columns in the side-by-side row. */
export function splitCondition(on: BoundExpr, leftWidth: number, lt: number, rt: number): JoinCondition {
  const out = { leftKeys: [] as BoundExpr[], rightKeys: [] as BoundExpr[], lowerMicros: undefined as number | undefined, upperMicros: undefined as number | undefined, residual: [] as BoundExpr[] };
  const lower = (v: number) => (out.lowerMicros = out.lowerMicros === undefined ? v : Math.max(out.lowerMicros, v));
  const upper = (v: number) => (out.upperMicros = out.upperMicros === undefined ? v : Math.min(out.upperMicros, v));
  for (const c of conjuncts(on)) {
    if (c.kind === 'compare' && c.op !== '<>') {
      const bound = timeBound(c.op, c.left, c.right, lt, rt);
      if (bound) {
        if (bound.lower !== undefined) lower(bound.lower);
        if (bound.upper !== undefined) upper(bound.upper);
        continue;
      }
      if (c.op === '=') {
        const l = sides(c.left, leftWidth);
        const r = sides(c.right, leftWidth);
        if (l === 'left' && r === 'right') {
          out.leftKeys.push(c.left);
          out.rightKeys.push(c.right);
          continue;
        }
        if (l === 'right' && r === 'left') {
          out.leftKeys.push(c.right);
          out.rightKeys.push(c.left);
          continue;
        }
      }
    }
    out.residual.push(c);
  }
  return out;
}

/** The AND-ed parts of a condition, a (not negated) BETWEEN as its two comparisons. */
function conjuncts(e: BoundExpr): BoundExpr[] {
  if (e.kind === 'logic' && e.op === 'AND') return e.operands.flatMap(conjuncts);
  if (e.kind === 'between' && !e.negated) {
    return [
      { kind: 'compare', op: '>=', left: e.operand, right: e.low, type: T.boolean },
      { kind: 'compare', op: '<=', left: e.operand, right: e.high, type: T.boolean },
    ];
  }
  return [e];
}

/** An event-time column plus a constant interval: `a.ts`, `a.ts - INTERVAL '5' MINUTE`, `INTERVAL '1' SECOND + b.ts`. */
function timeTerm(e: BoundExpr, lt: number, rt: number): { side: 'left' | 'right'; offset: number } | undefined {
  if (e.kind === 'column') return e.index === lt ? { side: 'left', offset: 0 } : e.index === rt ? { side: 'right', offset: 0 } : undefined;
  if (e.kind !== 'arith' || (e.op !== '+' && e.op !== '-')) return undefined;
  const k = (x: BoundExpr): number | undefined => (x.kind === 'literal' && x.type.kind === 'interval' && typeof x.value === 'number' ? x.value : undefined);
  const rk = k(e.right);
  if (rk !== undefined) {
    const t = timeTerm(e.left, lt, rt);
    return t && { side: t.side, offset: t.offset + (e.op === '+' ? rk : -rk) };
  }
  const lk = k(e.left);
  if (lk !== undefined && e.op === '+') {
    const t = timeTerm(e.right, lt, rt);
    return t && { side: t.side, offset: t.offset + lk };
  }
  return undefined;
}

/**
 * `x op y` between the two event times as a bound on d = right.ts - left.ts, inclusive in
 * integer micros (`>` moves the bound up by 1 µs, `<` down by 1 µs).
 */
export function timeBound(op: '=' | '<' | '<=' | '>' | '>=', x: BoundExpr, y: BoundExpr, lt: number, rt: number): { lower?: number; upper?: number } | undefined {
  const a = timeTerm(x, lt, rt);
  const c = timeTerm(y, lt, rt);
  if (!a || !c || a.side === c.side) return undefined;
  // right.ts + p OP left.ts + q  <=>  d OP q - p; with the sides swapped, d flips.
  let rel: '=' | '<' | '<=' | '>' | '>=' = op;
  let v: number;
  if (a.side === 'right') v = c.offset - a.offset;
  else {
    v = a.offset - c.offset;
    rel = op === '<' ? '>' : op === '<=' ? '>=' : op === '>' ? '<' : op === '>=' ? '<=' : '=';
  }
  switch (rel) {
    case '=':
      return { lower: v, upper: v };
    case '>=':
      return { lower: v };
    case '>':
      return { lower: v + 1 };
    case '<=':
      return { upper: v };
    case '<':
      return { upper: v - 1 };
  }
}

function sides(e: BoundExpr, leftWidth: number): 'left' | 'right' | 'both' | 'none' {
  let l = false;
  let r = false;
  visit(e, (x) => {
    if (x.kind === 'column') {
      if (x.index < leftWidth) l = true;
      else r = true;
    }
  });
  return l && r ? 'both' : l ? 'left' : r ? 'right' : 'none';
}

function visit(e: BoundExpr, f: (e: BoundExpr) => void): void {
  f(e);
  for (const v of Object.values(e)) {
    if (Array.isArray(v)) {
      for (const x of v) {
        if (isExpr(x)) visit(x, f);
        else if (x && typeof x === 'object') for (const y of Object.values(x as object)) if (isExpr(y)) visit(y, f);
      }
    } else if (isExpr(v) && e.kind !== 'literal') visit(v, f);
  }
}

function isExpr(v: unknown): v is BoundExpr {
  return typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string' && typeof (v as { type?: unknown }).type === 'object';
}

/** The expression with every column index moved by `by` (a right-side expression onto the right input's own row). */
export function shiftColumns(e: BoundExpr, by: number): BoundExpr {
  if (e.kind === 'column') return { ...e, index: e.index + by };
  if (e.kind === 'literal') return e;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (Array.isArray(v)) copy[k] = v.map((x: unknown) => (isExpr(x) ? shiftColumns(x, by) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x as object).map(([kk, y]) => [kk, isExpr(y) ? shiftColumns(y, by) : y])) : x));
    else copy[k] = k !== 'type' && isExpr(v) ? shiftColumns(v, by) : v;
  }
  return copy as unknown as BoundExpr;
}
