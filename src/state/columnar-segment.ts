// The entries of one time of a columnar table (state/columnar.ts): fixed-width float64 rows
// packed in one array, slot after slot in insertion order, found through a key index. Removed
// slots are marked dead and squeezed out once they are half of the segment, so taking the
// coldest entries (spilling, closing in chunks) costs no per-entry work beyond the copy.

import type { Value } from '../catalog/types.js';

const FIRST_CAPACITY = 16;

/**
 * Frees a typed array's memory now: its buffer is detached (ArrayBuffer.prototype.transfer(0)),
 * where dropping the last reference would free it only at the next full collection (a segment's
 * arrays are long-lived, so a scavenge never sees them). bench:state's open shape at 64 MB held
 * 15-30 MB of replaced and dropped segment arrays at times. The array must not be used after.
 */
export function freeNow(array: { readonly buffer: ArrayBufferLike }): void {
  const buffer = array.buffer as ArrayBufferLike & { transfer?: (length: number) => ArrayBuffer; readonly detached?: boolean };
  if (typeof buffer.transfer === 'function' && !buffer.detached) buffer.transfer(0);
}

export abstract class Segment {
  /** Slots used, dead ones included. */
  n = 0;
  /** Live slots. */
  live = 0;
  /** Every slot before it is dead. */
  head = 0;
  cap = FIRST_CAPACITY;
  /** Slots taken since the last takeInserted(). */
  private inserted = 0;
  data: Float64Array;
  dead: Uint8Array;

  constructor(readonly width: number) {
    this.data = new Float64Array(this.cap * width);
    this.dead = new Uint8Array(this.cap);
  }

  /** The encoded key of a slot (as compileKey encodes it). */
  abstract keyOf(slot: number): string;
  abstract keyValuesOf(slot: number): Value[];
  /** The live slot of an encoded key, or -1. */
  abstract find(key: string): number;
  /** A new slot for an encoded key known to be absent; its fields are left for the caller. */
  abstract insert(key: string, keyValues: readonly Value[]): number;
  /** Drops a slot's key from the index. */
  protected abstract unindex(slot: number): void;
  /** Moves a live slot's key from `from` to `to` (to < from; compaction). */
  protected abstract moveKey(from: number, to: number): void;
  /** Key storage for `cap` slots; the index rebuilt over the live slots (always after a compaction). */
  protected abstract resizeKeys(cap: number, compacted: boolean): void;

  /** Heap and ArrayBuffer bytes held. */
  bytes(): number {
    return this.data.byteLength + this.dead.byteLength + this.keyBytes();
  }
  protected abstract keyBytes(): number;

  /** Slots taken since the last call. */
  takeInserted(): number {
    const n = this.inserted;
    this.inserted = 0;
    return n;
  }

  /**
   * Bytes held at the worst while `more` new slots come in: a segment that must grow holds its
   * arrays and the doubled ones at once while it copies (three times what it holds), unless
   * enough of it is dead that it compacts instead.
   */
  bytesTaking(more: number): number {
    const bytes = this.bytes();
    return this.n + more <= this.cap || this.live * 2 <= this.n ? bytes : 3 * bytes;
  }

  /** Removes a live slot. */
  kill(slot: number): void {
    this.dead[slot] = 1;
    this.live--;
    this.unindex(slot);
    while (this.head < this.n && this.dead[this.head] === 1) this.head++;
  }

  /** Room for one more slot at `n` (compacting, or growing, first). */
  protected reserve(): number {
    this.inserted++;
    if (this.n === this.cap) {
      if (this.live * 2 <= this.n) this.compact();
      else this.resize(this.cap * 2);
    }
    return this.n++;
  }

  /** After many removals: squeezes out dead slots, and gives memory back when much is free. */
  maybeCompact(): void {
    if (this.n - this.live >= Math.max(FIRST_CAPACITY, this.live)) this.compact();
  }

  private compact(): void {
    const w = this.width;
    const data = this.data;
    let to = 0;
    for (let from = this.head; from < this.n; from++) {
      if (this.dead[from] === 1) continue;
      if (from !== to) {
        data.copyWithin(to * w, from * w, from * w + w);
        this.moveKey(from, to);
      }
      to++;
    }
    this.dead.fill(0, 0, this.n);
    this.n = to;
    this.head = 0;
    // A quarter to spare: spilling half a segment then gives half its memory back.
    let cap = FIRST_CAPACITY;
    while (cap < to + (to >> 2)) cap *= 2;
    this.resize(Math.min(this.cap, cap), true);
  }

  private resize(cap: number, compacted = false): void {
    if (cap !== this.cap) {
      const data = new Float64Array(cap * this.width);
      data.set(this.data.subarray(0, this.n * this.width));
      freeNow(this.data);
      this.data = data;
      const dead = new Uint8Array(cap);
      dead.set(this.dead.subarray(0, this.n));
      freeNow(this.dead);
      this.dead = dead;
      this.cap = cap;
    }
    this.resizeKeys(cap, compacted);
  }

  /** Frees the segment's arrays now (freeNow): it is dropped and must not be used after. */
  release(): void {
    freeNow(this.data);
    freeNow(this.dead);
    this.releaseKeys();
  }

  /** Frees the key storage's typed arrays, if any (release). */
  protected releaseKeys(): void {}
}

const scratch = new Float64Array(1);
const halves = new Int32Array(scratch.buffer);

/**
 * One numeric key (INT, BIGINT, DOUBLE, TIMESTAMP, INTERVAL) or NULL: keys in a Float64Array and
 * an open-addressing index (linear probing, at most half full) of slot + 1, so an entry costs a
 * few dozen bytes and a lookup no string. SQL equality: 0 meets -0, NaN meets NaN.
 */
export class NumericSegment extends Segment {
  private keys: Float64Array;
  private index: Int32Array;
  private mask: number;
  private nullSlot = -1;

  constructor(width: number) {
    super(width);
    this.keys = new Float64Array(this.cap);
    this.index = new Int32Array(this.cap * 2);
    this.mask = this.cap * 2 - 1;
  }

  /** The slot of key `k`, inserted (fields left to `init`) when absent; `isNew` tells which. */
  slotOf(k: number | null): number {
    if (k === null) {
      if (this.nullSlot >= 0) return this.nullSlot;
      this.isNew = true;
      const s = this.reserve();
      this.nullSlot = s;
      this.keys[s] = 0;
      this.live++;
      return s;
    }
    const keys = this.keys;
    const index = this.index;
    const mask = this.mask;
    let h = hash(k) & mask;
    for (;;) {
      const e = index[h]!;
      if (e === 0) break;
      const s = e - 1;
      const have = keys[s]!;
      if ((have === k || (k !== k && have !== have)) && s !== this.nullSlot && this.dead[s] === 0) return s;
      h = (h + 1) & mask;
    }
    this.isNew = true;
    const s = this.reserve();
    // reserve() may have rebuilt the index: probe again for a free position.
    this.keys[s] = k;
    this.place(s, k);
    this.live++;
    return s;
  }

  /** Set by slotOf when it inserted. */
  isNew = false;

  private place(s: number, k: number): void {
    const index = this.index;
    const mask = this.mask;
    let h = hash(k) & mask;
    while (index[h] !== 0) h = (h + 1) & mask;
    index[h] = s + 1;
  }

  keyOf(slot: number): string {
    return slot === this.nullSlot ? '' : numberKey(this.keys[slot]!);
  }

  keyValuesOf(slot: number): Value[] {
    return [slot === this.nullSlot ? null : this.keys[slot]!];
  }

  /** The key value of a slot, as keyValuesOf's only element, without the array. */
  keyNumberOf(slot: number): number | null {
    return slot === this.nullSlot ? null : this.keys[slot]!;
  }

  find(key: string): number {
    return key === '' ? this.nullSlot : this.findNumber(Number(key));
  }

  /** The live slot of a non-NULL key value, or -1. */
  findNumber(k: number): number {
    const keys = this.keys;
    let h = hash(k) & this.mask;
    for (;;) {
      const e = this.index[h]!;
      if (e === 0) return -1;
      const s = e - 1;
      const have = keys[s]!;
      if ((have === k || (k !== k && have !== have)) && s !== this.nullSlot && this.dead[s] === 0) return s;
      h = (h + 1) & this.mask;
    }
  }

  insert(key: string, keyValues: readonly Value[]): number {
    // The key value itself, not the encoded key: -0 is encoded as 0 but kept as -0.
    const v = keyValues[0];
    const s = this.slotOf(typeof v === 'number' ? v : key === '' ? null : Number(key));
    this.isNew = false;
    return s;
  }

  protected unindex(slot: number): void {
    // The index keeps the dead slot (lookups skip it) until the next rebuild.
    if (slot === this.nullSlot) this.nullSlot = -1;
  }

  protected moveKey(from: number, to: number): void {
    this.keys[to] = this.keys[from]!;
    if (this.nullSlot === from) this.nullSlot = to;
  }

  protected resizeKeys(cap: number): void {
    if (this.keys.length !== cap) {
      const keys = new Float64Array(cap);
      keys.set(this.keys.subarray(0, this.n));
      freeNow(this.keys);
      this.keys = keys;
    }
    freeNow(this.index);
    this.index = new Int32Array(cap * 2);
    this.mask = cap * 2 - 1;
    for (let s = this.head; s < this.n; s++) if (this.dead[s] === 0 && s !== this.nullSlot) this.place(s, this.keys[s]!);
  }

  protected keyBytes(): number {
    return this.keys.byteLength + this.index.byteLength;
  }

  protected override releaseKeys(): void {
    freeNow(this.keys);
    freeNow(this.index);
  }
}

/**
 * String(k), faster for integers past the small ones (ids, timestamps): V8 formats those as
 * doubles (bench:state spent more time there than in the lookups); two parts below 10^8 take
 * its integer path. Equal to String(k) for every double.
 */
export function numberKey(k: number): string {
  if (k > 99_999_999 && k <= Number.MAX_SAFE_INTEGER && Number.isInteger(k)) {
    const hi = Math.floor(k / 1e8);
    const lo = k - hi * 1e8;
    return `${hi}${LO_PAD.slice(0, 8 - digits(lo))}${lo}`;
  }
  return String(k);
}

const LO_PAD = '00000000';

function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** A double's bits mixed (murmur3's finalizer); every NaN and both zeros hash alike. */
function hash(k: number): number {
  scratch[0] = k === 0 ? 0 : k !== k ? Number.NaN : k;
  let h = halves[0]! ^ Math.imul(halves[1]!, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Any other key: a Map from the encoded key to its slot, and the key values column by column.
 * Removed keys stay in the Map (lookups skip dead slots) until a compaction builds a new one:
 * deleting them one by one, and moving each live key in the old Map, took most of bench:state's
 * minute shape time past its budget (a spill takes hundreds of thousands of keys at a time).
 */
export class StringSegment extends Segment {
  private map = new Map<string, number>();
  private keys: string[] = [];
  private readonly columns: Value[][];

  constructor(
    width: number,
    private readonly keyColumns: number,
  ) {
    super(width);
    this.columns = Array.from({ length: keyColumns }, () => []);
  }

  keyOf(slot: number): string {
    return this.keys[slot]!;
  }

  keyValuesOf(slot: number): Value[] {
    const out = new Array<Value>(this.keyColumns);
    for (let c = 0; c < this.keyColumns; c++) out[c] = this.columns[c]![slot]!;
    return out;
  }

  find(key: string): number {
    const s = this.map.get(key);
    return s === undefined || this.dead[s] === 1 ? -1 : s;
  }

  insert(key: string, keyValues: readonly Value[]): number {
    const s = this.reserve();
    this.map.set(key, s);
    this.keys[s] = key;
    for (let c = 0; c < this.keyColumns; c++) this.columns[c]![s] = keyValues[c]!;
    this.live++;
    return s;
  }

  protected unindex(): void {}

  protected moveKey(from: number, to: number): void {
    this.keys[to] = this.keys[from]!;
    for (let c = 0; c < this.keyColumns; c++) this.columns[c]![to] = this.columns[c]![from]!;
  }

  protected resizeKeys(_cap: number, compacted: boolean): void {
    if (!compacted) return;
    // Plain arrays grow by themselves; past `n` they only hold removed keys.
    if (this.keys.length > this.n) {
      this.keys.length = this.n;
      for (const col of this.columns) col.length = this.n;
    }
    // After a compaction every slot below n is live.
    const map = new Map<string, number>();
    for (let s = 0; s < this.n; s++) map.set(this.keys[s]!, s);
    this.map = map;
  }

  protected keyBytes(): number {
    // Per entry: the Map's entry and bucket, the key string, the slot's array elements.
    let chars = 0;
    const sample = Math.min(this.n - this.head, 16);
    for (let s = this.head; s < this.head + sample; s++) chars += this.keys[s]?.length ?? 0;
    const perKey = 56 + 8 * (1 + this.keyColumns) + (sample > 0 ? 16 + chars / sample : 0);
    // Removed keys still in the Map hold their strings until the next compaction.
    return Math.round(this.map.size * perKey);
  }
}
