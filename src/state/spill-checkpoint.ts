// A checkpoint's copy of the spilled rows, in the spill tables' own typed columns: one table per
// spill table and checkpoint (`ckspill_<id>_<table>`, filled by INSERT … SELECT *), plus the
// names of the `tbl` numbers and each shape's JSON rendering (SQL) in two small tables. Copying
// the narrow rows as they are replaced rendering every row as JSON text into checkpoint_spill,
// the peak of bench:state's open shape at 64 MB (native memory outside DuckDB's pool) and ~1.7
// CPU-seconds of it. A time-keyed table's entries in memory are appended to the same copies
// (SpillStore.stageInto). A restore renders the rows as JSON then, as checkpoint_spill held them.
// Checkpoints of earlier versions (JSON rows in checkpoint_spill) still restore (SpillStore).

import type { DuckDBConnection } from '@duckdb/node-api';
import type { ShapeRegistry } from './shape-codec.js';

/** The copy of spill table `table` in checkpoint `id`. */
export function checkpointTable(id: number, table: string): string {
  return `ckspill_${id}_${table}`;
}
const CHECKPOINT_TABLE = /^ckspill_(\d+)_/;

/** Tables of the typed copies' names and shapes (created by the checkpoint store). */
export const CHECKPOINT_SPILL_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS checkpoint_spill_names (id BIGINT, tbl INTEGER, name VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS checkpoint_spill_shapes (id BIGINT, shape INTEGER, json_sql VARCHAR)`,
];

/** Every typed copy in the database, with its checkpoint id. */
export async function checkpointTables(conn: DuckDBConnection): Promise<Array<{ id: number; name: string }>> {
  const rows = (await conn.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'ckspill%'`)).getRowsJS();
  const out: Array<{ id: number; name: string }> = [];
  for (const [name] of rows) {
    const m = CHECKPOINT_TABLE.exec(String(name));
    if (m) out.push({ id: Number(m[1]), name: String(name) });
  }
  return out;
}

/** Drops the typed copies (and their names and shapes) of every checkpoint `keep` rejects. */
export async function dropCheckpointSpill(conn: DuckDBConnection, keep: (id: number) => boolean, keepSql: string): Promise<void> {
  for (const t of await checkpointTables(conn)) if (!keep(t.id)) await conn.run(`DROP TABLE ${t.name}`);
  await conn.run(`DELETE FROM checkpoint_spill_names WHERE NOT (${keepSql})`);
  await conn.run(`DELETE FROM checkpoint_spill_shapes WHERE NOT (${keepSql})`);
}

/** Records checkpoint `id`'s `tbl` numbers and shapes, so its typed rows restore without this process's registry. */
export async function stageCatalog(conn: DuckDBConnection, id: number, tableIds: ReadonlyMap<string, number>, shapes: ShapeRegistry): Promise<void> {
  await conn.run(`DELETE FROM checkpoint_spill_names WHERE id = ${id}`);
  await conn.run(`DELETE FROM checkpoint_spill_shapes WHERE id = ${id}`);
  if (tableIds.size > 0) await conn.run(`INSERT INTO checkpoint_spill_names VALUES ${[...tableIds].map(([name, tbl]) => `(${id}, ${tbl}, ${quote(name)})`).join(', ')}`);
  if (shapes.shapes.length > 0) await conn.run(`INSERT INTO checkpoint_spill_shapes VALUES ${shapes.shapes.map((s) => `(${id}, ${s.id}, ${quote(s.sql)})`).join(', ')}`);
}

/**
 * SQL of checkpoint `id`'s mapping: `tbl` (its numbers) to `tableId(name)`'s, and a row's value
 * as JSON text (`value` for shape -1, else the shape's rendering), over columns named as SPILL_ROWS's.
 */
export async function restoreCatalog(conn: DuckDBConnection, id: number, tableId: (name: string) => number): Promise<{ tbl: string; json: string }> {
  const names = (await conn.runAndReadAll(`SELECT tbl, name FROM checkpoint_spill_names WHERE id = ${id}`)).getRowsJS();
  const shapes = (await conn.runAndReadAll(`SELECT shape, json_sql FROM checkpoint_spill_shapes WHERE id = ${id}`)).getRowsJS();
  const tbl = names.length === 0 ? 'NULL::INTEGER' : `(CASE tbl ${names.map(([old, name]) => `WHEN ${Number(old)} THEN ${tableId(String(name))}`).join(' ')} END)`;
  const json = shapes.length === 0 ? 'value' : `(CASE WHEN shape < 0 THEN value ${shapes.map(([s, sql]) => `WHEN shape = ${Number(s)} THEN ${String(sql)}`).join(' ')} END)`;
  return { tbl, json };
}

/** A SQL string literal. */
export function quote(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
