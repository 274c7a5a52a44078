// The default message key of a Kafka sink: the query's GROUP BY columns that it selects
// unchanged (by output name). For an updating result of a windowed aggregate the selected
// window bounds join the key, so that each window is its own upsert key; a final result is
// keyed by the group alone (the tutorials' output topics are keyed by sensor id).

import type { Column } from '../../catalog/catalog.js';
import type { Expr, Query, SelectQuery } from '../../sql/ast.js';

const WINDOW_COLUMNS = new Set(['window_start', 'window_end']);
const WINDOW_FUNCTIONS = new Set(['tumble', 'hop', 'cumulate', 'session']);

function columnName(e: Expr): string | undefined {
  return e.kind === 'column' ? e.path[e.path.length - 1]!.name.toLowerCase() : undefined;
}

/**
 * Output column indexes of the default key; empty when the query has no selected group column.
 * A UNION ALL has one when every branch has the same (an append-only result: the latest window
 * per sensor, whichever branch); a union of updating results has none, since the same key is
 * live once per branch and an upsert by it would let one branch overwrite another.
 */
export function defaultSinkKey(query: Query, columns: readonly Column[], changelog: boolean): number[] {
  if (query.kind === 'union') {
    if (changelog) return [];
    const keys = query.branches.map((b) => selectKey(b, columns, changelog).join(','));
    return keys.every((k) => k === keys[0]) ? selectKey(query.branches[0]!, columns, changelog) : [];
  }
  return selectKey(query, columns, changelog);
}

function selectKey(query: SelectQuery, columns: readonly Column[], changelog: boolean): number[] {
  // Grouping sets: a group column is NULL in the rows of sets without it, so it keys nothing.
  if (query.grouping !== undefined) return [];
  const groupCols = new Set<string>();
  let windowed = false;
  for (const g of query.groupBy) {
    const name = columnName(g);
    if (name !== undefined && WINDOW_COLUMNS.has(name)) windowed = true;
    else if (name !== undefined) groupCols.add(name);
    else if (g.kind === 'call' && WINDOW_FUNCTIONS.has(g.name.name.toLowerCase())) windowed = true;
  }
  const outNames = columns.map((c) => c.name.toLowerCase());
  const key: number[] = [];
  query.items.forEach((item, i) => {
    const src = columnName(item.expr);
    if (src === undefined) return;
    const inKey = groupCols.has(src) || (changelog && windowed && WINDOW_COLUMNS.has(src));
    if (!inKey) return;
    const out = (item.alias?.name ?? src).toLowerCase();
    const idx = outNames[i] === out ? i : outNames.indexOf(out);
    if (idx >= 0 && !key.includes(idx)) key.push(idx);
  });
  return key;
}
