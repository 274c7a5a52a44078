// One sink's live result on the page: an append-only list (EMIT FINAL, plain SELECT) or a
// changelog applied in place (-U then +U replaces the row where it stands, -D removes it).
// Rows are matched by the sink's key columns, or by their whole value when it has none (a
// multiset: equal rows are counted). Pure and DOM-free: unit-tested under Node.

import type { ChangeOp, Row } from '../api-types.js';

export interface TableRow {
  readonly id: number;
  values: Row;
  /** The batch counter when this row last changed (the page highlights the newest). */
  version: number;
  removed: boolean;
}

export interface ResultTableOptions {
  /** Column positions that identify a row of an updating result; empty: the whole row. */
  readonly keyIndexes: readonly number[];
  readonly updating: boolean;
  /** Rows kept (the oldest are dropped first). */
  readonly limit: number;
}

export class ResultTable {
  private list: TableRow[] = [];
  private readonly byKey = new Map<string, TableRow[]>();
  private nextId = 0;
  /** Incremented on every applied batch; components re-render on a change. */
  version = 0;
  /** Rows received in total, including the ones dropped by the limit. */
  received = 0;
  /** -U/-D for a row the table does not hold (dropped by the limit or before the snapshot). */
  unmatched = 0;

  constructor(readonly options: ResultTableOptions) {}

  rows(): readonly TableRow[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }

  /** Applies a batch of changes; ops absent means all inserts. */
  apply(rows: readonly Row[], ops?: readonly ChangeOp[]): void {
    this.version++;
    // A -U leaves its row in place for the +U that follows it; one that no +U takes is removed
    // at the end of the batch.
    const pending: TableRow[] = [];
    for (let i = 0; i < rows.length; i++) {
      const values = rows[i]!;
      const op = ops?.[i] ?? '+I';
      this.received++;
      if (!this.options.updating && (op === '+I' || op === '+U')) {
        this.insert(values);
        continue;
      }
      const key = this.keyOf(values);
      if (op === '-U' || op === '-D') {
        const hit = this.byKey.get(key)?.find((r) => !r.removed && !pending.includes(r));
        if (!hit) this.unmatched++;
        else if (op === '-D') this.remove(key, hit);
        else pending.push(hit);
        continue;
      }
      // +I or +U: the same key's pending row, else the latest -U's row, else a new row.
      const keyed = this.options.keyIndexes.length > 0;
      const same = op === '+U' ? pending.findIndex((r) => this.keyOf(r.values) === key) : -1;
      const slot = same >= 0 ? same : op === '+U' && !keyed ? pending.length - 1 : -1;
      const existing = keyed ? this.byKey.get(key)?.find((r) => !r.removed) : undefined;
      if (slot >= 0) {
        const row = pending.splice(slot, 1)[0]!;
        this.rekey(row, values);
      } else if (existing) {
        if (pending.includes(existing)) pending.splice(pending.indexOf(existing), 1);
        this.rekey(existing, values);
      } else {
        this.insert(values);
      }
    }
    for (const row of pending) this.remove(this.keyOf(row.values), row);
    this.compact();
  }

  clear(): void {
    this.list = [];
    this.byKey.clear();
    this.version++;
  }

  private insert(values: Row): void {
    const row: TableRow = { id: this.nextId++, values, version: this.version, removed: false };
    this.list.push(row);
    if (this.options.updating) this.index(this.keyOf(values), row);
  }

  private rekey(row: TableRow, values: Row): void {
    const oldKey = this.keyOf(row.values);
    const newKey = this.keyOf(values);
    if (oldKey !== newKey) {
      this.unindex(oldKey, row);
      this.index(newKey, row);
    }
    row.values = values;
    row.version = this.version;
  }

  private remove(key: string, row: TableRow): void {
    row.removed = true;
    this.unindex(key, row);
  }

  private index(key: string, row: TableRow): void {
    const list = this.byKey.get(key);
    if (list) list.push(row);
    else this.byKey.set(key, [row]);
  }

  private unindex(key: string, row: TableRow): void {
    const list = this.byKey.get(key);
    if (!list) return;
    const at = list.indexOf(row);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.byKey.delete(key);
  }

  private keyOf(values: Row): string {
    const idx = this.options.keyIndexes;
    return JSON.stringify(idx.length > 0 ? idx.map((i) => values[i]) : values);
  }

  /** Drops removed rows and the oldest rows over the limit. */
  private compact(): void {
    let live = this.list.filter((r) => !r.removed);
    const over = live.length - this.options.limit;
    if (over > 0) {
      for (const row of live.slice(0, over)) this.remove(this.keyOf(row.values), row);
      live = live.slice(over);
    }
    this.list = live;
  }
}
