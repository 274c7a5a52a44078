// The DuckDB tier of time-keyed tables whose values are mergeable partial aggregates (EMIT FINAL
// TUMBLE/HOP windows). Past the job's memory budget, whole times (the newest windows first, the
// farthest from closing) move to a DuckDB file in one appender batch each; rows that arrive later
// for a spilled (time, key) start a fresh partial in memory. Before the runner delivers a
// watermark it awaits prefetch(W), which merges every spilled partial with time <= W back into
// memory, so the operator's synchronous drainThrough sees complete windows.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { decodeState, encodeState } from './codec.js';
import { MemoryTimeKeyedTable } from './tables.js';

export class SpillStore {
  private constructor(
    readonly file: string,
    private readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
  ) {}

  static async open(dir: string): Promise<SpillStore> {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `spill-${process.pid}.duckdb`);
    fs.rmSync(file, { force: true });
    fs.rmSync(`${file}.wal`, { force: true });
    // A small buffer pool: the point of spilling is to keep the process's memory down.
    const instance = await DuckDBInstance.create(file, { memory_limit: '128MB', threads: '1' });
    const conn = await instance.connect();
    await conn.run('CREATE TABLE spill (tbl VARCHAR, time DOUBLE, key VARCHAR, value VARCHAR)');
    return new SpillStore(file, instance, conn);
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
    fs.rmSync(this.file, { force: true });
    fs.rmSync(`${this.file}.wal`, { force: true });
  }
}

export class SpillableTimeKeyedTable<V> extends MemoryTimeKeyedTable<V> {
  /** Spilled entries, their encoded bytes, and the smallest spilled time (Infinity when none). */
  spilledRows = 0;
  spilledBytes = 0;
  private spilledMin = Number.POSITIVE_INFINITY;
  /** Estimated bytes per in-memory entry, measured on the first spill check. */
  private entryBytes = 0;

  constructor(
    readonly id: string,
    private readonly merge: (a: V, b: V) => V,
  ) {
    super();
  }

  estimatedBytes(): number {
    if (this.size === 0) return 0;
    if (this.entryBytes === 0) {
      const first = this.snapshotSample();
      if (first !== undefined) this.entryBytes = (encodeState(first.value).length + first.key.length) * 3 + 150;
    }
    return this.size * this.entryBytes;
  }

  private snapshotSample(): { key: string; value: V } | undefined {
    const t = this.minTime();
    if (t === undefined) return undefined;
    const it = this.keysAt(t)?.next();
    return it && !it.done ? { key: it.value[0], value: it.value[1] } : undefined;
  }

  /** Moves whole times, newest first, to DuckDB until about `bytes` are freed. */
  async spill(store: SpillStore, bytes: number): Promise<void> {
    const per = this.entryBytes || 200;
    const times = this.timesDescending();
    const appender = await store.conn.createAppender('spill');
    let freed = 0;
    for (const t of times) {
      if (freed >= bytes) break;
      for (const { key, value } of this.takeTime(t)) {
        const text = encodeState(value);
        appender.appendVarchar(this.id);
        appender.appendDouble(t);
        appender.appendVarchar(key);
        appender.appendVarchar(text);
        appender.endRow();
        this.spilledRows++;
        this.spilledBytes += text.length + key.length;
        freed += per;
      }
      if (t < this.spilledMin) this.spilledMin = t;
    }
    appender.flushSync();
    appender.closeSync();
  }

  /** Merges spilled partials with time <= upTo back into memory (before a watermark closes them). */
  async prefetch(store: SpillStore, upTo: number): Promise<void> {
    if (this.spilledMin > upTo) return;
    const rows = (await store.conn.runAndReadAll('SELECT time, key, value FROM spill WHERE tbl = $1 AND time <= $2', [this.id, upTo])).getRowsJS();
    await store.conn.run('DELETE FROM spill WHERE tbl = $1 AND time <= $2', [this.id, upTo]);
    for (const r of rows) this.mergeIn(Number(r[0]), String(r[1]), decodeState<V>(String(r[2])), String(r[2]).length + String(r[1]).length);
    const rest = (await store.conn.runAndReadAll('SELECT min(time) FROM spill WHERE tbl = $1', [this.id])).getRowsJS();
    const m = rest[0]?.[0];
    this.spilledMin = m === null || m === undefined ? Number.POSITIVE_INFINITY : Number(m);
  }

  /** Spilled entries as checkpoint chunks ([time, key, value] JSON arrays). */
  async spilledChunks(store: SpillStore): Promise<string[]> {
    if (this.spilledRows === 0) return [];
    const rows = (await store.conn.runAndReadAll('SELECT time, key, value FROM spill WHERE tbl = $1', [this.id])).getRowsJS();
    const chunks: string[] = [];
    for (let i = 0; i < rows.length; i += 20_000) {
      chunks.push(`[${rows.slice(i, i + 20_000).map((r) => `[${Number(r[0])},${JSON.stringify(String(r[1]))},${String(r[2])}]`).join(',')}]`);
    }
    return chunks;
  }

  /** A restored snapshot may hold a memory and a spilled partial of one (time, key): merge them. */
  override restore(chunks: readonly string[]): void {
    super.restore([]);
    for (const c of chunks) for (const [t, k, v] of decodeState<Array<[number, string, V]>>(c)) this.mergeIn(t, k, v, 0);
  }

  private mergeIn(t: number, key: string, value: V, bytes: number): void {
    const have = this.get(t, key);
    this.set(t, key, have === undefined ? value : this.merge(value, have));
    if (bytes > 0) {
      this.spilledRows--;
      this.spilledBytes -= bytes;
    }
  }
}
