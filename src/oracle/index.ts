// The oracle: proves a streaming answer right by running the same job as ONE DuckDB batch query,
// translated from the same physical plan, over exactly the rows the engine admitted minus the
// rows it dropped as late, and comparing each sink's consolidated output as a multiset.

import { DuckDBInstance } from '@duckdb/node-api';
import type { Row } from '../catalog/types.js';
import type { LateEvent, Op } from '../exec/operator.js';
import type { PhysicalPlan } from '../plan/physical.js';
import { describeFirstDifference, diffMultisets } from './compare.js';
import { consolidate } from './consolidate.js';
import { loadInputs } from './load.js';
import { fromDuck } from './sql-types.js';
import { translatePlan } from './translate.js';
import type { ColumnInfo } from './values.js';

export { translatePlan, defaultTables, type OracleTables } from './translate.js';
export { renderComparison } from './render.js';
export { consolidate } from './consolidate.js';
export type { ColumnInfo } from './values.js';

export interface OracleInput {
  plan: PhysicalPlan;
  /** Per source node id: the rows the engine admitted, in arrival order, in that node's schema; the hidden $ref column (node.refColumn) holds a RecordRef whose seq is the row id. */
  sourceRows: ReadonlyMap<number, readonly Row[]>;
  /** Every late drop the engine reported (LateEvent.operator = node id; ref.seq identifies the row; windowStart for HOP partial drops). */
  late: readonly LateEvent[];
  /** Per sink node id: what the engine emitted, rows in the sink node's schema minus hidden columns, with ops (null = all inserts). */
  sinkOutputs: ReadonlyMap<number, { rows: readonly Row[]; ops: readonly Op[] | null }>;
}

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
  /** Retractions of rows the sink did not hold: an engine bug whatever DuckDB says. */
  changelogErrors: string[];
}

export async function compareWithOracle(input: OracleInput): Promise<SinkComparison[]> {
  const { plan } = input;
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const tables = await loadInputs(conn, plan, input.sourceRows, input.late);
    const out: SinkComparison[] = [];
    for (const sinkId of plan.sinks) {
      const node = plan.nodes.find((n) => n.id === sinkId);
      if (!node) throw new Error(`oracle: sink node ${sinkId} is not in the plan`);
      const columns = node.schema.filter((c) => !c.hidden).map((c) => ({ name: c.name, type: c.type }));
      const sql = translatePlan(plan, sinkId, tables);
      const reader = await conn.runAndReadAll(sql);
      const oracle: Row[] = reader.getRowsJS().map((r) => r.map(fromDuck));
      const emitted = input.sinkOutputs.get(sinkId) ?? { rows: [], ops: null };
      const { rows: engine, errors } = consolidate(emitted.rows, emitted.ops, columns);
      const diff = diffMultisets(engine, oracle, columns);
      const firstDifference = describeFirstDifference(diff, engine, oracle, columns) ?? errors[0];
      const equal = diff.onlyEngine.length === 0 && diff.onlyOracle.length === 0 && errors.length === 0;
      out.push({
        sink: node.kind === 'sink' ? node.sink.name : `node ${sinkId}`,
        equal,
        sql,
        engineRows: engine.length,
        oracleRows: oracle.length,
        onlyEngine: diff.onlyEngine,
        onlyOracle: diff.onlyOracle,
        ...(firstDifference === undefined ? {} : { firstDifference }),
        columns,
        changelogErrors: errors,
      });
    }
    return out;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
