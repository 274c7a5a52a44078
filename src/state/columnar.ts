// A time-keyed table of fixed-width values (the accumulators of a window aggregate whose
// aggregates all have a columnar form, expr/aggregates/columnar.ts): per time, one segment of
// packed float64 rows and a key index (state/columnar-segment.ts), so an open group costs tens of
// bytes and no object. The operator finds a slot and updates its fields in place; the table's
// other methods (spill, close in chunks, checkpoint, restore) see each entry as the operator's
// object value, built on demand by the layout, so spilled rows and checkpoints are the same as
// those of the object table and the DuckDB tier (state/spill.ts) needs nothing of its own.

import type { Value } from '../catalog/types.js';
import type { SqlMerge } from '../expr/aggregates/columnar.js';
import { NumericSegment, StringSegment, numberKey, type Segment } from './columnar-segment.js';
import { SpillableTimeKeyedTable, type MergeBuffer, type SpillSink } from './spill.js';
import type { SpilledChunk, SpillWriter } from './spill-rows.js';
import { NUM_COLUMNS, type Shape, type ShapeCache } from './shape-codec.js';
import { chunked, type TableSnapshot } from './tables.js';

/** How the operator's value maps to a slot's fields. */
export interface ColumnarLayout<V> {
  /** Float64 fields per entry. */
  readonly width: number;
  /** Key columns; `numericKey`: one numeric column, encoded as compileKey does (String(n), '' for NULL). */
  readonly keyColumns: number;
  readonly numericKey: boolean;
  /** Fresh accumulator fields. */
  init(d: Float64Array, at: number): void;
  toValue(keyValues: Value[], d: Float64Array, at: number): V;
  fromValue(v: V, d: Float64Array, at: number): void;
  keyValues(v: V): readonly Value[];
  /**
   * The DuckDB aggregate merging each number that the spill tier's shape codec finds in `v`
   * (shape-codec.ts, in its walk order), or undefined when partials like `v` merge in JS only.
   */
  mergeSql(v: V): readonly SqlMerge[] | undefined;
  /**
   * With a numeric key: a value's numbers, in the order the shape codec walks them, are the key
   * value then the fields, whenever the key is not NULL. Spilling then writes the numbers
   * straight from the segment (checked against the codec on one value per chunk).
   */
  readonly plain?: boolean;
}

/** One row of numeric columns, where rawShape has the codec write a sample. */
const SCRATCH = Array.from({ length: NUM_COLUMNS }, () => new Float64Array(1));

/**
 * WARNING: get() and the entry lists return values built from the fields: changing one does
 * not change the table (set() does). The operator writes through segment() and its slots.
 */
export class ColumnarTimeKeyedTable<V> extends SpillableTimeKeyedTable<V> {
  private readonly segs = new Map<number, Segment>();
  /** Shapes checked as key value then fields (rawShape), whose n0 is the key. */
  private readonly plainShapes = new Set<number>();
  private order: number[] = [];
  private inOrder = true;

  constructor(
    id: string,
    merge: (a: V, b: V) => V,
    readonly layout: ColumnarLayout<V>,
  ) {
    super(id, merge);
  }

  /** The segment of `time`, made when absent (the operator's hot path). */
  segment(time: number): Segment {
    let seg = this.segs.get(time);
    if (seg === undefined) {
      seg = this.newSegment();
      this.segs.set(time, seg);
      const last = this.order[this.order.length - 1];
      if (last !== undefined && time < last) this.inOrder = false;
      this.order.push(time);
    }
    return seg;
  }

  private value(seg: Segment, slot: number): V {
    return this.layout.toValue(seg.keyValuesOf(slot), seg.data, slot * seg.width);
  }

  private dropIfEmpty(time: number, seg: Segment): void {
    if (seg.live > 0) {
      seg.maybeCompact();
      return;
    }
    this.segs.delete(time);
    this.order = this.order.filter((t) => t !== time);
    seg.release();
  }

  override get(time: number, key: string): V | undefined {
    const seg = this.segs.get(time);
    const s = seg === undefined ? -1 : seg.find(key);
    return s < 0 ? undefined : this.value(seg!, s);
  }

  override set(time: number, key: string, value: V): void {
    const seg = this.segment(time);
    let s = seg.find(key);
    if (s < 0) s = seg.insert(key, this.layout.keyValues(value));
    this.layout.fromValue(value, seg.data, s * seg.width);
  }

  override delete(time: number, key: string): void {
    const seg = this.segs.get(time);
    const s = seg === undefined ? -1 : seg.find(key);
    if (s < 0) return;
    seg!.kill(s);
    this.dropIfEmpty(time, seg!);
  }

  override take(time: number, key: string): V | undefined {
    const seg = this.segs.get(time);
    const s = seg === undefined ? -1 : seg.find(key);
    if (s < 0) return undefined;
    const v = this.value(seg!, s);
    seg!.kill(s);
    this.dropIfEmpty(time, seg!);
    return v;
  }

  override keysAt(time: number): IterableIterator<[string, V]> | undefined {
    const seg = this.segs.get(time);
    if (seg === undefined) return undefined;
    const self = this;
    return (function* (): Generator<[string, V]> {
      for (let s = seg.head; s < seg.n; s++) if (seg.dead[s] === 0) yield [seg.keyOf(s), self.value(seg, s)];
    })();
  }

  /**
   * Spills a plain layout's entries from the fields (no value object, no codec walk): the
   * DuckDB rows are the same as the codec writes, which one sample per call checks; NULL keys,
   * and layouts the sample disagrees with, take the generic path.
   */
  protected override spillSome(t: number, max: number, sink: SpillSink): number {
    const seg = this.segs.get(t);
    if (seg === undefined) return 0;
    if (this.layout.plain !== true || !(seg instanceof NumericSegment)) return super.spillSome(t, max, sink);
    const raw = this.rawShape(seg, sink.shapes);
    if (raw === undefined) return super.spillSome(t, max, sink);
    const { shape, sample } = raw;
    const w = seg.width;
    const whole = max >= seg.live;
    let n = 0;
    for (let s = seg.head; s < seg.n && n < max; s++) {
      if (seg.dead[s] === 1) continue;
      const k = seg.keyNumberOf(s);
      if (k === null) this.spillEntry(t, '', this.value(seg, s), sink);
      // A safe integer is written as its number only (KEY_SQL); -0 keeps its text ("0"), as
      // DuckDB may group -0.0 apart from 0.0.
      else if (Number.isSafeInteger(k) && !Object.is(k, -0)) this.spillRaw(t, null, k, shape, seg.data, s * w, sample, sink);
      else this.spillRaw(t, seg.keyOf(s), k, shape, seg.data, s * w, sample, sink);
      if (!whole) seg.kill(s);
      n++;
    }
    if (whole) seg.live = 0;
    this.dropIfEmpty(t, seg);
    return n;
  }

  /**
   * Stages a plain layout's entries from the fields, as spillSome writes them (no value object,
   * no codec walk), leaving them in memory; other segments take the generic path.
   */
  protected override stageInto(writer: SpillWriter, shapes: ShapeCache): { rows: number; bytes: number } {
    if (this.layout.plain !== true) return super.stageInto(writer, shapes);
    let rows = 0;
    let bytes = 0;
    for (const t of [...this.timesAscending()]) {
      const seg = this.segs.get(t);
      if (seg === undefined) continue;
      const raw = seg instanceof NumericSegment ? this.rawShape(seg, shapes) : undefined;
      const w = seg.width;
      for (let s = seg.head; s < seg.n; s++) {
        if (seg.dead[s] === 1) continue;
        const k = raw === undefined ? null : (seg as NumericSegment).keyNumberOf(s);
        if (raw === undefined || k === null) bytes += writer.add(t, seg.keyOf(s), this.value(seg, s));
        // As spillSome: a safe integer other than -0 as its number only.
        else bytes += writer.addRaw(t, Number.isSafeInteger(k) && !Object.is(k, -0) ? null : seg.keyOf(s), k, raw.shape, seg.data, s * w);
        rows++;
      }
    }
    return { rows, bytes };
  }

  /**
   * A plain shape's merged rows carry the key value in n0 (any_value of one key's n0, all equal):
   * the memory partial is found in the numeric index, with no key string hashed and no Set of
   * the memory keys built (the Set's lookups were ~8% of a 64 MB bench:state run).
   */
  protected override closePartner(t: number, shape: number): (key: string, chunk: SpilledChunk, i: number) => V | undefined {
    if (!this.plainShapes.has(shape)) return super.closePartner(t, shape);
    return (_k, chunk, i) => {
      const seg = this.segs.get(t);
      if (seg === undefined) return undefined;
      const s = (seg as NumericSegment).findNumber(chunk.num(0, i));
      if (s < 0) return undefined;
      const v = this.value(seg, s);
      seg.kill(s);
      this.dropIfEmpty(t, seg);
      return v;
    };
  }

  /** A plain shape's key is numberKey(n0), as NumericSegment.keyOf encodes it (-0 as 0). */
  protected override closeKeyOf(shape: number): ((chunk: SpilledChunk, i: number) => string) | undefined {
    return this.plainShapes.has(shape) ? (chunk, i) => numberKey(chunk.num(0, i)) : undefined;
  }

  /** The shape of the segment's first non-NULL entry, when the codec writes it as key then fields. */
  private rawShape(seg: NumericSegment, shapes: ShapeCache): { shape: Shape; sample: V } | undefined {
    const w = seg.width;
    if (w + 1 > NUM_COLUMNS) return undefined;
    for (let s = seg.head; s < seg.n; s++) {
      if (seg.dead[s] === 1) continue;
      const k = seg.keyNumberOf(s);
      if (k === null) continue;
      const sample = this.value(seg, s);
      const shape = shapes.encode(sample, seg.keyOf(s), SCRATCH, 0);
      if (shape === undefined || shape.width !== w + 1 || !Object.is(SCRATCH[0]![0], k)) return undefined;
      for (let c = 0; c < w; c++) if (!Object.is(SCRATCH[c + 1]![0], seg.data[s * w + c])) return undefined;
      this.plainShapes.add(shape.id);
      return { shape, sample };
    }
    return undefined;
  }

  protected override plainWidth(): number | undefined {
    return this.layout.plain === true && this.layout.numericKey && this.layout.width + 1 <= NUM_COLUMNS ? this.layout.width + 1 : undefined;
  }

  protected override mergeSql(value: V): readonly SqlMerge[] | undefined {
    return this.layout.mergeSql(value);
  }

  /** Merges a closing time's spilled partials in a segment too: tens of bytes per key, not an object. */
  protected override mergeBuffer(): MergeBuffer<V> {
    const layout = this.layout;
    const merge = this.merge;
    const self = this;
    let seg = this.newSegment();
    // A slot's fields, dead flag and key (a double and two index entries, or a Map entry and
    // the key's values), twice over for the room a growing segment keeps.
    const perSlot = 8 * layout.width + 1 + (layout.numericKey ? 16 : 96 + 8 * layout.keyColumns);
    return {
      bytesPerKey: perSlot * 2,
      add(key, value) {
        let s = seg.find(key);
        if (s < 0) {
          s = seg.insert(key, layout.keyValues(value));
          layout.fromValue(value, seg.data, s * seg.width);
          return;
        }
        const at = s * seg.width;
        layout.fromValue(merge(layout.toValue(seg.keyValuesOf(s), seg.data, at), value), seg.data, at);
      },
      *drain() {
        const full = seg;
        seg = self.newSegment();
        for (let s = full.head; s < full.n; s++) if (full.dead[s] === 0) yield [full.keyOf(s), layout.toValue(full.keyValuesOf(s), full.data, s * full.width)];
      },
    };
  }

  private newSegment(): Segment {
    return this.layout.numericKey ? new NumericSegment(this.layout.width) : new StringSegment(this.layout.width, this.layout.keyColumns);
  }

  protected override *memoryKeys(time: number): Generator<string> {
    const seg = this.segs.get(time);
    if (seg !== undefined) for (let s = seg.head; s < seg.n; s++) if (seg.dead[s] === 0) yield seg.keyOf(s);
  }

  override timesAscending(): readonly number[] {
    if (!this.inOrder) {
      this.order.sort((a, b) => a - b);
      this.inOrder = true;
    }
    return this.order;
  }

  override minTime(): number | undefined {
    return this.timesAscending()[0];
  }

  override takeSome(time: number, max: number): Array<{ key: string; value: V }> {
    const seg = this.segs.get(time);
    if (seg === undefined) return [];
    const out: Array<{ key: string; value: V }> = [];
    const whole = max >= seg.live;
    for (let s = seg.head; s < seg.n && out.length < max; s++) {
      if (seg.dead[s] === 1) continue;
      out.push({ key: seg.keyOf(s), value: this.value(seg, s) });
      if (!whole) seg.kill(s);
    }
    if (whole) seg.live = 0;
    this.dropIfEmpty(time, seg);
    return out;
  }

  /** takeSome's values without their keys (closing a window needs no encoded key). */
  takeValues(time: number, max: number): V[] {
    const seg = this.segs.get(time);
    if (seg === undefined) return [];
    const out: V[] = [];
    const whole = max >= seg.live;
    for (let s = seg.head; s < seg.n && out.length < max; s++) {
      if (seg.dead[s] === 1) continue;
      out.push(this.value(seg, s));
      if (!whole) seg.kill(s);
    }
    if (whole) seg.live = 0;
    this.dropIfEmpty(time, seg);
    return out;
  }

  override peek(time: number, n: number): Array<{ key: string; value: V }> {
    const seg = this.segs.get(time);
    const out: Array<{ key: string; value: V }> = [];
    if (seg === undefined) return out;
    for (let s = seg.head; s < seg.n && out.length < n; s++) if (seg.dead[s] === 0) out.push({ key: seg.keyOf(s), value: this.value(seg, s) });
    return out;
  }

  override drainThrough(upTo: number): Array<{ time: number; key: string; value: V }> {
    const out: Array<{ time: number; key: string; value: V }> = [];
    for (const t of [...this.timesAscending()]) {
      if (t > upTo) break;
      for (const { key, value } of this.takeSome(t, Number.POSITIVE_INFINITY)) out.push({ time: t, key, value });
    }
    return out;
  }

  override keysThrough(upTo: number): string[] {
    const out: string[] = [];
    for (const t of this.timesAscending()) {
      if (t > upTo) break;
      const seg = this.segs.get(t)!;
      for (let s = seg.head; s < seg.n; s++) if (seg.dead[s] === 0) out.push(seg.keyOf(s));
    }
    return out;
  }

  override get timeCount(): number {
    return this.segs.size;
  }

  override get size(): number {
    let n = 0;
    for (const seg of this.segs.values()) n += seg.live;
    return n;
  }

  /** Bytes held, counted from the arrays (no sampling). */
  override estimatedBytes(): number {
    let bytes = 0;
    for (const seg of this.segs.values()) bytes += seg.bytes();
    const n = this.size;
    this.entryBytes = n === 0 ? 0 : bytes / n;
    return bytes;
  }

  /**
   * Bytes held at the worst during the next batch if it brings as many new keys as came in since
   * the last call (the runner calls it once per batch): a segment that fills up doubles, holding
   * its old arrays and the new ones at once. Spilling on this keeps a full segment from doubling
   * past the budget (bench:state's open shape at 64 MB: 16 MB of segment became 33 MB, plus the
   * 16 MB being copied, each time the live state reached the budget).
   */
  override peakBytes(): number {
    let bytes = 0;
    for (const seg of this.segs.values()) bytes += seg.bytesTaking(seg.takeInserted());
    return bytes;
  }

  override snapshot(): TableSnapshot {
    const self = this;
    return chunked(
      (function* (): Generator<[number, string, V]> {
        for (const t of self.timesAscending()) {
          const seg = self.segs.get(t)!;
          for (let s = seg.head; s < seg.n; s++) if (seg.dead[s] === 0) yield [t, seg.keyOf(s), self.value(seg, s)];
        }
      })(),
    );
  }

  override restore(chunks: readonly string[]): void {
    for (const seg of this.segs.values()) seg.release();
    this.segs.clear();
    this.order = [];
    this.inOrder = true;
    super.restore(chunks);
  }
}
