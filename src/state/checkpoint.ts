// Durable checkpoints in the job's state directory: one DuckDB file (state.duckdb) holding the
// last complete snapshot (every state table as JSON chunks, plus the runner's metadata: source
// positions, sink lengths, watermarks). Each checkpoint is written in one transaction that also
// deletes the previous one, so a crash mid-write leaves the previous checkpoint intact.
// A small summary (checkpoint.json, replaced by rename) lets `sluice state` read it while the
// job runs and holds the database's lock.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { loadDuckDB } from './duckdb.js';
import { decodeState, encodeState } from './codec.js';
import { SpillStore } from './spill.js';
import { CHECKPOINT_SPILL_DDL, dropCheckpointSpill } from './spill-checkpoint.js';
import { ensureDir } from '../util/dirs.js';

export interface StoredTable {
  readonly operator: number;
  readonly name: string;
  readonly shape: 'keyed' | 'timeKeyed';
  readonly rows: number;
  readonly chunks: readonly string[];
  /** Of `rows`, how many lived in the DuckDB tier. */
  readonly spilledRows?: number;
  /** Their encoded bytes. */
  readonly spilledBytes?: number;
  /** The spilled rows are not in `chunks` but in the store's database (SpillStore.stage: typed copies, and checkpoint_spill). */
  readonly spilledInStore?: boolean;
}

/** A consistent snapshot of a job. `meta` is the runner's (exec/checkpointer.ts CheckpointMeta). */
export interface JobCheckpoint<M = unknown> {
  readonly id: number;
  readonly createdAt: number;
  readonly fingerprint: string;
  readonly meta: M;
  readonly tables: readonly StoredTable[];
}

export interface CheckpointStats {
  readonly id: number;
  readonly bytes: number;
  readonly ms: number;
}

/** What `sluice state` shows: the last checkpoint without its data. */
export interface CheckpointSummary {
  readonly id: number;
  readonly createdAt: number;
  readonly fingerprint: string;
  readonly bytes: number;
  readonly ms: number;
  readonly finished: boolean;
  /** Per table: rows and encoded bytes in total, and how many of them lived in the DuckDB tier. */
  readonly tables: ReadonlyArray<{ operator: number; name: string; shape: string; rows: number; bytes: number; spilledRows?: number; spilledBytes?: number }>;
}

/** Where checkpoints go; the in-memory one serves the property tests. */
export interface CheckpointTarget {
  write(c: JobCheckpoint, finished: boolean): Promise<CheckpointStats>;
  /** A spill tier inside the same database, so checkpoints copy spilled rows without JS. */
  openSpill?(memoryLimit: number): Promise<SpillStore>;
}

export const STATE_DB = 'state.duckdb';
export const SUMMARY_FILE = 'checkpoint.json';

function tableBytes(t: StoredTable): number {
  let n = t.spilledInStore ? (t.spilledBytes ?? 0) : 0;
  for (const c of t.chunks) n += c.length;
  return n;
}

export function summarize(c: JobCheckpoint, stats: CheckpointStats, finished: boolean): CheckpointSummary {
  return {
    id: c.id,
    createdAt: c.createdAt,
    fingerprint: c.fingerprint,
    bytes: stats.bytes,
    ms: stats.ms,
    finished,
    tables: c.tables.map((t) => ({ operator: t.operator, name: t.name, shape: t.shape, rows: t.rows, bytes: tableBytes(t), spilledRows: t.spilledRows ?? 0, spilledBytes: t.spilledBytes ?? (t.rows > 0 ? Math.round((tableBytes(t) * (t.spilledRows ?? 0)) / t.rows) : 0) })),
  };
}

export function readSummary(dir: string): CheckpointSummary | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, SUMMARY_FILE), 'utf8')) as CheckpointSummary;
  } catch {
    return undefined;
  }
}

/**
 * DuckDB's error when another process holds the database file's lock. WARNING: match its own
 * words only: a looser test ("lock") also matches "in block" of a corrupt file's checksum error.
 */
const LOCK_HELD = /Could not set lock on file/;

/** How long CheckpointStore.open waits for a state database another process holds. */
export const LOCK_WAIT_MS = 5_000;

/** The state database is held by another process (after LOCK_WAIT_MS). */
export class StateLockedError extends Error {}

/** What to tell a user whose state database DuckDB would not open: DuckDB's words, the file, the way out. */
export function openProblem(dir: string, duckdb: string): string {
  const file = path.join(dir, STATE_DB);
  if (LOCK_HELD.test(duckdb)) return `the state in ${dir} is in use by another running job (DuckDB: ${duckdb})`;
  return `cannot open the state in ${dir}: DuckDB cannot read ${file}: ${duckdb}. If the file is damaged, \`sluice run --fresh\` discards the state and starts the job over from its inputs`;
}

export class CheckpointStore implements CheckpointTarget {
  readonly dir: string;
  private readonly instance: DuckDBInstance;
  private readonly conn: DuckDBConnection;

  private constructor(dir: string, instance: DuckDBInstance, conn: DuckDBConnection) {
    this.dir = dir;
    this.instance = instance;
    this.conn = conn;
  }

  /**
   * Opens (or creates) the state database. `lockWaitMs`: how long a lock another process holds
   * is waited for before refusing: a run SIGKILLed just before this one may take a moment to
   * let go (its capped child notices its parent is gone between two slices of work).
   */
  static async open(dir: string, lockWaitMs = LOCK_WAIT_MS): Promise<CheckpointStore> {
    const until = Date.now() + lockWaitMs;
    for (;;) {
      try {
        return await CheckpointStore.openOnce(dir);
      } catch (e) {
        if (!(e instanceof StateLockedError) || Date.now() >= until) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private static async openOnce(dir: string): Promise<CheckpointStore> {
    ensureDir(dir);
    const { DuckDBInstance: Instance } = await loadDuckDB();
    let instance: DuckDBInstance | undefined;
    try {
      // Under a memory budget the spill tier lives here too and caps the buffer pool (SpillStore.attach).
      instance = await Instance.create(path.join(dir, STATE_DB));
      const conn = await instance.connect();
      // A damaged file can open and fail at its first read: these are the first reads.
      await conn.run(`CREATE TABLE IF NOT EXISTS checkpoints (id BIGINT, created_at BIGINT, fingerprint VARCHAR, meta VARCHAR, finished BOOLEAN)`);
      await conn.run(`CREATE TABLE IF NOT EXISTS checkpoint_state (id BIGINT, operator INTEGER, tbl VARCHAR, shape VARCHAR, chunk INTEGER, rows BIGINT, data VARCHAR)`);
      // Spilled rows of a checkpoint, copied from the spill table before the checkpoint's own
      // transaction (SpillStore.stage); checkpoint_spilled, written in it, counts them per table.
      // Rows staged for a checkpoint that never committed are dropped here.
      await conn.run(`CREATE TABLE IF NOT EXISTS checkpoint_spill (id BIGINT, tbl VARCHAR, time DOUBLE, key VARCHAR, value VARCHAR)`);
      await conn.run(`CREATE TABLE IF NOT EXISTS checkpoint_spilled (id BIGINT, operator INTEGER, tbl VARCHAR, rows BIGINT, bytes BIGINT)`);
      await conn.run(`DELETE FROM checkpoint_spill WHERE id NOT IN (SELECT id FROM checkpoints)`);
      // Typed copies of spilled rows (spill-checkpoint.ts), the same way.
      for (const statement of CHECKPOINT_SPILL_DDL) await conn.run(statement);
      const committed = new Set((await conn.runAndReadAll(`SELECT id FROM checkpoints`)).getRowsJS().map((r) => Number(r[0])));
      await dropCheckpointSpill(conn, (id) => committed.has(id), 'id IN (SELECT id FROM checkpoints)');
      await conn.run(`DELETE FROM checkpoint_state WHERE id NOT IN (SELECT id FROM checkpoints)`);
      return new CheckpointStore(dir, instance, conn);
    } catch (e) {
      instance?.closeSync();
      const duckdb = e instanceof Error ? e.message : String(e);
      throw LOCK_HELD.test(duckdb) ? new StateLockedError(openProblem(dir, duckdb)) : new Error(openProblem(dir, duckdb));
    }
  }

  openSpill(memoryLimit: number): Promise<SpillStore> {
    return SpillStore.attach(this.instance, memoryLimit);
  }

  /** Deletes a job's state directory (`--fresh`). */
  static remove(dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  async latest<M>(): Promise<{ checkpoint: JobCheckpoint<M>; finished: boolean } | undefined> {
    const head = (await this.conn.runAndReadAll(`SELECT id, created_at, fingerprint, meta, finished FROM checkpoints ORDER BY id DESC LIMIT 1`)).getRowsJS();
    const h = head[0];
    if (h === undefined) return undefined;
    const id = Number(h[0]);
    const rows = (await this.conn.runAndReadAll(`SELECT operator, tbl, shape, rows, data FROM checkpoint_state WHERE id = $1 ORDER BY operator, tbl, chunk`, [id])).getRowsJS();
    const tables: Array<{ operator: number; name: string; shape: 'keyed' | 'timeKeyed'; rows: number; chunks: string[]; spilledRows?: number; spilledBytes?: number; spilledInStore?: boolean }> = [];
    for (const r of rows) {
      const operator = Number(r[0]);
      const name = String(r[1]);
      let t = tables[tables.length - 1];
      if (t === undefined || t.operator !== operator || t.name !== name) {
        t = { operator, name, shape: r[2] === 'timeKeyed' ? 'timeKeyed' : 'keyed', rows: 0, chunks: [] };
        tables.push(t);
      }
      t.rows += Number(r[3]);
      if (r[4] !== null) t.chunks.push(String(r[4]));
    }
    const spilled = (await this.conn.runAndReadAll(`SELECT operator, tbl, rows, bytes FROM checkpoint_spilled WHERE id = $1`, [id])).getRowsJS();
    for (const r of spilled) {
      const t = tables.find((x) => x.operator === Number(r[0]) && x.name === String(r[1]));
      if (t === undefined) continue;
      t.spilledRows = Number(r[2]);
      t.spilledBytes = Number(r[3]);
      t.spilledInStore = true;
    }
    const checkpoint: JobCheckpoint<M> = { id, createdAt: Number(h[1]), fingerprint: String(h[2]), meta: decodeState<M>(String(h[3])), tables };
    return { checkpoint, finished: h[4] === true };
  }

  async write(c: JobCheckpoint, finished: boolean): Promise<CheckpointStats> {
    const t0 = performance.now();
    let bytes = 0;
    const conn = this.conn;
    // Fault injection (SLUICE_TEST_KILL_IN_CHECKPOINT=<id>@begin): die as the checkpoint starts, so
    // DuckDB's log ends with the previous checkpoint's commit (the torn-log test cuts into it).
    if (process.env['SLUICE_TEST_KILL_IN_CHECKPOINT'] === `${c.id}@begin`) process.kill(process.pid, 'SIGKILL');
    // State chunks go in before the transaction, so it stays small (DuckDB holds a transaction's
    // rows in its buffer pool until commit); the checkpoint only exists once its row in
    // `checkpoints` commits, and rows of one that never did are dropped (here and at open).
    await conn.run(`DELETE FROM checkpoint_state WHERE id = $1`, [c.id]);
    const ins = await conn.prepare(`INSERT INTO checkpoint_state VALUES ($1, $2, $3, $4, $5, $6, $7)`);
    for (const t of c.tables) {
      // An empty table still gets a row, so `sluice state` lists it.
      const chunks = t.chunks.length === 0 ? [null] : t.chunks;
      for (let i = 0; i < chunks.length; i++) {
        const data = chunks[i] ?? null;
        if (data !== null) bytes += data.length;
        ins.bind([c.id, t.operator, t.name, t.shape, i, i === 0 ? t.rows : 0, data]);
        await ins.run();
      }
    }
    await conn.run('BEGIN TRANSACTION');
    try {
      const meta = encodeState(c.meta);
      bytes += meta.length;
      await conn.run(`INSERT INTO checkpoints VALUES ($1, $2, $3, $4, $5)`, [c.id, c.createdAt, c.fingerprint, meta, finished]);
      for (const t of c.tables) {
        if (t.spilledInStore) {
          bytes += t.spilledBytes ?? 0;
          await conn.run(`INSERT INTO checkpoint_spilled VALUES ($1, $2, $3, $4, $5)`, [c.id, t.operator, t.name, t.spilledRows ?? 0, t.spilledBytes ?? 0]);
        }
      }
      await conn.run(`DELETE FROM checkpoint_state WHERE id <> $1`, [c.id]);
      await conn.run(`DELETE FROM checkpoint_spilled WHERE id <> $1`, [c.id]);
      await conn.run(`DELETE FROM checkpoint_spill WHERE id <> $1`, [c.id]);
      await dropCheckpointSpill(conn, (id) => id === c.id, `id = ${c.id}`);
      await conn.run(`DELETE FROM checkpoints WHERE id <> $1`, [c.id]);
      // Fault injection for the crash tests and the fault suite (test/faults): die inside the checkpoint,
      // every output flushed and its rows written, before it commits.
      if (process.env['SLUICE_TEST_KILL_IN_CHECKPOINT'] === String(c.id)) process.kill(process.pid, 'SIGKILL');
      await conn.run('COMMIT');
    } catch (e) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
    const stats = { id: c.id, bytes, ms: performance.now() - t0 };
    const tmp = path.join(this.dir, `${SUMMARY_FILE}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(summarize(c, stats, finished), null, 1));
    fs.renameSync(tmp, path.join(this.dir, SUMMARY_FILE));
    return stats;
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/** Keeps the last checkpoint in memory, as text, as the DuckDB store would (tests). */
export class MemoryCheckpointStore implements CheckpointTarget {
  private last: { text: string; finished: boolean } | undefined;
  count = 0;

  async write(c: JobCheckpoint, finished: boolean): Promise<CheckpointStats> {
    const text = encodeState(c);
    this.last = { text, finished };
    this.count++;
    return { id: c.id, bytes: text.length, ms: 0 };
  }

  latest<M>(): { checkpoint: JobCheckpoint<M>; finished: boolean } | undefined {
    if (this.last === undefined) return undefined;
    return { checkpoint: decodeState<JobCheckpoint<M>>(this.last.text), finished: this.last.finished };
  }
}
