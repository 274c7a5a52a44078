// What the Top-N operators share (window-top-n.ts, dedup.ts, top-n.ts): a row's sort key (the
// ORDER BY values, then the tie-break columns), the order on it (NULLs last in either direction),
// sorted insertion, the rank of each row (ROW_NUMBER, RANK, DENSE_RANK) and pruning to rank <= N.

import type { Row, Value } from '../../catalog/types.js';
import { compileExpr, type Evaluator } from '../../expr/compile.js';
import type { TopNNode } from '../../plan/physical.js';

/** A ranked row: its sort key (ORDER BY values, then tie-break values) and the row. */
export interface Ranked {
  readonly k: Value[];
  readonly r: Row;
}

export interface Ranking {
  keyOf(row: Row): Value[];
  /** < 0 when a ranks before b. */
  compare(a: Ranked, b: Ranked): number;
  /** Whether a and b tie on the ORDER BY (RANK and DENSE_RANK give them one rank). */
  tied(a: Ranked, b: Ranked): boolean;
  /** Per row of a sorted list, its rank by the node's function. */
  ranks(sorted: readonly Ranked[]): number[];
  /** How many leading rows of a sorted list have rank <= limit. */
  topCount(sorted: readonly Ranked[]): number;
}

/** SQL order of two non-NULL values of one type: numbers (and timestamps), strings, booleans. */
function cmpValue(x: Value, y: Value): number {
  if (x === y) return 0;
  if (x === null) return 1;
  if (y === null) return -1;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function compileRanking(node: TopNNode): Ranking {
  const evals: Evaluator[] = node.orderBy.map((o) => compileExpr(o.expr));
  const tie = node.tieBreak;
  const nOrder = evals.length;
  const desc = node.orderBy.map((o) => o.desc);
  const width = nOrder + tie.length;
  const compareFrom = (a: Ranked, b: Ranked, upTo: number): number => {
    for (let i = 0; i < upTo; i++) {
      const x = a.k[i] ?? null;
      const y = b.k[i] ?? null;
      if (x === y) continue;
      // NULLs last whatever the direction.
      if (x === null) return 1;
      if (y === null) return -1;
      const c = cmpValue(x, y);
      if (c !== 0) return i < nOrder && desc[i] ? -c : c;
    }
    return 0;
  };
  const tied = (a: Ranked, b: Ranked): boolean => compareFrom(a, b, nOrder) === 0;
  const ranks = (sorted: readonly Ranked[]): number[] => {
    const out = new Array<number>(sorted.length);
    let dense = 0;
    for (let i = 0; i < sorted.length; i++) {
      const same = i > 0 && tied(sorted[i - 1]!, sorted[i]!);
      if (!same) dense++;
      out[i] = node.fn === 'row_number' ? i + 1 : node.fn === 'rank' ? (same ? out[i - 1]! : i + 1) : dense;
    }
    return out;
  };
  return {
    keyOf(row) {
      const k = new Array<Value>(width);
      for (let i = 0; i < nOrder; i++) k[i] = evals[i]!(row);
      for (let j = 0; j < tie.length; j++) k[nOrder + j] = row[tie[j]!] ?? null;
      return k;
    },
    compare: (a, b) => compareFrom(a, b, width),
    tied,
    ranks,
    topCount(sorted) {
      const limit = node.limit;
      if (node.fn === 'row_number') return Math.min(limit, sorted.length);
      const r = ranks(sorted);
      let n = 0;
      while (n < sorted.length && r[n]! <= limit) n++;
      return n;
    },
  };
}

/** Inserts x after every entry that does not rank after it (equal keys keep arrival order). */
export function insertSorted(list: Ranked[], x: Ranked, ranking: Ranking): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranking.compare(list[mid]!, x) <= 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, x);
}

/**
 * Two sorted lists as one, cut to rank <= limit. Valid for partials: a row ranked past the limit
 * within one partial has `limit` rows (or distinct keys) before it there, so in the union too.
 */
export function mergeTop(a: readonly Ranked[], b: readonly Ranked[], ranking: Ranking): Ranked[] {
  const out: Ranked[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && ranking.compare(a[i]!, b[j]!) <= 0)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  out.length = ranking.topCount(out);
  return out;
}

/** The row as emitted: the input row, then its rank when the node outputs one. */
export function withRank(row: Row, rank: number, rankColumn: boolean): Row {
  if (!rankColumn) return row;
  const out = row.slice();
  out.push(rank);
  return out;
}
