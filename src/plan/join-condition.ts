// A join's ON condition, taken apart: its conjunctions sorted into equality keys (one side's
// expression = the other's), inclusive bounds on the right side's event time relative to the
// left's, and the residual; the keys aligned to one type per pair; the output columns of the two
// sides side by side. Shared by the interval, window, regular and table joins' binders.

import { T, commonType } from '../catalog/types.js';
import type { BoundExpr } from '../expr/bound.js';
import { formatDuration } from '../catalog/duration.js';
import type { ScopeColumn } from './scope.js';
import type { BoundRelation } from './bind-relation.js';

/** The inclusive bounds `lower <= right.ts - left.ts <= upper` and what else ON says. */
export interface JoinCondition {
  readonly leftKeys: BoundExpr[];
  readonly rightKeys: BoundExpr[];
  readonly lowerMicros: number | undefined;
  readonly upperMicros: number | undefined;
  readonly residual: BoundExpr[];
}

/** The AND of a condition's parts (a join's residual); undefined when there are none. */
export function allOf(parts: readonly BoundExpr[]): BoundExpr | undefined {
  return parts.length === 0 ? undefined : parts.length === 1 ? parts[0]! : { kind: 'logic', op: 'AND', operands: [...parts], type: T.boolean };
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

export function signed(micros: number): string {
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
  return mapColumns(e, (i) => i + by);
}

/** The expression with every column index `i` replaced by `f(i)` (also how its columns are listed). */
export function mapColumns(e: BoundExpr, f: (index: number) => number): BoundExpr {
  if (e.kind === 'column') return { ...e, index: f(e.index) };
  if (e.kind === 'literal') return e;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (Array.isArray(v)) copy[k] = v.map((x: unknown) => (isExpr(x) ? mapColumns(x, f) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x as object).map(([kk, y]) => [kk, isExpr(y) ? mapColumns(y, f) : y])) : x));
    else copy[k] = k !== 'type' && isExpr(v) ? mapColumns(v, f) : v;
  }
  return copy as unknown as BoundExpr;
}
