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
 * The one entry under a time, until a second comes: most times of an interval join's expiry index
 * (a time per key) or a session's timers hold one key, and a Map per time was most of their cost.
 */
class One<V> {
  constructor(
    readonly key: string,
    public value: V,
  ) {}
}

/** The entries under one time. */
type Slot<V> = One<V> | Map<string, V>;

export class MemoryTimeKeyedTable<V> implements TimeKeyedTable<V> {
  private readonly byTime = new Map<number, Slot<V>>();
  /**
   * Ascending from `head` (times before it are drained): set() inserts a new time in place, so
   * a drain neither sorts nor copies. Operators that judge every record (an interval join, LAG)
   * drain once per watermark advance, that is once per record: each must cost O(what it drains).
   */
  private times: number[] = [];
  private head = 0;
  private entryCount = 0;

  get(time: number, key: string): V | undefined {
    const m = this.byTime.get(time);
    if (m instanceof One) return m.key === key ? m.value : undefined;
    return m?.get(key);
  }

  set(time: number, key: string, value: V): void {
    const m = this.byTime.get(time);
    if (m === undefined) {
      this.byTime.set(time, new One(key, value));
      this.entryCount++;
      const times = this.times;
      const last = times.length > this.head ? times[times.length - 1]! : Number.NEGATIVE_INFINITY;
      if (time > last) times.push(time);
      else {
        // Times come mostly ascending: the insertion point is near the end, the move short.
        let lo = this.head;
        let hi = times.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (times[mid]! < time) lo = mid + 1;
          else hi = mid;
        }
        times.splice(lo, 0, time);
      }
      return;
    }
    if (m instanceof One) {
      if (m.key === key) m.value = value;
      else {
        this.byTime.set(time, new Map([[m.key, m.value], [key, value]]));
        this.entryCount++;
      }
      return;
    }
    if (!m.has(key)) this.entryCount++;
    m.set(key, value);
  }

  delete(time: number, key: string): void {
    const m = this.byTime.get(time);
    if (m === undefined) return;
    if (m instanceof One) {
      if (m.key !== key) return;
      this.entryCount--;
    } else if (m.delete(key)) this.entryCount--;
    if (m instanceof One || m.size === 0) {
      this.byTime.delete(time);
      this.sort();
      this.times = this.times.filter((t) => t !== time);
    }
  }

  keysAt(time: number): IterableIterator<[string, V]> | undefined {
    const m = this.byTime.get(time);
    if (m instanceof One) return [[m.key, m.value] as [string, V]][Symbol.iterator]();
    return m?.entries();
  }

  minTime(): number | undefined {
    return this.times[this.head];
  }

  drainThrough(upTo: number): Array<{ time: number; key: string; value: V }> {
    const out: Array<{ time: number; key: string; value: V }> = [];
    let i = this.head;
    for (; i < this.times.length; i++) {
      const t = this.times[i]!;
      if (t > upTo) break;
      const m = this.byTime.get(t);
      if (m === undefined) continue;
      if (m instanceof One) {
        out.push({ time: t, key: m.key, value: m.value });
        this.entryCount--;
      } else {
        for (const [key, value] of m) out.push({ time: t, key, value });
        this.entryCount -= m.size;
      }
      this.byTime.delete(t);
    }
    this.head = i;
    // Cut the drained prefix off once it is most of the array: amortised O(1) per time.
    if (i > 64 && i * 2 > this.times.length) this.sort();
    return out;
  }

  keysThrough(upTo: number): string[] {
    const out: string[] = [];
    for (let i = this.head; i < this.times.length; i++) {
      const t = this.times[i]!;
      if (t > upTo) break;
      const m = this.byTime.get(t);
      if (m instanceof One) out.push(m.key);
      else if (m !== undefined) for (const k of m.keys()) out.push(k);
    }
    return out;
  }

  get timeCount(): number {
    return this.byTime.size;
  }

  /** Times held, ascending (the spill tier moves the oldest out first). */
  timesAscending(): readonly number[] {
    this.sort();
    return this.times;
  }

  /** Removes and returns up to `max` entries under one time, oldest inserted (coldest) first. */
  takeSome(time: number, max: number): Array<{ key: string; value: V }> {
    const m = this.byTime.get(time);
    if (m === undefined || max <= 0) return [];
    const out: Array<{ key: string; value: V }> = [];
    if (m instanceof One || max >= m.size) {
      // The whole time (spilling an old window, closing one): no per-key deletes.
      if (m instanceof One) out.push({ key: m.key, value: m.value });
      else for (const [key, value] of m) out.push({ key, value });
      this.entryCount -= out.length;
      this.byTime.delete(time);
      this.sort();
      this.times = this.times.filter((t) => t !== time);
      return out;
    }
    for (const [key, value] of m) {
      if (out.length >= max) break;
      out.push({ key, value });
    }
    for (const e of out) m.delete(e.key);
    this.entryCount -= out.length;
    if (m.size === 0) {
      this.byTime.delete(time);
      this.sort();
      this.times = this.times.filter((t) => t !== time);
    }
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
    const m = this.byTime.get(time);
    if (m === undefined) return out;
    if (m instanceof One) {
      if (n > 0) out.push({ key: m.key, value: m.value });
      return out;
    }
    for (const [key, value] of m) {
      if (out.length >= n) break;
      out.push({ key, value });
    }
    return out;
  }

  /** Entries as [time, key, value], ascending time, insertion order within a time. */
  snapshot(): TableSnapshot {
    this.sort();
    const byTime = this.byTime;
    const times = this.times;
    function* all(): Generator<[number, string, V]> {
      for (const t of times) {
        const m = byTime.get(t);
        if (m instanceof One) yield [t, m.key, m.value];
        else if (m !== undefined) for (const [k, v] of m) yield [t, k, v];
      }
    }
    return chunked(all());
  }

  /** Replaces the contents with a snapshot's. */
  restore(chunks: readonly string[]): void {
    this.byTime.clear();
    this.times = [];
    this.head = 0;
    this.entryCount = 0;
    for (const c of chunks) for (const [t, k, v] of decodeState<Array<[number, string, V]>>(c)) this.set(t, k, v);
  }

  get size(): number {
    return this.entryCount;
  }

  /** Drops the drained prefix: `times` is then exactly the times held, ascending. */
  private sort(): void {
    if (this.head > 0) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
