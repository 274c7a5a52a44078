// The pieces every oracle translation shares: where the loaded data lives (OracleTables), one
// CTE of the batch query, and the filter that leaves out the rows an operator dropped as late.

import { quoteIdent } from './sql-types.js';

/** Where the loaded data lives. */
export interface OracleTables {
  /** A source node's admitted rows: one column per visible schema column, plus `__seq`. */
  source(nodeId: number): string;
  /** The late drops a node reported, `(seq BIGINT, window_start BIGINT)`; undefined when none. */
  late(nodeId: number): string | undefined;
}

export interface Cte {
  readonly name: string;
  readonly sql: string;
}

/**
 * `NOT EXISTS` over a late table: a drop with a NULL window_start (or any drop when `ws` is
 * undefined) removes the whole row; with a window start only that (row, window) pair.
 */
export function lateFilter(table: string | undefined, alias: string, ws: string | undefined): string | undefined {
  if (table === undefined) return undefined;
  const win = ws === undefined ? '' : ` AND (l.window_start IS NULL OR l.window_start = ${ws})`;
  return `NOT EXISTS (SELECT 1 FROM ${quoteIdent(table)} AS l WHERE l.seq = ${alias}.__seq${win})`;
}
