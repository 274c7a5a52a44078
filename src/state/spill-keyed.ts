// The DuckDB tier of keyed tables (GROUP BY without a window, session key state, LAG history).
// A key is whole in one tier: past the budget the least recently used keys (second chance, see
// takeColdest) move to DuckDB, and before an operator touches a batch's keys the runner awaits
// load(), which brings the spilled ones back (one query per batch; a Bloom filter keeps keys
// never spilled from costing a lookup).

import { duckdb } from './duckdb.js';
import { encodeState } from './codec.js';
import { KeyFilter } from './key-filter.js';
import { ShapeCache } from './shape-codec.js';
import { BYTES_PER_CHAR, ENTRY_OVERHEAD, type SpillStore } from './spill.js';
import { SPILL, SpillWriter, SpilledChunk, spillColumns } from './spill-rows.js';
import { MemoryKeyedTable } from './tables.js';
import { readSpilled } from './spill-scan.js';

const SAMPLE = 48;

export class SpillableKeyedTable<V> extends MemoryKeyedTable<V> {
  spilledRows = 0;
  spilledBytes = 0;
  /** Rows ever moved to DuckDB, and ever brought back (what a key's temperature costs; bench:state prints them). */
  rowsSpilledTotal = 0;
  rowsLoadedTotal = 0;
  private filter: KeyFilter | undefined;
  private entryBytes = 0;
  private shapes: ShapeCache | undefined;

  /**
   * Reference bits (second chance, CLOCK-like): a bit per hash of each key read since the last
   * spill. A fixed bit array costs a hash per get and no allocation; a Set of keys made the
   * 256 MB skewed run die at its heap cap, and true LRU (delete and re-insert on every get)
   * made a Map of 300k keys ~20x slower (V8 rehashes it over and over).
   */
  private refs = new Uint32Array(1 << 11);
  private refMask = (1 << 16) - 1;

  constructor(readonly id: string) {
    super();
  }

  /** An operator reading a key marks it used: the next spill gives it a second chance. */
  override get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      const b = hash(key) & this.refMask;
      this.refs[b >>> 5]! |= 1 << (b & 31);
    }
    return v;
  }

  /**
   * Up to `n` entries, least recently used first: from the oldest in the map, a key read since
   * the last spill moves behind the others instead of going, and every bit clears; new and
   * loaded-back keys are already at the back. A hash collision only spares a cold key once.
   */
  override takeColdest(n: number): Array<[string, V]> {
    const out: Array<[string, V]> = [];
    const again: Array<[string, V]> = [];
    const refs = this.refs;
    const mask = this.refMask;
    for (const e of this.map) {
      if (out.length >= n) break;
      const b = hash(e[0]) & mask;
      if ((refs[b >>> 5]! & (1 << (b & 31))) !== 0) again.push(e);
      else out.push(e);
    }
    for (const [k] of out) this.map.delete(k);
    for (const [k, v] of again) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    if (out.length < n) for (const e of super.takeColdest(n - out.length)) out.push(e);
    // About 8 bits per key held, so few cold keys share a hot key's bit.
    let bits = 1 << 16;
    while (bits < 8 * this.size && bits < 1 << 26) bits *= 2;
    if (bits === mask + 1) refs.fill(0);
    else {
      this.refs = new Uint32Array(bits >>> 5);
      this.refMask = bits - 1;
    }
    return out;
  }

  /** Memory held, from a sample of serialized entries (as SpillableTimeKeyedTable). */
  estimatedBytes(): number {
    const n = this.size;
    if (n === 0) return 0;
    let bytes = 0;
    const sample = this.peek(SAMPLE);
    for (const [k, v] of sample) bytes += encodeState(v).length + k.length;
    this.entryBytes = (BYTES_PER_CHAR * bytes) / sample.length + ENTRY_OVERHEAD;
    return n * this.entryBytes;
  }

  /** Moves the coldest keys, whole, to DuckDB until about `bytes` are freed. */
  async spill(store: SpillStore, bytes: number): Promise<void> {
    if (this.entryBytes === 0) this.estimatedBytes();
    const entries = this.takeColdest(Math.ceil(bytes / Math.max(1, this.entryBytes)));
    if (entries.length === 0) return;
    const need = this.spilledRows + entries.length;
    const f = this.filter;
    if (f === undefined || f.added + entries.length > f.capacity || f.capacity > 8 * Math.max(1024, need)) await this.rebuildFilter(store, 2 * need);
    this.shapes ??= new ShapeCache(store.shapes);
    const shapes = this.shapes;
    // One transaction per spill (SpillStore.transaction): the appender's flushes do not commit.
    await store.transaction(async () => {
      const writer = await SpillWriter.open(store.conn, store.tableId(this.id), shapes);
      try {
        for (const [key, value] of entries) {
          this.spilledBytes += writer.add(Number.NaN, key, value);
          this.filter!.add(key);
        }
      } finally {
        writer.close();
      }
    });
    this.spilledRows += entries.length;
    this.rowsSpilledTotal += entries.length;
  }

  /** Brings back, whole, every spilled key among `keys`, so the operator finds them in memory. */
  async load(store: SpillStore, keys: Iterable<string>): Promise<void> {
    const filter = this.filter;
    if (filter === undefined || this.spilledRows === 0) return;
    const wanted = new Set<string>();
    for (const k of keys) if (!this.has(k) && filter.mightContain(k)) wanted.add(k);
    if (wanted.size === 0) return;
    const list = duckdb().listValue([...wanted]);
    const width = this.shapes?.width ?? 0;
    const result = await store.conn.run(`SELECT ${spillColumns(width)} FROM ${SPILL} WHERE tbl = $1::INTEGER AND time IS NULL AND key IN (SELECT unnest($2::VARCHAR[]))`, [store.tableId(this.id), list]);
    const chunks = (await result.fetchAllChunks()).filter((c) => c.rowCount > 0).map((c) => new SpilledChunk(c, store.shapes, width));
    if (chunks.length === 0) return;
    await store.conn.run(`DELETE FROM ${SPILL} WHERE tbl = $1::INTEGER AND time IS NULL AND key IN (SELECT unnest($2::VARCHAR[]))`, [store.tableId(this.id), list]);
    for (const chunk of chunks) {
      for (let i = 0; i < chunk.count; i++) {
        const key = chunk.key(i);
        this.set(key, chunk.value<V>(i, key));
        this.spilledRows--;
        this.rowsLoadedTotal++;
        this.spilledBytes -= chunk.lastChars;
      }
    }
    // Every spilled key came back: the filter's bits are all stale.
    if (this.spilledRows === 0) this.filter = undefined;
  }

  /** Stages the entries in memory into checkpoint `id`, leaving them there (SpillStore.stageEntries). */
  stageMemory(store: SpillStore, id: number): Promise<{ rows: number; bytes: number }> {
    const self = this;
    return store.stageEntries(
      id,
      this.id,
      (function* (): Generator<[number, string, V]> {
        for (const [k, v] of self.entries()) yield [Number.NaN, k, v];
      })(),
    );
  }

  /** Spilled entries as checkpoint chunks ([key, value] pairs, as the memory snapshot's). */
  async spilledChunks(store: SpillStore): Promise<string[]> {
    if (this.spilledRows === 0) return [];
    const width = this.shapes?.width ?? 0;
    const result = await store.conn.stream(`SELECT ${spillColumns(width)} FROM ${SPILL} WHERE tbl = $1::INTEGER AND time IS NULL`, [store.tableId(this.id)]);
    const chunks: string[] = [];
    await readSpilled(result, { rows: this.spilledRows, what: `the spilled keys of table ${this.id} for a checkpoint` }, (fetched) => {
      const chunk = new SpilledChunk(fetched, store.shapes, width);
      const parts = new Array<string>(chunk.count);
      for (let i = 0; i < chunk.count; i++) {
        const k = chunk.key(i);
        parts[i] = encodeState([k, chunk.value(i, k)]);
      }
      chunks.push(`[${parts.join(',')}]`);
    });
    return chunks;
  }

  /** After the spill table was filled from a checkpoint (SpillStore.restoreFrom). */
  async recount(store: SpillStore): Promise<void> {
    const r = (await store.conn.runAndReadAll(`SELECT count(*), coalesce(sum(length(key) + coalesce(length(value), 0)), 0) FROM ${SPILL} WHERE tbl = $1::INTEGER AND time IS NULL`, [store.tableId(this.id)])).getRowsJS()[0];
    this.spilledRows = Number(r?.[0] ?? 0);
    this.spilledBytes = Number(r?.[1] ?? 0);
    if (this.spilledRows > 0) await this.rebuildFilter(store, 2 * this.spilledRows);
  }

  /** A filter of `capacity` holding every spilled key (streamed from DuckDB). */
  private async rebuildFilter(store: SpillStore, capacity: number): Promise<void> {
    const filter = new KeyFilter(capacity);
    if (this.spilledRows > 0) {
      const result = await store.conn.stream(`SELECT key FROM ${SPILL} WHERE tbl = $1::INTEGER AND time IS NULL`, [store.tableId(this.id)]);
      await readSpilled(result, { rows: this.spilledRows, what: `the spilled keys of table ${this.id} for its filter` }, (chunk) => {
        for (const k of chunk.getColumnValues(0) as string[]) filter.add(k);
      });
    }
    this.filter = filter;
  }
}

/** FNV-1a of a key (reference bits). */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
