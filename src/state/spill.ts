// The DuckDB tier of time-keyed tables whose values are mergeable partial aggregates (EMIT FINAL
// TUMBLE/HOP windows). Past the job's memory budget the coldest entries of the oldest times move
// to DuckDB in appender batches, open windows included: a (time, key) touched again after it
// spilled just starts another partial in memory, and partials merge. A window closes by merging
// its spilled partials per key (in DuckDB by a GROUP BY when they share one shape whose numbers
// SQL can merge exactly, else in JS a hash partition at a time), then each key's merged partial
// with its memory partial, handing chunks to the operator, so memory stays bounded.
// The spill table lives in the checkpoint database when there is one, so a checkpoint copies
// spilled rows inside DuckDB (stage) instead of through JS.

import { decodeState, encodeState } from './codec.js';
import { KeyFilter } from './key-filter.js';
import { ShapeCache, type Shape } from './shape-codec.js';
import { KEY_SQL, SPILL, SPILL_ROWS, SPILL_TABLES, SpillWriter, SpilledChunk, plainTable, spillColumns } from './spill-rows.js';
import { MemoryTimeKeyedTable } from './tables.js';
import type { SqlMerge } from '../expr/aggregates/columnar.js';
import { SpillStore } from './spill-store.js';
import { readSpilled } from './spill-scan.js';
import type { DuckDBDataChunk } from '@duckdb/node-api';

export { SpillStore } from './spill-store.js';

/** Hash partitions a closing time's spilled partials are merged in, at most; and the least memory one may take. */
const MAX_PARTS = 256;
const MIN_CLOSE_BYTES = 4096;
/** DuckDB's error when a query needs more than its memory_limit. */
const OUT_OF_MEMORY = /Out of Memory Error/;
/** Entries per chunk handed to an operator from memory. */
const CLOSE_CHUNK = 4096;
/** Keys of a time's first spilled-key filter; each next one holds twice the keys before it. */
const FIRST_FILTER = 65_536;
/** Entries sampled (serialized) per estimate. */
const SAMPLE = 48;
/** Heap bytes per serialized character and per entry (see estimatedBytes). */
export const BYTES_PER_CHAR = 3;
export const ENTRY_OVERHEAD = 96;


export type TimeEntry<V> = { time: number; key: string; value: V };

/** The spilled rows of one time: how many, their encoded characters, and how they merge on close. */
export interface SpilledTime {
  rows: number;
  bytes: number;
  /** The shape every row has so far (when `merge` is a list). */
  shape: number;
  /** Per numeric column, DuckDB's merge; null: merge in JS; undefined: nothing spilled yet. */
  merge: readonly SqlMerge[] | null | undefined;
  /** Every row's key is its number in n0 (NULL `key`, see KEY_SQL): a SQL merge groups by n0. */
  numberKeys: boolean;
}

/** Where one spill writes, and the accounting of the time it takes entries from. */
export interface SpillSink {
  readonly writer: SpillWriter;
  readonly at: SpilledTime;
  /** The time's spilled-key filters; dropped (undefined) at its first row keyed by number. */
  filters: KeyFilter[] | undefined;
  readonly store: SpillStore;
  readonly shapes: ShapeCache;
}

/** Spilled partials merged per key (see SpillableTimeKeyedTable.mergeBuffer). */
export interface MergeBuffer<V> {
  /** Memory per merged key, to size the partitions. */
  readonly bytesPerKey: number;
  add(key: string, value: V): void;
  /** The merged values, emptying the buffer. */
  drain(): Iterable<[string, V]>;
}

export class SpillableTimeKeyedTable<V> extends MemoryTimeKeyedTable<V> {
  /** Spilled rows (partials; a key may have several) and their encoded bytes. */
  spilledRows = 0;
  spilledBytes = 0;
  /** Per time: its spilled rows, and how they merge when it closes. */
  private readonly spilledTimes = new Map<number, SpilledTime>();
  /**
   * Bloom filters of each time's spilled keys, so closing a time looks up in memory only the
   * spilled keys that may also have a memory partial (a random Map lookup per spilled key cost
   * about as much as reading it back). A time restored from a checkpoint has none: then every
   * spilled key is looked up.
   */
  private readonly spilledKeys = new Map<number, KeyFilter[]>();
  /** Sampled bytes per memory entry (see estimatedBytes). */
  protected entryBytes = 0;
  /** This table's value shapes in the store's registry (made at the first spill). */
  private shapes: ShapeCache | undefined;

  constructor(
    readonly id: string,
    protected readonly merge: (a: V, b: V) => V,
  ) {
    super();
  }

  /**
   * Memory held, from a sample of entries serialized each call. V8 holds a small state in about
   * three times its JSON length (object headers and maps, arrays, boxed doubles, the key kept
   * both as the table key and in the state), plus the hash-table slot and string headers:
   * calibrated on bench:state (BENCH_TRACE prints heap used against rows in memory: ~355 B
   * per window entry, estimated 3 x 82 + 96).
   */
  estimatedBytes(): number {
    const n = this.size;
    if (n === 0) return 0;
    const times = this.timesAscending();
    let bytes = 0;
    let count = 0;
    for (const t of [times[0]!, times[times.length - 1]!]) {
      for (const { key, value } of this.peek(t, SAMPLE / 2)) {
        bytes += encodeState(value).length + key.length;
        count++;
      }
      if (times.length === 1) break;
    }
    if (count > 0) this.entryBytes = (BYTES_PER_CHAR * bytes) / count + ENTRY_OVERHEAD;
    return n * this.entryBytes;
  }

  /** Memory held at the worst during the next batch (a table whose storage grows in steps says more). */
  peakBytes(): number {
    return this.estimatedBytes();
  }

  /** Moves the coldest entries of the oldest times to DuckDB until about `bytes` are freed. */
  async spill(store: SpillStore, bytes: number): Promise<void> {
    if (this.entryBytes === 0) this.estimatedBytes();
    const rows = Math.ceil(bytes / Math.max(1, this.entryBytes));
    await this.writeSpill(store, (writer, shapes) => this.spillInto(writer, rows, store, shapes));
  }

  /** `write` into a spill writer, in one transaction per spill (SpillStore.transaction): the appender's flushes do not commit. */
  private async writeSpill(store: SpillStore, write: (writer: SpillWriter, shapes: ShapeCache) => void): Promise<void> {
    const shapes = (this.shapes ??= new ShapeCache(store.shapes));
    await store.transaction(async () => {
      const writer = await SpillWriter.open(store.conn, store.tableId(this.id), shapes, this.plainWidth());
      try {
        write(writer, shapes);
      } finally {
        writer.close();
      }
    });
  }

  /** Up to `rows` entries, oldest times first, into `writer`. */
  private spillInto(writer: SpillWriter, rows: number, store: SpillStore, shapes: ShapeCache): void {
    let left = rows;
    for (const t of [...this.timesAscending()]) {
      if (left <= 0) break;
      left -= this.spillTimeInto(writer, t, left, store, shapes);
    }
  }

  /** Up to `rows` entries of time `t` into `writer`; returns how many. */
  private spillTimeInto(writer: SpillWriter, t: number, rows: number, store: SpillStore, shapes: ShapeCache): number {
    const filters = this.spilledTimes.has(t) ? this.spilledKeys.get(t) : this.newFilters(t);
    let at = this.spilledTimes.get(t);
    if (at === undefined) {
      at = { rows: 0, bytes: 0, shape: -1, merge: undefined, numberKeys: true };
      this.spilledTimes.set(t, at);
    }
    const sink: SpillSink = { writer, at, filters, store, shapes };
    let left = rows;
    // In chunks: a columnar table builds each entry's value as it is taken.
    for (;;) {
      const n = this.spillSome(t, Math.min(left, CLOSE_CHUNK), sink);
      if (n === 0) break;
      left -= n;
      this.spilledRows += n;
      if (left <= 0) break;
    }
    if (at.rows === 0) this.spilledTimes.delete(t);
    return rows - left;
  }

  /**
   * Before a time that merges by SQL closes: its memory entries go to the spill table too (one
   * transaction), so the memory they hold is free before DuckDB's hash aggregate runs, and no
   * memory partial is looked up and merged in JS per merged key. (Entries of another shape make
   * the time merge in JS, as spilled ones would.) bench:state's open shape at 64 MB (490k entries
   * in memory at the close, 3.5M spilled) held 20-30 MB of segment arrays through its close
   * otherwise, and its run took 4.5-5.2 s instead of 3.9-4.0.
   */
  private async spillTimeWhole(store: SpillStore, t: number): Promise<void> {
    await this.writeSpill(store, (writer, shapes) => void this.spillTimeInto(writer, t, Number.POSITIVE_INFINITY, store, shapes));
  }

  /** Takes up to `max` entries of time `t` into the spill writer; returns how many. */
  protected spillSome(t: number, max: number, sink: SpillSink): number {
    const entries = this.takeSome(t, max);
    for (const { key, value } of entries) this.spillEntry(t, key, value, sink);
    return entries.length;
  }

  /** One entry into the writer, with the time's accounting (bytes, filters, shape). */
  protected spillEntry(t: number, key: string, value: V, sink: SpillSink): void {
    const chars = sink.writer.add(t, key, value);
    this.spilledBytes += chars;
    sink.at.bytes += chars;
    if (sink.filters !== undefined) addKey(sink.filters, key);
    sink.at.numberKeys = false;
    this.noteShape(sink.at, sink.writer.lastShape, value, sink.store);
    sink.at.rows++;
  }

  /**
   * An entry written as raw numbers under a shape already checked (a columnar table's fast
   * path): `fields` are the shape's numbers after the key's, from `from`. `key` null: the key is
   * `keyNumber`, a safe integer other than -0, written as a number only (SpillWriter.addRaw).
   * Such a row drops the time's key filters, which hash key strings: a close merging by SQL
   * finds memory partials by number, and one merging in JS then looks up every spilled key.
   */
  protected spillRaw(t: number, key: string | null, keyNumber: number, shape: Shape, fields: Float64Array, from: number, sample: V, sink: SpillSink): void {
    const chars = sink.writer.addRaw(t, key, keyNumber, shape, fields, from);
    this.spilledBytes += chars;
    sink.at.bytes += chars;
    if (key === null) {
      if (sink.filters !== undefined) {
        sink.filters = undefined;
        this.spilledKeys.delete(t);
      }
    } else {
      sink.at.numberKeys = false;
      if (sink.filters !== undefined) addKey(sink.filters, key);
    }
    this.noteShape(sink.at, shape.id, sample, sink.store);
    sink.at.rows++;
  }

  /** True when a watermark up to `upTo` closes a time with spilled rows (then closeThrough). */
  hasSpilledThrough(upTo: number): boolean {
    for (const t of this.spilledTimes.keys()) if (t <= upTo) return true;
    return false;
  }

  /**
   * Closes every time <= upTo that has spilled rows, and the memory-only times before them, in
   * ascending time: each chunk of complete (time, key) values goes to `onChunk`, which emits it.
   * Later memory-only times are left to the operator's drainThrough.
   */
  async closeThrough(store: SpillStore, upTo: number, onChunk: (entries: TimeEntry<V>[]) => void | Promise<void>): Promise<void> {
    const spilled = [...this.spilledTimes.keys()].filter((t) => t <= upTo).sort((a, b) => a - b);
    for (const t of spilled) {
      for (const mt of [...this.timesAscending()]) {
        if (mt >= t) break;
        if (!this.spilledTimes.has(mt)) await this.drainTime(mt, onChunk);
      }
      await this.streamTime(store, t, onChunk);
      await this.drainTime(t, onChunk);
    }
  }

  /** Memory entries of one time, in chunks. */
  private async drainTime(t: number, onChunk: (entries: TimeEntry<V>[]) => void | Promise<void>): Promise<void> {
    for (;;) {
      const part = this.takeSome(t, CLOSE_CHUNK);
      if (part.length === 0) return;
      await onChunk(part.map(({ key, value }) => ({ time: t, key, value })));
    }
  }

  /**
   * Spilled partials of one time, merged per key with each other and with the key's memory
   * partial. A hash partition of the keys at a time (one scan each), so merging holds at most
   * `store.closeBytes` of partials: an ORDER BY key in DuckDB held hundreds of MB outside its
   * memory_limit (4M partials: RSS 235 -> 465 MB at a 32 MB limit), and a GROUP BY key ran
   * out of memory there.
   */
  private async streamTime(store: SpillStore, t: number, onChunk: (entries: TimeEntry<V>[]) => void | Promise<void>): Promise<void> {
    if (this.spilledTimes.get(t)!.merge) await this.spillTimeWhole(store, t);
    const at = this.spilledTimes.get(t)!;
    const bySql = at.merge !== undefined && at.merge !== null && (await this.streamMergedBySql(store, t, at.shape, at.merge, onChunk));
    if (!bySql) await this.streamMergedInJs(store, t, at.rows, onChunk);
    for (const { table } of SPILL_TABLES) await store.conn.run(`DELETE FROM ${table} WHERE tbl = $1::INTEGER AND time = $2`, [store.tableId(this.id), t]);
    this.spilledRows -= at.rows;
    this.spilledBytes -= at.bytes;
    this.spilledTimes.delete(t);
    this.spilledKeys.delete(t);
  }

  /**
   * Spilled partials of one time that share one shape whose numbers DuckDB can merge: one
   * GROUP BY key over the spill table (DuckDB's hash aggregate stays in its memory_limit and
   * goes to disk past it), each merged row then merged with the key's memory partial. On
   * bench:state's open shape (3.5M partials of 2.5M keys, 64 MB) it took ~2 s where reading the
   * partials back in 18 hash partitions took ~10 s.
   */
  private async streamMergedBySql(store: SpillStore, t: number, shape: number, merge: readonly SqlMerge[], onChunk: (entries: TimeEntry<V>[]) => void | Promise<void>): Promise<boolean> {
    const nums = merge.map((f, i) => `${f}(n${i}) AS n${i}`);
    // The last column counts each key's partials: they add up to the time's spilled rows (readSpilled).
    const keyOf = this.closeKeyOf(shape);
    // Keys all numbers group by n0 (no strings in DuckDB either); a key the table rebuilds from
    // the row's numbers is not read back as a string.
    // (Rows keyed by number are all in their shape's narrow table.)
    const byNumber = this.spilledTimes.get(t)!.numberKeys;
    const from = byNumber ? plainTable(merge.length) : SPILL_ROWS;
    const by = byNumber ? `${from}.n0` : KEY_SQL;
    const sql = `SELECT ${keyOf === undefined ? `${KEY_SQL} AS key` : 'NULL::VARCHAR AS k'}, ${shape}::INTEGER AS shape, NULL::VARCHAR AS value${nums.map((n) => `, ${n}`).join('')}, count(*)::INTEGER AS partials FROM ${from} WHERE tbl = $1::INTEGER AND time = $2 GROUP BY ${by}`;
    let result: Awaited<ReturnType<typeof store.reader.stream>>;
    let first: Awaited<ReturnType<typeof result.fetchChunk>>;
    try {
      // The hash aggregate is built before the first chunk comes out: when it runs out of the
      // buffer pool there (bench:state's 3.5M partials at a 24 MB memory_limit), nothing has been
      // emitted or taken yet, and the partials merge in JS a hash partition at a time instead.
      result = await store.reader.stream(sql, [store.tableId(this.id), t]);
      first = await result.fetchChunk();
    } catch (e) {
      if (OUT_OF_MEMORY.test(e instanceof Error ? e.message : String(e))) return false;
      throw e;
    }
    const partner = this.closePartner(t, shape);
    const partials = 3 + merge.length;
    const rows = this.spilledTimes.get(t)!.rows;
    const counted = (c: DuckDBDataChunk): number => (c.getColumnValues(partials) as number[]).reduce((a, b) => a + b, 0);
    await readSpilled(result, { rows, what: `the spilled partials of table ${this.id} merged by key`, counted }, async (fetched) => {
      const chunk = new SpilledChunk(fetched, store.shapes, merge.length);
      const out: TimeEntry<V>[] = new Array<TimeEntry<V>>(chunk.count);
      for (let i = 0; i < chunk.count; i++) {
        const k = keyOf === undefined ? chunk.key(i) : keyOf(chunk, i);
        const v = chunk.value<V>(i, k);
        const mem = partner(k, chunk, i);
        out[i] = { time: t, key: k, value: mem === undefined ? v : this.merge(v, mem) };
      }
      await onChunk(out);
    }, first);
    return true;
  }

  /**
   * Spilled partials of one time merged in JS, per key with each other and with the key's memory
   * partial (partials of several shapes, JSON ones, restored ones, or aggregates SQL cannot merge
   * exactly).
   */
  private async streamMergedInJs(store: SpillStore, t: number, rows: number, onChunk: (entries: TimeEntry<V>[]) => void | Promise<void>): Promise<void> {
    const merged = this.mergeBuffer();
    const parts = Math.min(MAX_PARTS, Math.max(1, Math.ceil((rows * merged.bytesPerKey) / Math.max(MIN_CLOSE_BYTES, store.closeBytes))));
    const both = this.memoryAndSpilled(t);
    const width = this.shapes?.width ?? 0;
    // Rows per partition, to check each partition's scan (readSpilled); a materialized query, so it fails loudly.
    const perPart =
      parts === 1
        ? new Map([[0, rows]])
        : new Map(
            (await store.reader.runAndReadAll(`SELECT (hash(${KEY_SQL}) % ${parts})::INTEGER, count(*)::INTEGER FROM ${SPILL_ROWS} WHERE tbl = $1::INTEGER AND time = $2 GROUP BY ALL`, [store.tableId(this.id), t]))
              .getRowsJS()
              .map(([p, n]) => [Number(p), Number(n)]),
          );
    for (let p = 0; p < parts; p++) {
      const part = parts === 1 ? '' : ` AND hash(${KEY_SQL}) % ${parts} = ${p}`;
      const result = await store.reader.stream(`SELECT ${spillColumns(width)} FROM ${SPILL_ROWS} WHERE tbl = $1::INTEGER AND time = $2${part}`, [store.tableId(this.id), t]);
      await readSpilled(result, { rows: perPart.get(p) ?? 0, what: `the spilled partials of table ${this.id} (hash partition ${p + 1} of ${parts})` }, (fetched) => {
        const chunk = new SpilledChunk(fetched, store.shapes, width);
        for (let i = 0; i < chunk.count; i++) {
          const k = chunk.key(i);
          merged.add(k, chunk.value<V>(i, k));
        }
      });
      let out: TimeEntry<V>[] = [];
      for (const [k, v] of merged.drain()) {
        const mem = both === undefined || both.has(k) ? this.take(t, k) : undefined;
        out.push({ time: t, key: k, value: mem === undefined ? v : this.merge(v, mem) });
        if (out.length >= CLOSE_CHUNK) {
          await onChunk(out);
          out = [];
        }
      }
      if (out.length > 0) await onChunk(out);
    }
  }

  /**
   * Closing time `t` by SQL, whose merged rows have shape `shape`: takes the memory partial of
   * row `i`'s key, if any. Here through the spilled keys' filters and a Set of the memory keys
   * they may hold; a columnar table finds it by the row's numbers.
   */
  protected closePartner(t: number, _shape: number): (key: string, chunk: SpilledChunk, i: number) => V | undefined {
    const both = this.memoryAndSpilled(t);
    return (k) => (both === undefined || both.has(k) ? this.take(t, k) : undefined);
  }

  /** For merged rows of `shape`: the encoded key from the row's numbers, or undefined (read the key column). */
  protected closeKeyOf(_shape: number): ((chunk: SpilledChunk, i: number) => string) | undefined {
    return undefined;
  }

  /**
   * How a time's spilled rows merge: by SQL while they all share one shape whose numbers the
   * table can merge in SQL (a width-checked mergeSql), else (null) in JS from then on.
   */
  private noteShape(at: SpilledTime, shape: number, value: V, store: SpillStore): void {
    if (at.merge === null) return;
    if (at.merge === undefined && at.rows === 0) {
      const merge = shape < 0 ? undefined : this.mergeSql(value);
      at.shape = shape;
      at.merge = merge !== undefined && merge.length === store.shapes.shapes[shape]!.width ? merge : null;
    } else if (shape !== at.shape) at.merge = null;
  }

  /** The shape width of rows spillRaw writes keyed by number (a plain columnar table's), if any. */
  protected plainWidth(): number | undefined {
    return undefined;
  }

  /** The SQL merge of each number in values like `value` (see ColumnarLayout.mergeSql); undefined: JS only. */
  protected mergeSql(_value: V): readonly SqlMerge[] | undefined {
    return undefined;
  }

  /** Where a closing time's spilled partials merge per key, a partition at a time: a Map of values. */
  protected mergeBuffer(): MergeBuffer<V> {
    const map = new Map<string, V>();
    const merge = this.merge;
    return {
      // Its object (as estimatedBytes counts one) and a Map entry.
      bytesPerKey: BYTES_PER_CHAR * (this.spilledRows > 0 ? this.spilledBytes / this.spilledRows : 64) + ENTRY_OVERHEAD,
      add(key, value) {
        const have = map.get(key);
        map.set(key, have === undefined ? value : merge(have, value));
      },
      *drain() {
        yield* map;
        map.clear();
      },
    };
  }

  private newFilters(t: number): KeyFilter[] {
    const filters = [new KeyFilter(FIRST_FILTER)];
    this.spilledKeys.set(t, filters);
    return filters;
  }

  /** Memory keys of time `t` that may also be spilled; undefined when unknown (restored rows). */
  private memoryAndSpilled(t: number): Set<string> | undefined {
    const filters = this.spilledKeys.get(t);
    if (filters === undefined) return undefined;
    const out = new Set<string>();
    for (const k of this.memoryKeys(t)) if (filters.some((f) => f.mightContain(k))) out.add(k);
    return out;
  }

  /** The keys held in memory under time `t` (a columnar table lists them without building values). */
  protected *memoryKeys(t: number): Generator<string> {
    const mem = this.keysAt(t);
    if (mem !== undefined) for (const [k] of mem) yield k;
  }

  /**
   * Stages the entries in memory into checkpoint `id`'s typed copies of the spill tables
   * (SpillStore.stageInto), leaving them there; values of no shape go as JSON in `value`, as a
   * spill writes them. Returns the rows and their encoded characters.
   */
  async stageMemory(store: SpillStore, id: number): Promise<{ rows: number; bytes: number }> {
    const into = await store.stageInto(id);
    const shapes = (this.shapes ??= new ShapeCache(store.shapes));
    return store.transaction(async () => {
      const writer = await SpillWriter.open(store.conn, store.tableId(this.id), shapes, this.plainWidth(), into);
      try {
        return this.stageInto(writer, shapes);
      } finally {
        writer.close();
      }
    });
  }

  /** Every entry in memory into `writer`, left in memory. */
  protected stageInto(writer: SpillWriter, _shapes: ShapeCache): { rows: number; bytes: number } {
    let rows = 0;
    let bytes = 0;
    for (const t of [...this.timesAscending()]) {
      const at = this.keysAt(t);
      if (at === undefined) continue;
      for (const [k, v] of at) {
        bytes += writer.add(t, k, v);
        rows++;
      }
    }
    return { rows, bytes };
  }

  /** Spilled entries as checkpoint chunks ([time, key, value] JSON arrays), read chunk by chunk. */
  async spilledChunks(store: SpillStore): Promise<string[]> {
    if (this.spilledRows === 0) return [];
    const width = this.shapes?.width ?? 0;
    const result = await store.conn.stream(`SELECT time, ${spillColumns(width)} FROM ${SPILL_ROWS} WHERE tbl = $1::INTEGER`, [store.tableId(this.id)]);
    const chunks: string[] = [];
    await readSpilled(result, { rows: this.spilledRows, what: `the spilled rows of table ${this.id} for a checkpoint` }, (fetched) => {
      const times = fetched.getColumnValues(0) as number[];
      const chunk = new SpilledChunk(fetched, store.shapes, width, 1);
      const parts: string[] = new Array<string>(chunk.count);
      for (let i = 0; i < chunk.count; i++) {
        const k = chunk.key(i);
        parts[i] = encodeState([times[i], k, chunk.value(i, k)]);
      }
      chunks.push(`[${parts.join(',')}]`);
    });
    return chunks;
  }

  /** After the spill table was filled from a checkpoint (restoreFrom): count this table's rows. */
  async recount(store: SpillStore): Promise<void> {
    const rows = (await store.conn.runAndReadAll(`SELECT time, count(*), sum(length(${KEY_SQL}) + coalesce(length(value), 0)) FROM ${SPILL_ROWS} WHERE tbl = $1::INTEGER GROUP BY time`, [store.tableId(this.id)])).getRowsJS();
    this.spilledTimes.clear();
    this.spilledKeys.clear();
    this.spilledRows = 0;
    this.spilledBytes = 0;
    for (const r of rows) {
      const n = Number(r[1]);
      const bytes = Number(r[2]);
      // Restored rows are JSON text: they merge in JS.
      this.spilledTimes.set(Number(r[0]), { rows: n, bytes, shape: -1, merge: null, numberKeys: false });
      this.spilledRows += n;
      this.spilledBytes += bytes;
    }
  }

  /** A restored snapshot may hold a memory and a spilled partial of one (time, key): merge them. */
  override restore(chunks: readonly string[]): void {
    super.restore([]);
    for (const c of chunks) {
      for (const [t, k, v] of decodeState<Array<[number, string, V]>>(c)) {
        const have = this.get(t, k);
        this.set(t, k, have === undefined ? v : this.merge(v, have));
      }
    }
  }
}

/** Adds a spilled key to a time's filters, starting a filter twice as large when the last is full. */
function addKey(filters: KeyFilter[], key: string): void {
  let f = filters[filters.length - 1]!;
  if (f.added >= f.capacity) {
    f = new KeyFilter(2 * filters.reduce((n, g) => n + g.added, 0));
    filters.push(f);
  }
  f.add(key);
}
