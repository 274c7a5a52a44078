// The DuckDB tier's store: the spill table (in the checkpoint database when there is one, else
// in an attached in-memory one), its memory limit under the job's budget, and the copies of
// spilled rows into and out of a checkpoint (stage, restoreFrom). The tables that spill into it
// are spill.ts (time-keyed partials) and spill-keyed.ts (whole keys).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBVarCharVector } from '@duckdb/node-api';
import { duckdb, loadDuckDB } from './duckdb.js';
import { encodeState } from './codec.js';
import { ShapeRegistry } from './shape-codec.js';
import { KEY_SQL, SPILL, SPILL_DDL, SPILL_TABLES } from './spill-rows.js';
import { checkpointTable, checkpointTables, dropCheckpointSpill, quote, restoreCatalog, stageCatalog } from './spill-checkpoint.js';
import { NUM_COLUMNS } from './shape-codec.js';
import { ensureDir } from '../util/dirs.js';

/**
 * Rows per statement copying spilled rows into or out of a checkpoint (see SpillStore.sliced):
 * one DuckDB row group, so each statement's commit writes whole row groups. Slices of 16,384 rows
 * took bench:state's open shape at 64 MB ~1 CPU-second more (its mid-run checkpoint copies ~1.5M
 * spilled rows), at the same peak RSS; a micro-benchmark copied 1.5M rows in 1.76 s by 16,384,
 * 0.84 s by 131,072, and 0.85 s in one statement.
 */
const SLICE_ROWS = 122_880;
/** Rows per chunk staging memory rows into a checkpoint (DuckDB's vector size). */
const STAGE_CHUNK = 2048;
const NUMS = Array.from({ length: NUM_COLUMNS }, (_, i) => `n${i}`).join(', ');

export class SpillStore {
  /** Shapes of the values spilled through this store (spill-rows.ts); they live as long as its spill table. */
  readonly shapes = new ShapeRegistry();
  /**
   * The spill table's `tbl` numbers of the state tables' names (a number per row costs the
   * appender a typed-array copy where a name cost a native call per row); a checkpoint records the names beside them (spill-checkpoint.ts).
   */
  private readonly tableIds = new Map<string, number>();
  /** Memory a closing time's merge of spilled partials may take (the runner sets it from the budget). */
  closeBytes = 16 * 2 ** 20;

  private constructor(
    readonly conn: DuckDBConnection,
    /** Streams a closing window, while `conn` serves what its emitted rows cause downstream. */
    readonly reader: DuckDBConnection,
    /** Own file (no checkpoint database): deleted on close. */
    private readonly owned: { readonly file: string; readonly instance: DuckDBInstance } | undefined,
  ) {}

  /** A private spill file in `dir` (checkpoints, if any, go elsewhere and copy through JS). */
  static async open(dir: string, memoryLimit: number): Promise<SpillStore> {
    ensureDir(dir);
    const file = path.join(dir, `spill-${process.pid}.duckdb`);
    fs.rmSync(file, { force: true });
    fs.rmSync(`${file}.wal`, { force: true });
    // A small buffer pool: the point of spilling is to keep the process's memory down.
    const instance = await (await loadDuckDB()).DuckDBInstance.create(file, { memory_limit: `${mb(memoryLimit)}MB`, ...LEAN });
    const store = new SpillStore(await instance.connect(), await instance.connect(), { file, instance });
    await store.init();
    return store;
  }

  /**
   * Spill tables inside the checkpoint database (one DuckDB instance), emptied first. DuckDB's
   * buffer pool is part of the state budget: `memoryLimit` bytes (it spills to disk past them).
   */
  static async attach(instance: DuckDBInstance, memoryLimit: number): Promise<SpillStore> {
    await loadDuckDB();
    const store = new SpillStore(await instance.connect(), await instance.connect(), undefined);
    if (Number.isFinite(memoryLimit)) await store.conn.run(`SET memory_limit = '${mb(memoryLimit)}MB'`);
    for (const [k, v] of Object.entries(LEAN)) await store.conn.run(`SET ${k} = '${v}'`);
    await store.init();
    return store;
  }

  /** The number of state table `name` in the spill table's `tbl` column (given at first use). */
  tableId(name: string): number {
    let id = this.tableIds.get(name);
    if (id === undefined) {
      id = this.tableIds.size;
      this.tableIds.set(name, id);
    }
    return id;
  }

  /**
   * Runs `f` (appends through `conn`) in one DuckDB transaction, rolled back if it throws. An
   * appender outside one commits at each flush: bench:state's open shape at 64 MB spent ~2.5 s
   * of ~10 CPU-seconds in those flushes (12 spills of ~270k rows, a flush per 16k rows), and
   * ~1 s with one transaction per spill, whose commit took 6-60 ms. Past a row group (122,880
   * rows) DuckDB writes a transaction's appended rows to the file before the commit, so a large
   * spill still stays within the buffer pool.
   */
  async transaction<T>(f: () => Promise<T> | T): Promise<T> {
    await this.conn.run('BEGIN TRANSACTION');
    let out: T;
    try {
      out = await f();
    } catch (e) {
      await this.conn.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
    await this.conn.run('COMMIT');
    return out;
  }

  /** SQL mapping a checkpoint_spill row's `tbl` (a name) to its number: a CASE over the tables known. */
  private tableSql(): string {
    if (this.tableIds.size === 0) return 'NULL::INTEGER';
    return `(CASE tbl ${[...this.tableIds].map(([name, id]) => `WHEN ${quote(name)} THEN ${id}`).join(' ')} END)`;
  }

  /** True when checkpoints can copy spilled rows inside DuckDB (stage / restoreFrom). */
  get shared(): boolean {
    return this.owned === undefined;
  }

  private async init(): Promise<void> {
    for (const statement of SPILL_DDL) await this.conn.run(statement);
  }

  /**
   * Copies every spilled row into checkpoint `id` (committed by the checkpoint's transaction) in
   * the spill tables' own columns, a table per spill table (spill-checkpoint.ts). Entries in
   * memory may follow (stageInto, stageEntries); finishStage then records the names of the `tbl`
   * numbers and the shapes' JSON renderings, so a restore needs no shape registry.
   */
  async stage(id: number): Promise<void> {
    await this.conn.run('DELETE FROM checkpoint_spill WHERE id = $1', [id]);
    await dropCheckpointSpill(this.conn, (x) => x !== id, `id <> ${id}`);
    for (const { table } of SPILL_TABLES) {
      const copy = checkpointTable(id, table);
      await this.sliced(table, '', (range) => `INSERT INTO ${copy} SELECT * FROM ${table} WHERE ${range}`, `CREATE TABLE ${copy} AS FROM ${table} LIMIT 0`);
    }
  }

  /**
   * Checkpoint `id`'s copies of the spill tables (created empty where stage made none), for a
   * SpillWriter to append entries still in memory in their typed columns (SpillWriter.open's `into`).
   */
  async stageInto(id: number): Promise<(table: string) => string> {
    for (const { table } of SPILL_TABLES) await this.conn.run(`CREATE TABLE IF NOT EXISTS ${checkpointTable(id, table)} AS FROM ${table} LIMIT 0`);
    return (table) => checkpointTable(id, table);
  }

  /** After stage and the entries in memory: the names and shapes checkpoint `id`'s typed rows need. */
  finishStage(id: number): Promise<void> {
    return stageCatalog(this.conn, id, this.tableIds, this.shapes);
  }

  /**
   * Appends entries still in memory to checkpoint `id`'s spilled rows as JSON text in
   * checkpoint_spill (keyed tables; time-keyed ones go typed, through stageInto), leaving them in memory: a large state then reaches the checkpoint without
   * being spilled first and merged back when its window closes. A restore brings them back as
   * spilled rows. Returns the rows and their characters.
   */
  stageEntries(id: number, tbl: string, entries: Iterable<readonly [number, string, unknown]>): Promise<{ rows: number; bytes: number }> {
    return this.transaction(() => this.appendEntries(id, tbl, entries));
  }

  private async appendEntries(id: number, tbl: string, entries: Iterable<readonly [number, string, unknown]>): Promise<{ rows: number; bytes: number }> {
    const appender = await this.conn.createAppender('checkpoint_spill');
    // Whole chunks, a vector per column: an append call per value cost ~4 µs a row.
    const { DuckDBDataChunk, BIGINT, VARCHAR, DOUBLE } = duckdb();
    const chunk = DuckDBDataChunk.create([BIGINT, VARCHAR, DOUBLE, VARCHAR, VARCHAR]);
    const times = new Float64Array(STAGE_CHUNK);
    const keys = new Array<string>(STAGE_CHUNK);
    const texts = new Array<string>(STAGE_CHUNK);
    let n = 0;
    let rows = 0;
    let bytes = 0;
    const flush = (): void => {
      if (n === 0) return;
      chunk.reset();
      chunk.rowCount = n;
      const ids = chunk.getColumnVector(0);
      const tbls = chunk.getColumnVector(1) as DuckDBVarCharVector;
      const time = chunk.getColumnVector(2);
      const key = chunk.getColumnVector(3) as DuckDBVarCharVector;
      const value = chunk.getColumnVector(4) as DuckDBVarCharVector;
      const big = BigInt(id);
      for (let i = 0; i < n; i++) {
        ids.setItem(i, big);
        tbls.setItem(i, tbl);
        const t = times[i]!;
        time.setItem(i, t === t ? t : null);
        key.setItem(i, keys[i]!);
        value.setItem(i, texts[i]!);
      }
      for (const v of [ids, tbls, time, key, value]) v.flush();
      appender.appendDataChunk(chunk);
      n = 0;
      if ((rows / STAGE_CHUNK) % 8 === 0) appender.flushSync();
    };
    try {
      for (const [time, key, value] of entries) {
        const text = encodeState(value);
        times[n] = time;
        keys[n] = key;
        texts[n] = text;
        bytes += text.length + key.length;
        rows++;
        if (++n === STAGE_CHUNK) flush();
      }
      flush();
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    return { rows, bytes };
  }

  /**
   * Puts back the spilled rows of checkpoint `id` as JSON rows: its typed copies (stage) rendered
   * by the shapes it recorded, and rows in checkpoint_spill (stageEntries, and every spilled row
   * of a checkpoint written before the typed copies).
   */
  async restoreFrom(id: number): Promise<void> {
    for (const [name] of (await this.conn.runAndReadAll(`SELECT DISTINCT tbl FROM checkpoint_spill WHERE id = ${id}`)).getRowsJS()) this.tableId(String(name));
    const tbl = this.tableSql();
    await this.sliced('checkpoint_spill', `WHERE id = ${id}`, (range) => `INSERT INTO ${SPILL} (tbl, time, key, value, shape) SELECT ${tbl}, time, key, value, -1 FROM checkpoint_spill WHERE id = ${id} AND ${range}`);
    const copies = new Set((await checkpointTables(this.conn)).filter((t) => t.id === id).map((t) => t.name));
    if (copies.size === 0) return;
    const map = await restoreCatalog(this.conn, id, (name) => this.tableId(name));
    for (const { table, columns } of SPILL_TABLES) {
      const copy = checkpointTable(id, table);
      if (!copies.has(copy)) continue;
      await this.sliced(copy, '', (range) => `INSERT INTO ${SPILL} (tbl, time, key, value, shape) SELECT ${map.tbl}, time, key, ${map.json}, -1 FROM (SELECT tbl, time, ${KEY_SQL} AS key, value, shape, ${NUMS} FROM (SELECT ${columns} FROM ${copy} WHERE ${range}))`);
    }
  }

  /**
   * Runs `statement` over `table` a slice of rowids at a time. WARNING: one statement copying
   * millions of rows failed to commit under a small memory_limit ("failed to pin block", bench:state
   * at 64 MB): DuckDB holds a statement's new blocks pinned until it commits. `first` runs
   * before the first slice, when `table` has rows.
   */
  private async sliced(table: string, where: string, statement: (range: string) => string, first?: string): Promise<void> {
    const r = (await this.conn.runAndReadAll(`SELECT min(rowid), max(rowid) FROM ${table} ${where}`)).getRowsJS()[0];
    if (r === undefined || r[0] === null) return;
    if (first !== undefined) await this.conn.run(first);
    const lo = Number(r[0]);
    const hi = Number(r[1]);
    for (let from = lo; from <= hi; from += SLICE_ROWS) await this.conn.run(statement(`rowid >= ${from} AND rowid < ${from + SLICE_ROWS}`));
  }

  close(): void {
    this.conn.closeSync();
    this.reader.closeSync();
    if (this.owned) {
      this.owned.instance.closeSync();
      fs.rmSync(this.owned.file, { force: true });
      fs.rmSync(`${this.owned.file}.wal`, { force: true });
    }
  }
}

/**
 * DuckDB settings that keep its memory outside the buffer pool small: every worker thread keeps
 * allocations of its own that duckdb_memory() does not count (bench:state sees 5-47 MB in the
 * pool while the process holds ~250 MB natively), and the spill and checkpoint statements gain
 * nothing from order-preserving scans. WARNING: a memory_limit of 32 MB once made DuckDB's own
 * checkpoint fail to pin a block and invalidate the database (bench:state, when a checkpoint
 * still wrote millions of entries as JSON chunks in one statement); with checkpoints appending
 * in flushed chunks (stageEntries) and copying in slices (sliced), bench:state's open shape
 * runs at 32 MB (at 24 MB its close's GROUP BY ran out of memory and the close merged in JS
 * instead). The budget never gives less than DUCKDB_FLOOR (state/budget.ts). DuckDB's allocator (jemalloc)
 * keeps freed pages up to allocator_flush_threshold (128 MB by default) unless a background
 * thread returns them: bench:state's open shape at 64 MB peaked ~45 MB lower with both set.
 */
const LEAN: Readonly<Record<string, string>> = { threads: '1', preserve_insertion_order: 'false', allocator_flush_threshold: '16MB', allocator_background_threads: 'true' };


function mb(bytes: number): number {
  return Math.max(1, Math.round(bytes / 2 ** 20));
}
