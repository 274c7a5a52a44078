// What comparing one sink with DuckDB found (oracle/index.ts computes it, render.ts prints it).

import type { Row } from '../catalog/types.js';
import type { ColumnInfo } from './values.js';

export interface SinkComparison {
  sink: string;
  equal: boolean;
  sql: string;
  /** Rows in the engine's consolidated output (a changelog counted after retractions). */
  engineRows: number;
  oracleRows: number;
  onlyEngine: Row[];
  onlyOracle: Row[];
  /** Human-readable first difference. */
  firstDifference?: string;
  /** The sink's visible columns, in row order. */
  columns: ColumnInfo[];
  /**
   * A malformed changelog (a -U without its +U, a retraction of a row not held, two live rows
   * of a key) or an upsert materialization that differs from DuckDB: an engine bug whatever
   * the multiset says. Each names the changelog entry (its position in the sink's output).
   */
  changelogErrors: string[];
}
