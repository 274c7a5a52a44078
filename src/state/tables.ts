// The two state shapes every operator uses, declared by name in its physical node. Operators
// never see how a table is stored: the memory tier lives here, with the snapshot and restore
// that checkpoints use (state/checkpoint.ts); values are encoded by state/codec.ts.

import { decodeState, encodeState } from './codec.js';

/** Entries per checkpoint chunk: large enough that DuckDB statements stay few. */
const CHUNK_ENTRIES = 20_000;

/** A table's entries as encoded JSON chunks, for a checkpoint. */
export interface TableSnapshot {
  readonly rows: number;
  readonly chunks: string[];
}

/** Cuts encoded entries into chunks of at most CHUNK_ENTRIES. */
export function chunked<E>(entries: Iterable<E>): TableSnapshot {
  const chunks: string[] = [];
  let part: E[] = [];
  let rows = 0;
  for (const e of entries) {
    part.push(e);
    rows++;
    if (part.length >= CHUNK_ENTRIES) {
      chunks.push(encodeState(part));
      part = [];
    }
  }
  if (part.length > 0) chunks.push(encodeState(part));
  return { rows, chunks };
}

/** Keyed state: one value per key (group key, partition key). Keys are encoded strings. */
export interface KeyedTable<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  delete(key: string): void;
  readonly size: number;
  entries(): IterableIterator<[string, V]>;
}

/**
 * Time-keyed state: values under (time, key), expiring behind the watermark. `time` is an
 * integer micros value whose meaning the operator fixes (a window end, an event time).
 */
export interface TimeKeyedTable<V> {
  get(time: number, key: string): V | undefined;
  set(time: number, key: string, value: V): void;
  delete(time: number, key: string): void;
  /** All entries under one time, for window close. */
  keysAt(time: number): IterableIterator<[string, V]> | undefined;
  /** Smallest time held, or undefined when empty. */
  minTime(): number | undefined;
  /**
   * Remove and return, in ascending time order, every entry with time <= upTo.
   * Entries under one time come in insertion order.
   */
  drainThrough(upTo: number): Array<{ time: number; key: string; value: V }>;
  /** The keys of every entry with time <= upTo (what a watermark there will touch). */
  keysThrough(upTo: number): string[];
  /** Number of distinct times held (open windows). */
  readonly timeCount: number;
  /** Number of (time, key) entries. */
  readonly size: number;
}

export class MemoryKeyedTable<V> implements KeyedTable<V> {
  protected readonly map = new Map<string, V>();
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    this.map.set(key, value);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  get size(): number {
    return this.map.size;
  }
  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  /** Removes and returns up to `n` entries, oldest inserted (coldest) first. */
  takeColdest(n: number): Array<[string, V]> {
    const out: Array<[string, V]> = [];
    for (const e of this.map) {
      if (out.length >= n) break;
      out.push(e);
    }
    for (const [k] of out) this.map.delete(k);
    return out;
  }

  /** Up to `n` entries, left in place (memory sampling). */
  peek(n: number): Array<[string, V]> {
    const out: Array<[string, V]> = [];
    for (const e of this.map) {
      if (out.length >= n) break;
      out.push(e);
    }
    return out;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  snapshot(): TableSnapshot {
    return chunked(this.map.entries());
  }

  /** Replaces the contents with a snapshot's. */
  restore(chunks: readonly string[]): void {
    this.map.clear();
    for (const c of chunks) for (const [k, v] of decodeState<Array<[string, V]>>(c)) this.map.set(k, v);
  }
}

/**
 * The entries under one time: its one key (with its value beside it), until a second comes,
 * then a Map. Most times of an interval join's expiry index (a time per key) or a session's
 * timers hold one key, and a Map, or even an object, per time was most of their cost.
 */
type Keys<V> = string | Map<string, V>;

export class MemoryTimeKeyedTable<V> implements TimeKeyedTable<V> {
  /**
   * Two parallel arrays of numbers, ascending by time from `head` (times before it are
   * drained): the time and its slot in `keys` / `vals` (its key or keys, the value of a lone
   * key), slots reused through `free`. No Map by time and no object per entry: the join's index
   * entries live as long as their rows, so each object would be promoted and collected in the
   * old space; and a time inserted out of order moves only numbers. set() inserts a new time in
   * place, so a drain neither sorts nor copies. Operators that judge every record (an interval
   * join, LAG) drain once per watermark advance, that is once per record: each must cost
   * O(what it drains).
   */
  private times: number[] = [];
  private slots: number[] = [];
  private keys: Array<Keys<V> | undefined> = [];
  private vals: Array<V | undefined> = [];
  private free: number[] = [];
  private head = 0;
  private entryCount = 0;

  /** The index of `time`, or -1. Times come mostly ascending: the last one is checked first. */
  private find(time: number): number {
    const times = this.times;
    const n = times.length;
    if (n === this.head) return -1;
    if (times[n - 1] === time) return n - 1;
    const at = this.firstAtOrAfter(time);
    return at < n && times[at] === time ? at : -1;
  }

  private firstAtOrAfter(time: number): number {
    const times = this.times;
    let lo = this.head;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid]! < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(time: number, key: string): V | undefined {
    const i = this.find(time);
    if (i < 0) return undefined;
    const s = this.slots[i]!;
    const k = this.keys[s]!;
    if (typeof k === 'string') return k === key ? this.vals[s] : undefined;
    return k.get(key);
  }

  set(time: number, key: string, value: V): void {
    const times = this.times;
    const n = times.length;
    let i: number;
    if (n === this.head || time > times[n - 1]!) i = n;
    else if (times[n - 1] === time) i = n - 1;
    else i = this.firstAtOrAfter(time);
    if (i === n || times[i] !== time) {
      // Times come mostly ascending: the insertion point is near the end, the move short.
      const slot = this.free.pop() ?? this.keys.length;
      this.keys[slot] = key;
      this.vals[slot] = value;
      if (i === n) {
        times.push(time);
        this.slots.push(slot);
      } else {
        times.splice(i, 0, time);
        this.slots.splice(i, 0, slot);
      }
      this.entryCount++;
      return;
    }
    const s = this.slots[i]!;
    const k = this.keys[s]!;
    if (typeof k === 'string') {
      if (k === key) this.vals[s] = value;
      else {
        this.keys[s] = new Map([[k, this.vals[s]!], [key, value]]);
        this.vals[s] = undefined;
        this.entryCount++;
      }
      return;
    }
    if (!k.has(key)) this.entryCount++;
    k.set(key, value);
  }

  delete(time: number, key: string): void {
    const i = this.find(time);
    if (i < 0) return;
    const k = this.keys[this.slots[i]!]!;
    if (typeof k === 'string') {
      if (k !== key) return;
      this.entryCount--;
      this.removeAt(i);
    } else if (k.delete(key)) {
      this.entryCount--;
      if (k.size === 0) this.removeAt(i);
    }
  }

  keysAt(time: number): IterableIterator<[string, V]> | undefined {
    const i = this.find(time);
    if (i < 0) return undefined;
    const s = this.slots[i]!;
    const k = this.keys[s]!;
    if (typeof k === 'string') return [[k, this.vals[s]!] as [string, V]][Symbol.iterator]();
    return k.entries();
  }

  minTime(): number | undefined {
    return this.times[this.head];
  }

  drainThrough(upTo: number): Array<{ time: number; key: string; value: V }> {
    const out: Array<{ time: number; key: string; value: V }> = [];
    const { times, slots, keys, vals } = this;
    let i = this.head;
    for (; i < times.length; i++) {
      const t = times[i]!;
      if (t > upTo) break;
      const s = slots[i]!;
      const k = keys[s]!;
      if (typeof k === 'string') {
        out.push({ time: t, key: k, value: vals[s]! });
        this.entryCount--;
      } else {
        for (const [key, value] of k) out.push({ time: t, key, value });
        this.entryCount -= k.size;
      }
      this.release(s);
    }
    this.head = i;
    // Cut the drained prefix off once it is most of the array: amortised O(1) per time.
    if (i > 64 && i * 2 > times.length) this.compact();
    return out;
  }

  keysThrough(upTo: number): string[] {
    const out: string[] = [];
    for (let i = this.head; i < this.times.length; i++) {
      if (this.times[i]! > upTo) break;
      const k = this.keys[this.slots[i]!]!;
      if (typeof k === 'string') out.push(k);
      else for (const key of k.keys()) out.push(key);
    }
    return out;
  }

  get timeCount(): number {
    return this.times.length - this.head;
  }

  /** Times held, ascending (the spill tier moves the oldest out first). */
  timesAscending(): readonly number[] {
    this.compact();
    return this.times;
  }

  /** Removes and returns up to `max` entries under one time, oldest inserted (coldest) first. */
  takeSome(time: number, max: number): Array<{ key: string; value: V }> {
    const i = this.find(time);
    if (i < 0 || max <= 0) return [];
    const s = this.slots[i]!;
    const k = this.keys[s]!;
    const out: Array<{ key: string; value: V }> = [];
    if (typeof k === 'string' || max >= k.size) {
      // The whole time (spilling an old window, closing one): no per-key deletes.
      if (typeof k === 'string') out.push({ key: k, value: this.vals[s]! });
      else for (const [key, value] of k) out.push({ key, value });
      this.entryCount -= out.length;
      this.removeAt(i);
      return out;
    }
    for (const [key, value] of k) {
      if (out.length >= max) break;
      out.push({ key, value });
    }
    for (const e of out) k.delete(e.key);
    this.entryCount -= out.length;
    if (k.size === 0) this.removeAt(i);
    return out;
  }

  /** Removes and returns one entry. */
  take(time: number, key: string): V | undefined {
    const v = this.get(time, key);
    if (v !== undefined) this.delete(time, key);
    return v;
  }

  /** Up to `n` entries under one time, left in place (memory sampling). */
  peek(time: number, n: number): Array<{ key: string; value: V }> {
    const out: Array<{ key: string; value: V }> = [];
    const i = this.find(time);
    if (i < 0) return out;
    const s = this.slots[i]!;
    const k = this.keys[s]!;
    if (typeof k === 'string') {
      if (n > 0) out.push({ key: k, value: this.vals[s]! });
      return out;
    }
    for (const [key, value] of k) {
      if (out.length >= n) break;
      out.push({ key, value });
    }
    return out;
  }

  /** Entries as [time, key, value], ascending time, insertion order within a time. */
  snapshot(): TableSnapshot {
    this.compact();
    const { times, slots, keys, vals } = this;
    function* all(): Generator<[number, string, V]> {
      for (let i = 0; i < times.length; i++) {
        const s = slots[i]!;
        const k = keys[s]!;
        if (typeof k === 'string') yield [times[i]!, k, vals[s]!];
        else for (const [key, v] of k) yield [times[i]!, key, v];
      }
    }
    return chunked(all());
  }

  /** Replaces the contents with a snapshot's. */
  restore(chunks: readonly string[]): void {
    this.times = [];
    this.slots = [];
    this.keys = [];
    this.vals = [];
    this.free = [];
    this.head = 0;
    this.entryCount = 0;
    for (const c of chunks) for (const [t, k, v] of decodeState<Array<[number, string, V]>>(c)) this.set(t, k, v);
  }

  get size(): number {
    return this.entryCount;
  }

  /** Drops the drained prefix: `times` is then exactly the times held, ascending. */
  private compact(): void {
    if (this.head > 0) {
      this.times = this.times.slice(this.head);
      this.slots = this.slots.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Removes the time at index `i` into fresh arrays (as the spill tier may be walking the old
   * ones from timesAscending()); O(times), as deletes in the middle are rare (a spilled window).
   */
  private removeAt(i: number): void {
    const cut = <T>(a: T[]): T[] => {
      const b = a.slice(this.head);
      b.splice(i - this.head, 1);
      return b;
    };
    this.release(this.slots[i]!);
    this.times = cut(this.times);
    this.slots = cut(this.slots);
    this.head = 0;
  }

  /** A drained or removed time's slot, for reuse; it must not hold on to keys and values. */
  private release(slot: number): void {
    this.keys[slot] = undefined;
    this.vals[slot] = undefined;
    this.free.push(slot);
  }
}
