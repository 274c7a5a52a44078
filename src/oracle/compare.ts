// Multiset comparison of the engine's consolidated output with DuckDB's, DOUBLE columns within
// tolerance, and the one-line account of the first difference that a failure report leads with.

import type { Row } from '../catalog/types.js';
import { coarseKey, formatRow, formatValue, rowsMatch, valuesMatch, type ColumnInfo } from './values.js';

export interface MultisetDiff {
  readonly onlyEngine: Row[];
  readonly onlyOracle: Row[];
}

/**
 * Rows are bucketed by their values with DOUBLE positions blanked, then paired within a bucket
 * by approximate equality; whatever is left unpaired on either side is a difference.
 */
export function diffMultisets(engine: readonly Row[], oracle: readonly Row[], columns: readonly ColumnInfo[]): MultisetDiff {
  const buckets = new Map<string, Row[]>();
  for (const r of oracle) {
    const k = coarseKey(r, columns);
    const b = buckets.get(k);
    if (b) b.push(r);
    else buckets.set(k, [r]);
  }
  const onlyEngine: Row[] = [];
  for (const r of engine) {
    const b = buckets.get(coarseKey(r, columns));
    const j = b ? b.findIndex((o) => rowsMatch(r, o, columns)) : -1;
    if (!b || j < 0) {
      onlyEngine.push(r);
      continue;
    }
    b[j] = b[b.length - 1]!;
    b.pop();
  }
  const onlyOracle: Row[] = [];
  for (const b of buckets.values()) onlyOracle.push(...b);
  return { onlyEngine, onlyOracle };
}

/**
 * e.g. "engine row {sensor: 'a', cnt: 3} has no match in DuckDB; nearest DuckDB row differs in
 * cnt: 4", or "engine has 2 copies of row {...}, DuckDB has 1".
 */
export function describeFirstDifference(
  diff: MultisetDiff,
  engine: readonly Row[],
  oracle: readonly Row[],
  columns: readonly ColumnInfo[],
  side = 'engine',
): string | undefined {
  const fromEngine = diff.onlyEngine[0];
  if (fromEngine) return describe(fromEngine, side, 'DuckDB', engine, oracle, columns);
  const fromOracle = diff.onlyOracle[0];
  if (fromOracle) return describe(fromOracle, 'DuckDB', side, oracle, engine, columns);
  return undefined;
}

function describe(row: Row, side: string, other: string, mine: readonly Row[], theirs: readonly Row[], columns: readonly ColumnInfo[]): string {
  const text = formatRow(row, columns);
  const theirCopies = theirs.filter((r) => rowsMatch(row, r, columns)).length;
  if (theirCopies > 0) {
    const myCopies = mine.filter((r) => rowsMatch(row, r, columns)).length;
    return `${side} has ${myCopies} ${myCopies === 1 ? 'copy' : 'copies'} of row ${text}, ${other} has ${theirCopies}`;
  }
  if (theirs.length === 0) return `${side} row ${text} has no match in ${other}, which has no rows`;
  let best: Row | undefined;
  let bestScore = -1;
  for (const r of theirs) {
    const score = row.reduce<number>((s, v, i) => s + (valuesMatch(v, r[i] ?? null, columns[i]?.type) ? 1 : 0), 0);
    if (score > bestScore) {
      best = r;
      bestScore = score;
    }
  }
  const diffs = row.flatMap((v, i) => {
    const w = best?.[i] ?? null;
    return valuesMatch(v, w, columns[i]?.type) ? [] : [`${columns[i]?.name ?? `c${i}`}: ${formatValue(w, columns[i]?.type)}`];
  });
  return `${side} row ${text} has no match in ${other}; nearest ${other} row differs in ${diffs.join(', ')}`;
}
