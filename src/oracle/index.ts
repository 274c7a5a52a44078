// The oracle: proves a streaming answer right by running the same job as ONE DuckDB batch query,
// translated from the same physical plan, over exactly the rows the engine admitted minus the
// rows it dropped as late, and comparing each sink's consolidated output as a multiset. A
// changelog must also be well formed, and an upsert consumer's view of it (what a compacted
// topic holds) must equal the same answer (changelog-check.ts).

import { DuckDBInstance } from '@duckdb/node-api';
import type { Row } from '../catalog/types.js';
import type { Op } from '../catalog/batch.js';
import type { LateEvent } from '../exec/operator.js';
import type { PhysicalNode, PhysicalPlan } from '../plan/physical.js';
import { streamKey } from '../plan/stream-key.js';
import { sinkKey } from '../connectors/kafka/sink.js';
import { describeFirstDifference, diffMultisets } from './compare.js';
import { checkChangelog } from './changelog-check.js';
import { loadInputs } from './load.js';
import { fromDuck } from './sql-types.js';
import { baselineTables } from './baseline.js';
import { translatePlan } from './translate.js';
import type { ColumnInfo } from './values.js';
import type { SinkComparison } from './comparison.js';

export { translatePlan, defaultTables, type OracleTables } from './translate.js';
export { renderComparison } from './render.js';
export { checkChangelog } from './changelog-check.js';
export type { ColumnInfo } from './values.js';

export interface OracleInput {
  plan: PhysicalPlan;
  /** Per source node id: the rows the engine admitted, in arrival order, in that node's schema; the hidden $ref column (node.refColumn) holds a RecordRef whose seq is the row id. */
  sourceRows: ReadonlyMap<number, readonly Row[]>;
  /** Every late drop the engine reported (LateEvent.operator = node id; ref.seq identifies the row; windowStart for HOP partial drops). */
  late: readonly LateEvent[];
  /** Per sink node id: what the engine emitted, rows in the sink node's schema minus hidden columns, with ops (null = all inserts). */
  sinkOutputs: ReadonlyMap<number, { rows: readonly Row[]; ops: readonly Op[] | null }>;
  /** The same job planned otherwise (e.g. without a rewrite rule): DuckDB runs this plan's query, sink by sink in order (baseline.ts). */
  baseline?: PhysicalPlan;
}

export type { SinkComparison } from './comparison.js';

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
      const base = input.baseline;
      const sql = base ? translatePlan(base, base.sinks[plan.sinks.indexOf(sinkId)]!, baselineTables(plan, base, tables)) : translatePlan(plan, sinkId, tables);
      const reader = await conn.runAndReadAll(sql);
      const oracle: Row[] = reader.getRowsJS().map((r) => r.map(fromDuck));
      const emitted = input.sinkOutputs.get(sinkId) ?? { rows: [], ops: null };
      const check = checkChangelog(emitted.rows, emitted.ops, columns, changelogKeys(plan, node, columns));
      const engine = check.consolidated;
      const errors = [...check.errors];
      const diff = diffMultisets(engine, oracle, columns);
      if (check.upsert !== undefined) {
        const up = diffMultisets(check.upsert, oracle, columns);
        const first = describeFirstDifference(up, check.upsert, oracle, columns, 'the upsert view');
        if (first !== undefined) errors.push(`the upsert view (the latest row per key, -D deleting it: what a compacted topic holds) differs from DuckDB: ${first}`);
      }
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

/**
 * Keys to check a sink's changelog by: the plan's stream key; an upsert consumer keeps rows by
 * a Kafka sink's message key (its `key` option, else the selected GROUP BY columns), by the
 * stream key otherwise. An append-only output has no upsert view (a final window's topic keyed
 * by sensor holds its latest window, by design).
 */
function changelogKeys(plan: PhysicalPlan, node: PhysicalNode, columns: readonly ColumnInfo[]): { key: number[] | undefined; upsertKey: readonly number[] | undefined } {
  const key = node.kind === 'sink' ? streamKey(plan, node.id) : undefined;
  if (node.kind !== 'sink' || node.appendOnly) return { key, upsertKey: undefined };
  if (node.sink.options['connector'] !== 'kafka') return { key, upsertKey: key };
  try {
    return { key, upsertKey: sinkKey(node.sink, columns, true, key) };
  } catch {
    return { key, upsertKey: key }; // a bad `key` option: the sink reports it when it opens
  }
}
