// GROUP BY with GROUPING SETS, ROLLUP and CUBE: the sets they stand for (plain items and each
// grouping item combined by cross product, as DuckDB and Flink do), the checks on them (the
// window in every set, no set twice, not too many), and GROUPING(a, ...) over the result.

import type { Expr, GroupingElement, SelectQuery, Span } from '../sql/ast.js';
import { T } from '../catalog/types.js';
import type { BoundExpr } from '../expr/bound.js';
import { exprIdentity } from './bind-expr.js';
import { PlanError } from './errors.js';

/** One grouping set as written: its GROUP BY expressions (windows included) and where it was written. */
export interface WrittenSet {
  readonly items: readonly Expr[];
  readonly span: Span;
}

/** More sets than this are refused: each input row updates one group per set. */
export const MAX_GROUPING_SETS = 64;

/** Every set of a GROUP BY with grouping items; undefined when it has none (a plain GROUP BY). */
export function writtenSets(q: SelectQuery, text: string): WrittenSet[] | undefined {
  if (q.grouping === undefined || q.grouping.length === 0) return undefined;
  let sets: WrittenSet[] = [{ items: q.groupBy, span: q.grouping[0]!.span }];
  for (const g of q.grouping) {
    const expanded = expand(g, text);
    if (sets.length * expanded.length > MAX_GROUPING_SETS) {
      throw new PlanError(text, g.span, `this GROUP BY makes ${sets.length * expanded.length} grouping sets, more than ${MAX_GROUPING_SETS}`, {
        hint: 'each row updates one group per set: list the sets you need with GROUPING SETS ((a, b), (a), ())',
      });
    }
    sets = sets.flatMap((s) => expanded.map((e) => ({ items: [...s.items, ...e.items], span: e.span })));
  }
  return sets;
}

function expand(g: GroupingElement, text: string): WrittenSet[] {
  if (g.kind === 'groupingSets') return [...g.sets];
  if (g.kind === 'rollup') return g.items.map((_, i) => ({ items: g.items.slice(0, g.items.length - i), span: g.span })).concat([{ items: [], span: g.span }]);
  if (g.items.length > 6) {
    throw new PlanError(text, g.span, `CUBE of ${g.items.length} columns makes ${2 ** g.items.length} grouping sets, more than ${MAX_GROUPING_SETS}`, {
      hint: 'list the sets you need with GROUPING SETS ((a, b), (a), ())',
    });
  }
  const out: WrittenSet[] = [];
  // Larger sets first (all columns, ..., none), as DuckDB lists them; order does not change the result.
  for (let m = (1 << g.items.length) - 1; m >= 0; m--) out.push({ items: g.items.filter((_, i) => (m & (1 << (g.items.length - 1 - i))) !== 0), span: g.span });
  return out;
}

/** The distinct items of all sets, in order of first appearance: the GROUP BY items to bind. */
export function distinctItems(sets: readonly WrittenSet[]): Expr[] {
  const seen = new Set<string>();
  const out: Expr[] = [];
  for (const s of sets) {
    for (const e of s.items) {
      const id = exprIdentity(e);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(e);
    }
  }
  return out;
}

/**
 * Per set, the indices of the grouping keys it holds (ascending). `isWindow` tells the window
 * items, which every set of a windowed aggregate must hold (the window is what closes a group:
 * Flink refuses a set without it too). A set listed twice is refused: its rows would come twice,
 * and the same (keys, GROUPING bits) twice breaks the result's upsert key.
 */
export function setMasks(sets: readonly WrittenSet[], keyAsts: readonly Expr[], isWindow: (e: Expr) => boolean, windowText: string | undefined, text: string): number[][] {
  const keyIndex = new Map(keyAsts.map((k, i) => [exprIdentity(k), i]));
  const seen = new Set<string>();
  return sets.map((s) => {
    const idx = new Set<number>();
    let hasWindow = false;
    for (const e of s.items) {
      if (isWindow(e)) hasWindow = true;
      else idx.add(keyIndex.get(exprIdentity(e))!);
    }
    if (windowText !== undefined && !hasWindow) {
      throw new PlanError(text, s.span, `this grouping set has no window: every set of a windowed aggregate must hold ${windowText}`, {
        hint: `write the window once before the sets, e.g. GROUP BY ${windowText}, GROUPING SETS ((sensor, site), (sensor), ())`,
      });
    }
    const mask = [...idx].sort((a, b) => a - b);
    const id = mask.join(',');
    if (seen.has(id)) {
      throw new PlanError(text, s.span, 'this grouping set is listed twice: its rows would be emitted twice', {
        hint: 'list each set once (ROLLUP and CUBE already include the smaller sets, and () the total)',
      });
    }
    seen.add(id);
    return mask;
  });
}

export function isGroupingCall(e: Expr): e is Expr & { kind: 'call' } {
  if (e.kind !== 'call' || e.over) return false;
  const n = e.name.name.toLowerCase();
  return n === 'grouping' || n === 'grouping_id';
}

/**
 * `GROUPING(a, b, ...)` (and its alias GROUPING_ID) as DuckDB defines it: one bit per argument,
 * the first the most significant, set when that key is rolled up (NULL because its set lacks it,
 * not because the value is NULL). `bitColumn(i)`: the output column of key i's bit, or undefined
 * without grouping sets (every bit is then 0).
 */
export function bindGrouping(
  call: Expr & { kind: 'call' },
  keyAsts: readonly Expr[],
  bitColumn: (key: number) => BoundExpr | undefined,
  text: string,
): BoundExpr {
  const name = call.name.name.toUpperCase();
  if (call.star || call.distinct || call.args.length === 0) {
    throw new PlanError(text, call.span, `${name} takes the grouping columns it reports on`, { hint: `e.g. ${name}(site) is 1 in the rows where site is rolled up` });
  }
  if (call.args.length > 31) throw new PlanError(text, call.span, `${name} takes at most 31 columns`);
  const keyIndex = new Map(keyAsts.map((k, i) => [exprIdentity(k), i]));
  let out: BoundExpr | undefined;
  call.args.forEach((a, j) => {
    const k = keyIndex.get(exprIdentity(a));
    if (k === undefined) {
      throw new PlanError(text, a.span, `${name} takes grouping columns, and this is not one`, { hint: 'name a column of GROUP BY (the window is in every set, so it is never rolled up)' });
    }
    const bit = bitColumn(k) ?? { kind: 'literal', value: 0, type: T.int };
    const weight = 2 ** (call.args.length - 1 - j);
    const term: BoundExpr = weight === 1 ? bit : { kind: 'arith', op: '*', left: bit, right: { kind: 'literal', value: weight, type: T.int }, type: T.int };
    out = out === undefined ? term : { kind: 'arith', op: '+', left: out, right: term, type: T.int };
  });
  return out!;
}
