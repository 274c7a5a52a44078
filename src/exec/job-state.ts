// A job's state tables: made by name for the operators (ctx.keyedTable and friends), in memory or,
// under a memory budget, spillable to the DuckDB tier; the spill store, spilling past the budget,
// bringing spilled keys and times back before an operator needs them, and the tables' part of a
// checkpoint (snapshot, restore). Without a budget every hook here is a no-op.

import type { Batch, KeyedSpill, TimeSpill } from './operator.js';
import type { StateMetrics } from './metrics.js';
import { MemoryKeyedTable, MemoryTimeKeyedTable, type KeyedTable, type TimeKeyedTable } from '../state/tables.js';
import type { CheckpointTarget, JobCheckpoint, StoredTable } from '../state/checkpoint.js';
import { SpillStore, SpillableTimeKeyedTable } from '../state/spill.js';
import { duckdbBytes, liveStateBytes } from '../state/budget.js';
import { HeapRelease } from '../state/heap-release.js';
import { SpillableKeyedTable } from '../state/spill-keyed.js';
import { estimateTableBytes } from '../state/estimate.js';
import { ColumnarTimeKeyedTable, type ColumnarLayout } from '../state/columnar.js';

export interface StateBudget {
  readonly bytes: number;
  readonly dir: string;
}

type Spillable = SpillableTimeKeyedTable<unknown> | SpillableKeyedTable<unknown>;
/** What a checkpoint read of each spillable table's DuckDB rows, when they do not live in the checkpoint database. */
/**
 * What a checkpoint's first step left for snapshot(): spilled rows read as chunks (`spilled`,
 * when the spill table is not in the checkpoint database), and memory rows staged into the
 * checkpoint database (`staged`: counted as spilled rows, not snapshotted as chunks).
 */
export interface StagedState {
  readonly spilled: ReadonlyMap<Spillable, string[]>;
  readonly staged: ReadonlyMap<Spillable, { rows: number; bytes: number }>;
}

export class JobState {
  private readonly tables: Array<{ operator: number; name: string; table: MemoryKeyedTable<unknown> | MemoryTimeKeyedTable<unknown> }> = [];
  private readonly spillable: Array<{ readonly operator: number; readonly table: SpillableTimeKeyedTable<unknown>; readonly spill: TimeSpill<unknown> }> = [];
  private readonly spillableKeyed: Array<{ readonly operator: number; readonly table: SpillableKeyedTable<unknown>; readonly spill: KeyedSpill }> = [];
  private store: SpillStore | undefined;
  /** Under a finite budget with a DuckDB tier: V8's pooled pages go back past a resident ceiling. */
  private release: HeapRelease | undefined;
  /** Under a memory budget, batches, spills and checkpoints run one at a time (see serial). */
  private lock: Promise<void> = Promise.resolve();

  /** `budget`: Infinity bytes when there is none but a restored checkpoint holds spilled rows. */
  constructor(private readonly budget: StateBudget | undefined) {}

  /** The budget a job runs under: its own, else an unbounded one when `restore` keeps spilled rows in its database. */
  static budgetFor(own: StateBudget | undefined, restore: JobCheckpoint | undefined): StateBudget | undefined {
    const spilledInStore = restore?.tables.some((t) => t.spilledInStore && (t.spilledRows ?? 0) > 0) ?? false;
    return own ?? (spilledInStore ? { bytes: Number.POSITIVE_INFINITY, dir: '' } : undefined);
  }

  /** True once the DuckDB tier is open: pushes may then wait for spilled state. */
  get spilling(): boolean {
    return this.store !== undefined;
  }

  keyedTable<V>(operator: number, name: string, spill: KeyedSpill | undefined): KeyedTable<V> {
    if (this.budget && spill) {
      const s = new SpillableKeyedTable<V>(`${operator}/${name}`);
      this.spillableKeyed.push({ operator, table: s as SpillableKeyedTable<unknown>, spill });
      this.tables.push({ operator, name, table: s as MemoryKeyedTable<unknown> });
      return s;
    }
    const t = new MemoryKeyedTable<V>();
    this.tables.push({ operator, name, table: t as MemoryKeyedTable<unknown> });
    return t;
  }

  timeKeyedTable<V>(operator: number, name: string, spill: TimeSpill<V> | undefined): TimeKeyedTable<V> {
    if (this.budget && spill) {
      const s = new SpillableTimeKeyedTable<V>(`${operator}/${name}`, (a, b) => spill.merge(a, b));
      this.spillable.push({ operator, table: s as SpillableTimeKeyedTable<unknown>, spill: spill as TimeSpill<unknown> });
      this.tables.push({ operator, name, table: s as MemoryTimeKeyedTable<unknown> });
      return s;
    }
    const t = new MemoryTimeKeyedTable<V>();
    this.tables.push({ operator, name, table: t as MemoryTimeKeyedTable<unknown> });
    return t;
  }

  columnarTable<V>(operator: number, name: string, layout: ColumnarLayout<V>, spill: TimeSpill<V>): ColumnarTimeKeyedTable<V> {
    const t = new ColumnarTimeKeyedTable<V>(`${operator}/${name}`, (a, b) => spill.merge(a, b), layout);
    if (this.budget) this.spillable.push({ operator, table: t as SpillableTimeKeyedTable<unknown>, spill: spill as TimeSpill<unknown> });
    this.tables.push({ operator, name, table: t as MemoryTimeKeyedTable<unknown> });
    return t;
  }

  /** Opens the DuckDB tier when there is a budget and a table that may spill: inside the checkpoint database when it is one, so checkpoints copy spilled rows there. */
  async open(target: CheckpointTarget | undefined): Promise<void> {
    if (!this.budget || this.spillable.length + this.spillableKeyed.length === 0) return;
    const duck = duckdbBytes(this.budget.bytes);
    this.store = target?.openSpill ? await target.openSpill(duck) : await SpillStore.open(this.budget.dir, duck);
    this.store.closeBytes = liveStateBytes(this.budget.bytes) / 2;
    if (Number.isFinite(this.budget.bytes)) this.release = HeapRelease.forBudget(this.budget.bytes);
  }

  /** Releases of the JS heap's unused memory past the budget's resident ceiling (HeapRelease), and their time in ms. */
  get heapReleases(): { count: number; ms: number } {
    return { count: this.release?.releases ?? 0, ms: this.release?.releaseMs ?? 0 };
  }

  close(): void {
    this.store?.close();
  }

  /** Runs `f` after every earlier serial section has finished once the DuckDB tier is open; else at once. */
  serial<T>(f: () => Promise<T>): Promise<T> {
    if (this.store === undefined) return f();
    const result = this.lock.then(f);
    this.lock = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Before `operator` sees `batch`: its spilled keys the batch touches come back. Undefined when there is nothing to wait for. */
  beforeData(operator: number, batch: Batch, input = 0): Promise<void> | undefined {
    const store = this.store;
    if (store === undefined) return undefined;
    const keyed = this.spillableKeyed.filter((k) => k.operator === operator);
    if (keyed.length === 0) return undefined;
    return (async () => {
      for (const k of keyed) await k.table.load(store, k.spill.keysOf(batch, input));
    })();
  }

  /**
   * Before `operator` sees watermark `wm`: the times it closes that have spilled partials are
   * streamed back from DuckDB and closed chunk by chunk (`drain` pushes on what each chunk
   * emitted), then the keys the watermark touches come back. Undefined when there is nothing to wait for.
   */
  beforeWatermark(operator: number, wm: number, drain: () => Promise<void> | undefined): Promise<void> | undefined {
    const store = this.store;
    if (store === undefined) return undefined;
    const timed = this.spillable.filter((s) => s.operator === operator);
    const keyed = this.spillableKeyed.filter((k) => k.operator === operator);
    if (timed.length === 0 && keyed.length === 0) return undefined;
    return (async () => {
      for (const s of timed) {
        const through = s.spill.closesThrough ? s.spill.closesThrough(wm) : wm;
        if (!s.table.hasSpilledThrough(through)) continue;
        await s.table.closeThrough(store, through, async (entries) => {
          // Spilled entries name keys that keysAt (reading memory) cannot: their keyed state comes back here.
          for (const k of keyed) if (k.spill.keysClosing) await k.table.load(store, k.spill.keysClosing(entries));
          s.spill.close(entries);
          await drain();
          this.release?.check();
        });
      }
      for (const k of keyed) if (k.spill.keysAt) await k.table.load(store, k.spill.keysAt(wm));
    })();
  }

  /** Past the budget, moves the coldest partials of the oldest windows to DuckDB until state is at half the budget. */
  async maybeSpill(): Promise<void> {
    const store = this.store;
    const budget = this.budget;
    if (!store || !budget || !Number.isFinite(budget.bytes)) return;
    this.release?.check();
    const tables = this.spillables();
    const sizes = tables.map((t) => t.estimatedBytes());
    let total = 0;
    for (const n of sizes) total += n;
    let peak = 0;
    for (let i = 0; i < tables.length; i++) {
      const t = tables[i]!;
      peak += t instanceof SpillableTimeKeyedTable ? t.peakBytes() : sizes[i]!;
    }
    // DuckDB's buffer pool has its share of the budget (SpillStore); live JS state the rest's share.
    const heap = liveStateBytes(budget.bytes);
    if (total <= heap && peak <= heap) return;
    // Down to half the share; when only the next batch's growth would pass it (a full segment
    // doubling), by half, so the segment compacts into its own arrays instead of doubling.
    const excess = Math.max(total - heap / 2, total <= heap ? total / 2 : 0);
    for (let i = 0; i < tables.length; i++) {
      const share = (sizes[i]! / total) * excess;
      if (share > 0) await tables[i]!.spill(store, share);
    }
  }

  /**
   * A checkpoint's first step: spilled partials are copied (inside DuckDB when the spill table
   * lives in the checkpoint database, else read as chunks); nothing changes them until
   * snapshot(), since batches, spills and window closes are serial with the checkpoint.
   */
  async stage(id: number): Promise<StagedState> {
    const spilled = new Map<Spillable, string[]>();
    const staged = new Map<Spillable, { rows: number; bytes: number }>();
    const store = this.store;
    // Under a budget, large spillable state goes to DuckDB first: a snapshot of millions of
    // columnar entries as JSON chunks made DuckDB's own checkpoint fail to pin its blocks
    // (bench:state, 256 MB), and the chunks themselves went past the budget. Small state
    // stays: the appender's synchronous calls would stall the event loop for nothing.
    // When the spill table lives in the checkpoint database, that state is appended to the
    // checkpoint's spilled rows and stays in memory: spilling it first, copying it, and
    // merging it back on close took ~12 s of bench:state's open shape at 256 MB, against ~3 s.
    const spillable = this.spillables();
    const large = store !== undefined && this.budget !== undefined && Number.isFinite(this.budget.bytes) && spillable.reduce((n, t) => n + t.estimatedBytes(), 0) > liveStateBytes(this.budget.bytes) / 4;
    if (large && !store.shared) for (const t of spillable) await t.spill(store, Number.POSITIVE_INFINITY);
    if (store?.shared) {
      await store.stage(id);
      if (large) for (const t of spillable) staged.set(t, await t.stageMemory(store, id));
      await store.finishStage(id);
    } else if (store) for (const t of spillable) spilled.set(t, await t.spilledChunks(store));
    return { spilled, staged };
  }

  /** Every table, synchronously (the graph is quiescent): memory rows, and spilled ones as stage() left them. */
  snapshot({ spilled, staged }: StagedState): StoredTable[] {
    const inStore = this.store?.shared ?? false;
    return this.tables.map((t) => {
      const inDb = t.table instanceof SpillableTimeKeyedTable || t.table instanceof SpillableKeyedTable ? staged.get(t.table) : undefined;
      const mem = inDb === undefined ? t.table.snapshot() : { rows: 0, chunks: [] };
      const shape = t.table instanceof MemoryTimeKeyedTable ? 'timeKeyed' : 'keyed';
      if (!(t.table instanceof SpillableTimeKeyedTable || t.table instanceof SpillableKeyedTable)) return { operator: t.operator, name: t.name, shape, rows: mem.rows, chunks: mem.chunks };
      const spilledRows = t.table.spilledRows + (inDb?.rows ?? 0);
      const spilledBytes = t.table.spilledBytes + (inDb?.bytes ?? 0);
      const chunks = inStore ? mem.chunks : [...mem.chunks, ...(spilled.get(t.table) ?? [])];
      return { operator: t.operator, name: t.name, shape, rows: mem.rows + spilledRows, chunks, spilledRows, spilledBytes, spilledInStore: inStore };
    });
  }

  /** Puts back the tables a checkpoint saved; spilled rows go from the checkpoint's copy to the spill table without passing through JS. */
  async restore(c: JobCheckpoint): Promise<void> {
    let inStore = false;
    for (const t of c.tables) {
      const table = this.tables.find((x) => x.operator === t.operator && x.name === t.name);
      if (table === undefined) throw new Error(`checkpoint ${c.id} holds state table '${t.name}' of operator ${t.operator}, which this plan does not have`);
      table.table.restore(t.chunks);
      if (t.spilledInStore && (t.spilledRows ?? 0) > 0) inStore = true;
    }
    const store = this.store;
    if (inStore) {
      if (!store?.shared) throw new Error(`checkpoint ${c.id} keeps spilled state in its database, but this job has no spill tier there`);
      await store.restoreFrom(c.id);
      for (const t of this.spillables()) await t.recount(store);
    }
  }

  metrics(): StateMetrics[] {
    return this.tables.map((t) => ({
      operator: t.operator,
      table: t.name,
      shape: t.table instanceof MemoryTimeKeyedTable ? 'timeKeyed' : 'keyed',
      rows: t.table.size,
      times: t.table instanceof MemoryTimeKeyedTable ? t.table.timeCount : undefined,
    }));
  }

  /** Each time-keyed table's open event times; `watermark`: the one its operator has seen. */
  timeState(watermark: (operator: number) => number): Array<{ operator: number; table: string; watermark: number; openTimes: number; earliest: number | undefined }> {
    const out = [];
    for (const t of this.tables) {
      if (!(t.table instanceof MemoryTimeKeyedTable)) continue;
      out.push({ operator: t.operator, table: t.name, watermark: watermark(t.operator), openTimes: t.table.timeCount, earliest: t.table.minTime() });
    }
    return out;
  }

  /** Each table's rows and estimated heap bytes in memory, and rows and encoded bytes in the DuckDB tier (samples entries). */
  sizes(): Array<{ operator: number; table: string; rows: number; bytes: number; spilledRows: number; spilledBytes: number }> {
    return this.tables.map((t) => {
      const spilled = t.table as { spilledRows?: number; spilledBytes?: number };
      return { operator: t.operator, table: t.name, rows: t.table.size, bytes: estimateTableBytes(t.table), spilledRows: spilled.spilledRows ?? 0, spilledBytes: spilled.spilledBytes ?? 0 };
    });
  }

  private spillables(): Spillable[] {
    return [...this.spillable, ...this.spillableKeyed].map((s) => s.table);
  }
}
