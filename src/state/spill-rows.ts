// The rows of the DuckDB spill table, shared by both spillable table shapes: the layout, a writer
// that appends whole DataChunks (typed arrays copied once per column, not a native call per
// value), and the reading of a fetched chunk. A value is either in the numeric columns under a
// learned shape (shape-codec.ts) or JSON text in `value` (shape -1). A row of a single numeric
// key that is a safe integer may leave `key` NULL: its key is then n0's integer (KEY_SQL), and no
// key string is made, copied into DuckDB, compressed or hashed. Such rows (a plain columnar
// window's, SpillWriter.addRaw) go to a narrow table of their width, `spill_p<width>` (tbl, time,
// shape and the numbers only): DuckDB's commits of the wide table's unused columns (two VARCHARs
// and the numbers past the shape's) took about half of its append time. SPILL_ROWS reads both.

import type { DuckDBAppender, DuckDBConnection, DuckDBDataChunk, DuckDBType, DuckDBVarCharVector } from '@duckdb/node-api';
import { duckdb } from './duckdb.js';
import { decodeState, encodeState } from './codec.js';
import { NUM_COLUMNS, type NumColumns, type Shape, type ShapeCache, type ShapeRegistry } from './shape-codec.js';
import { numberKey } from './columnar-segment.js';

const NUMS = Array.from({ length: NUM_COLUMNS }, (_, i) => `n${i}`);
/** The spill table, in the store's database (the checkpoint database when there is one). */
export const SPILL = 'spill';
/** The narrow table of rows keyed by number whose shape has `width` numbers. */
export function plainTable(width: number): string {
  return `spill_p${width}`;
}
const WIDTHS = Array.from({ length: NUM_COLUMNS }, (_, i) => i + 1);
/** Every spilled row, in the spill table's columns (a view over it and the narrow tables). */
export const SPILL_ROWS = 'spill_rows';
/** Each physical spill table with the select list that gives it SPILL_ROWS's columns. */
export const SPILL_TABLES: ReadonlyArray<{ readonly table: string; readonly columns: string }> = [
  { table: SPILL, columns: `tbl, time, key, value, shape, ${NUMS.join(', ')}` },
  ...WIDTHS.map((w) => ({ table: plainTable(w), columns: `tbl, time, NULL::VARCHAR AS key, NULL::VARCHAR AS value, shape, ${NUMS.map((n, i) => (i < w ? n : `NULL::DOUBLE AS ${n}`)).join(', ')}` })),
];
/** Statements (re)creating the spill tables, empty, and SPILL_ROWS. */
export const SPILL_DDL: readonly string[] = [
  `DROP VIEW IF EXISTS ${SPILL_ROWS}`,
  `DROP TABLE IF EXISTS ${SPILL}`,
  `CREATE TABLE ${SPILL} (tbl INTEGER, time DOUBLE, key VARCHAR, value VARCHAR, shape INTEGER, ${NUMS.map((n) => `${n} DOUBLE`).join(', ')})`,
  ...WIDTHS.flatMap((w) => [`DROP TABLE IF EXISTS ${plainTable(w)}`, `CREATE TABLE ${plainTable(w)} (tbl INTEGER, time DOUBLE, shape INTEGER, ${NUMS.slice(0, w).map((n) => `${n} DOUBLE`).join(', ')})`]),
  `CREATE VIEW ${SPILL_ROWS} AS ${SPILL_TABLES.map((t) => `SELECT ${t.columns} FROM ${t.table}`).join(' UNION ALL ')}`,
];
/**
 * A spill row's key as text: `key`, or for a row whose key is a number (NULL `key`, a safe
 * integer in n0) its digits, as numberKey writes them (SpillWriter.addRaw with a null key).
 */
export const KEY_SQL = 'coalesce(key, CAST(CAST(n0 AS BIGINT) AS VARCHAR))';
/** The spill table's column types (a function: DuckDB loads with the first store). */
function types(): DuckDBType[] {
  const { VARCHAR, DOUBLE, INTEGER } = duckdb();
  return [INTEGER, DOUBLE, VARCHAR, VARCHAR, INTEGER, ...NUMS.map(() => DOUBLE)];
}
/** DuckDB's vector size: rows per appended chunk. */
const ROWS = 2048;
/**
 * Chunks per appender flush: the appender's own buffer stays small. (Flushes of 32 chunks made a
 * micro-benchmark of 3.5M appended rows faster, ~3.4 s against ~5.2 s, but not bench:state.)
 */
const FLUSH_CHUNKS = 8;

/** The select list that SpilledChunk reads: key, shape, value and the first `width` numeric columns. */
export function spillColumns(width: number): string {
  return ['key', 'shape', 'value', ...NUMS.slice(0, width)].join(', ');
}

/** Appends one table's entries to the spill table, a chunk at a time. */
export class SpillWriter {
  private readonly times = new Float64Array(ROWS);
  private readonly keys: Array<string | null> = new Array<string | null>(ROWS);
  private readonly texts: Array<string | null> = new Array<string | null>(ROWS);
  private readonly shapes = new Int32Array(ROWS);
  /** The table's number in every row (SpillStore.tableId). */
  private readonly tbls: Int32Array;
  /** Rows of values that fit no shape hold stale numbers here; nothing reads them. */
  private readonly nums: NumColumns = NUMS.map(() => new Float64Array(ROWS));
  private row = 0;
  private chunks = 0;
  /**
   * One chunk, reset and refilled: a chunk's native memory is freed only when V8 collects its
   * small wrapper, so a chunk per 2,048 rows left hundreds of MB pending (bench:state peaked at
   * ~900 MB RSS instead of ~530).
   */
  private readonly chunk = duckdb().DuckDBDataChunk.create(types());

  private constructor(
    private readonly appender: DuckDBAppender,
    tbl: number,
    private readonly cache: ShapeCache,
    private readonly plain: PlainWriter | undefined,
  ) {
    this.tbls = new Int32Array(ROWS).fill(tbl);
  }

  /**
   * A writer of table number `tbl` (SpillStore.tableId); `plainWidth`: the width of the shape
   * whose rows addRaw may write keyed by number (into plainTable(plainWidth)); `into`: the
   * tables written instead of the spill tables (a checkpoint's copies of them, SpillStore.stageInto).
   */
  static async open(conn: DuckDBConnection, tbl: number, cache: ShapeCache, plainWidth?: number, into: (table: string) => string = (t) => t): Promise<SpillWriter> {
    const plain = plainWidth === undefined ? undefined : new PlainWriter(await conn.createAppender(into(plainTable(plainWidth))), tbl, plainWidth);
    return new SpillWriter(await conn.createAppender(into(SPILL)), tbl, cache, plain);
  }

  /** The shape id of the entry last added (-1: JSON text). */
  lastShape = -1;

  /** Adds one entry (time NaN: none, keyed state); returns its encoded size in characters. */
  add(time: number, key: string, value: unknown): number {
    const r = this.row;
    this.times[r] = time;
    this.keys[r] = key;
    const shape = this.cache.encode(value, key, this.nums, r);
    let chars: number;
    if (shape === undefined) {
      const text = encodeState(value);
      this.texts[r] = text;
      this.shapes[r] = -1;
      this.lastShape = -1;
      chars = text.length;
    } else {
      this.texts[r] = null;
      this.shapes[r] = shape.id;
      this.lastShape = shape.id;
      chars = shape.jsonChars;
    }
    if (++this.row === ROWS) this.flushChunk();
    return chars + key.length;
  }

  /**
   * Adds one entry of a shape whose numbers are `keyNumber` then `width - 1` fields from
   * `fields[from]` (checked by the caller on a sample: ColumnarTimeKeyedTable): no value object,
   * no walk. `key` null: the key is `keyNumber`, which must then be a safe integer other than -0
   * (see KEY_SQL), and is not written as text. Returns its encoded size in characters, as add does.
   */
  addRaw(time: number, key: string | null, keyNumber: number, shape: Shape, fields: Float64Array, from: number): number {
    this.lastShape = shape.id;
    if (key === null) {
      if (this.plain === undefined || this.plain.width !== shape.width) throw new Error(`no narrow spill table of width ${shape.width} open for rows keyed by number`);
      this.plain.add(time, keyNumber, shape.id, fields, from);
      return shape.jsonChars + digits(keyNumber);
    }
    const r = this.row;
    this.times[r] = time;
    this.keys[r] = key;
    this.texts[r] = null;
    this.shapes[r] = shape.id;
    this.lastShape = shape.id;
    const nums = this.nums;
    nums[0]![r] = keyNumber;
    for (let c = 1; c < shape.width; c++) nums[c]![r] = fields[from + c - 1]!;
    if (++this.row === ROWS) this.flushChunk();
    return shape.jsonChars + key.length;
  }

  /** Appends what is left and closes the appender. */
  close(): void {
    try {
      this.flushChunk();
      this.appender.flushSync();
      this.plain?.flush();
    } finally {
      this.appender.closeSync();
      this.plain?.close();
    }
  }

  private flushChunk(): void {
    const n = this.row;
    if (n === 0) return;
    const chunk = this.chunk;
    chunk.reset();
    chunk.rowCount = n;
    const time = chunk.getColumnVector(1);
    const key = chunk.getColumnVector(2) as DuckDBVarCharVector;
    const value = chunk.getColumnVector(3) as DuckDBVarCharVector;
    for (let i = 0; i < n; i++) {
      key.setItem(i, this.keys[i] ?? null);
      value.setItem(i, this.texts[i]!);
      const t = this.times[i]!;
      time.setItem(i, t === t ? t : null);
    }
    setNumbers(chunk, 0, this.tbls, n);
    time.flush();
    key.flush();
    value.flush();
    setNumbers(chunk, 4, this.shapes, n);
    for (let c = 0; c < NUM_COLUMNS; c++) setNumbers(chunk, 5 + c, this.nums[c]!, n);
    this.appender.appendDataChunk(chunk);
    this.row = 0;
    if (++this.chunks % FLUSH_CHUNKS === 0) this.appender.flushSync();
  }
}

/** Rows keyed by number of one shape width, into their narrow table (plainTable): tbl, time, shape, numbers. */
class PlainWriter {
  private readonly tbls: Int32Array;
  private readonly times = new Float64Array(ROWS);
  private readonly shapes = new Int32Array(ROWS);
  private readonly nums: Float64Array[];
  private readonly chunk: DuckDBDataChunk;
  private row = 0;
  private chunks = 0;

  constructor(
    private readonly appender: DuckDBAppender,
    tbl: number,
    readonly width: number,
  ) {
    const { DOUBLE, INTEGER } = duckdb();
    this.tbls = new Int32Array(ROWS).fill(tbl);
    this.nums = Array.from({ length: width }, () => new Float64Array(ROWS));
    this.chunk = duckdb().DuckDBDataChunk.create([INTEGER, DOUBLE, INTEGER, ...this.nums.map(() => DOUBLE)]);
  }

  add(time: number, keyNumber: number, shape: number, fields: Float64Array, from: number): void {
    const r = this.row;
    this.times[r] = time;
    this.shapes[r] = shape;
    const nums = this.nums;
    nums[0]![r] = keyNumber;
    for (let c = 1; c < this.width; c++) nums[c]![r] = fields[from + c - 1]!;
    if (++this.row === ROWS) this.flushChunk();
  }

  flush(): void {
    this.flushChunk();
    this.appender.flushSync();
  }

  close(): void {
    this.appender.closeSync();
  }

  private flushChunk(): void {
    const n = this.row;
    if (n === 0) return;
    const chunk = this.chunk;
    chunk.reset();
    chunk.rowCount = n;
    setNumbers(chunk, 0, this.tbls, n);
    setNumbers(chunk, 1, this.times, n);
    setNumbers(chunk, 2, this.shapes, n);
    for (let c = 0; c < this.width; c++) setNumbers(chunk, 3 + c, this.nums[c]!, n);
    this.appender.appendDataChunk(chunk);
    this.row = 0;
    if (++this.chunks % FLUSH_CHUNKS === 0) this.appender.flushSync();
  }
}

/** Characters of a safe integer's decimal text (numberKey's length), without making it. */
function digits(k: number): number {
  let n = k < 0 ? 2 : 1;
  for (let a = Math.abs(k); a >= 10; a = Math.floor(a / 10)) n++;
  return n;
}

/** Copies a typed column into a fixed-width vector of the chunk. */
function setNumbers(chunk: DuckDBDataChunk, column: number, values: Float64Array | Int32Array, n: number): void {
  const v = chunk.getColumnVector(column) as unknown as { items: Float64Array | Int32Array; flush(): void };
  v.items.set(values.subarray(0, n));
  v.flush();
}

/** A fetched chunk of `SELECT ${spillColumns(width)}`, starting at column `first`. */
export class SpilledChunk {
  readonly count: number;
  private readonly keyVec: DuckDBVarCharVector;
  private readonly valueVec: DuckDBVarCharVector;
  private readonly shapes: Int32Array;
  private readonly nums: Float64Array[] = [];

  constructor(
    // Held for as long as this object lives: the vectors below read the chunk's native memory,
    // which DuckDB frees when the chunk object is collected, and values are decoded lazily, after
    // awaits (a dropped chunk read back as garbage: "... is not valid JSON" in decodeState).
    private readonly chunk: DuckDBDataChunk,
    private readonly registry: ShapeRegistry,
    width: number,
    first = 0,
  ) {
    this.count = chunk.rowCount;
    this.keyVec = chunk.getColumnVector(first) as DuckDBVarCharVector;
    this.shapes = (chunk.getColumnVector(first + 1) as unknown as { items: Int32Array }).items;
    this.valueVec = chunk.getColumnVector(first + 2) as DuckDBVarCharVector;
    for (let c = 0; c < width; c++) this.nums.push((chunk.getColumnVector(first + 3 + c) as unknown as { items: Float64Array }).items);
  }

  /** Row `i`'s key: its text, or for a NULL key (a number key, see KEY_SQL) n0's digits. */
  key(i: number): string {
    return this.keyVec.getItem(i) ?? numberKey(this.nums[0]![i]!);
  }

  /** The value of row `i` (whose key is `key`), and its encoded size through `bytes`. */
  value<V>(i: number, key: string): V {
    const s = this.shapes[i]!;
    if (s < 0) {
      const text = this.valueVec.getItem(i)!;
      this.lastChars = text.length + key.length;
      return decodeState<V>(text);
    }
    const shape = this.registry.shapes[s]!;
    this.lastChars = shape.jsonChars + key.length;
    return shape.decode(key, this.nums, i) as V;
  }

  /** Numeric column `c` of row `i` (shape-encoded rows). */
  num(c: number, i: number): number {
    return this.nums[c]![i]!;
  }

  /** Encoded size of the value last read, key included (spilledBytes accounting). */
  lastChars = 0;
}
