// The graph runner: builds runtimes from a physical plan and pushes batches, watermarks and
// end-of-input through the DAG synchronously, one source batch at a time; awaits sink flushes
// between batches for backpressure. Sources run concurrently; JS runs each push to completion.
// Checkpoints: between two source batches the graph is quiescent, so a barrier taken there
// (operators' onBarrier, then a synchronous snapshot of every state table, source position,
// watermark and sink length) is consistent; sinks are flushed before it is committed. Side
// outputs are exec/side-outputs.ts's, sinks exec/sink-runtime.ts's, metrics and notes exec/job-report.ts's.

import type { Column } from '../catalog/catalog.js';
import type { Row } from '../catalog/types.js';
import type { PhysicalNode, PhysicalPlan, SinkNode, SourceNode } from '../plan/physical.js';
import type { CheckpointSource, ResumePosition, SinkPosition, SinkWriter, SourceReader } from '../connectors/connector.js';
import { sourceConnector } from '../connectors/registry.js';
import { createOperator } from './operators/index.js';
import { rerunWatermark, WatermarkCombiner } from './time.js';
import { END_OF_TIME, type Batch, type LateEvent, type Operator, type OperatorContext, type KeyedSpill, type TimeSpill } from './operator.js';
import { watermarkSteps } from './watermark-steps.js';
import { Slicer } from './slicer.js';
import { SourceRuntime, type DeadLetterInfo, type SourceRuntimeState } from './source-runtime.js';
import type { JobMetrics, StateMetrics } from './metrics.js';
import { SideOutputs } from './side-outputs.js';
import { openSink, Sinks, type SinkRuntime } from './sink-runtime.js';
import { jobMetrics, jobNotes } from './job-report.js';
import { MemoryKeyedTable, MemoryTimeKeyedTable, type KeyedTable, type TimeKeyedTable } from '../state/tables.js';
import type { CheckpointStats, CheckpointTarget, JobCheckpoint, StoredTable } from '../state/checkpoint.js';
import { SpillStore, SpillableTimeKeyedTable } from '../state/spill.js';
import { duckdbBytes, liveStateBytes } from '../state/budget.js';
import { SpillableKeyedTable } from '../state/spill-keyed.js';
import { estimateTableBytes } from '../state/estimate.js';
import { outputGuarantees, type OutputGuarantee } from '../plan/guarantees.js';
import { ColumnarTimeKeyedTable, type ColumnarLayout } from '../state/columnar.js';

export interface JobHooks {
  /** Every admitted source batch, after decoding (compare records the oracle's input here). */
  onSourceRows?(sourceNode: number, rows: readonly Row[]): void;
  onLate?(e: LateEvent): void;
  onDeadLetter?(d: DeadLetterInfo): void;
  /** Replace a sink's writer (compare, tests, the REPL's result view); `resume`: its checkpointed position. */
  sinkWriter?(node: SinkNode, columns: readonly Column[], changelog: boolean, resume?: SinkPosition): SinkWriter | undefined;
  /** Replace a source's reader (tests feeding batches directly); `resume`: its checkpointed position. */
  sourceReader?(node: SourceNode, resume?: ResumePosition): SourceReader | undefined;
}

/** The runner's part of a checkpoint, next to the state tables. */
export interface CheckpointMeta {
  readonly sources: ReadonlyArray<{ node: number; position: ResumePosition | null; ended: boolean; runtime: SourceRuntimeState }>;
  readonly sinks: ReadonlyArray<{ node: number; position: SinkPosition }>;
  readonly sideOutputs: ReadonlyArray<{ file: string; bytes: number }>;
  /** Per operator and sink node: the per-input watermarks and how many inputs ended. */
  readonly nodes: ReadonlyArray<{ node: number; marks: number[]; endedInputs: number }>;
}

export interface CheckpointOptions {
  readonly target: CheckpointTarget;
  /** planFingerprint of the plan, stored with each checkpoint. */
  readonly fingerprint: string;
  /** Wall-clock milliseconds between checkpoints (default 10 s). */
  readonly intervalMs?: number;
  /** Replaces the interval: asked after every source batch (tests pick random points). */
  readonly due?: () => boolean;
  /** Start from this checkpoint (its fingerprint must match; the caller checks). */
  readonly restore?: JobCheckpoint<CheckpointMeta>;
  readonly onCheckpoint?: (stats: CheckpointStats) => void;
}

export const DEFAULT_CHECKPOINT_INTERVAL_MS = 10_000;

export interface JobOptions {
  readonly hooks?: JobHooks;
  readonly signal?: AbortSignal;
  /** Write dead-letter and late side outputs (off for `compare`, which must not touch files). */
  readonly sideOutputs?: boolean;
  /** Periodic and final checkpoints, and the one to resume from. */
  readonly checkpoints?: CheckpointOptions;
  /** Memory budget for state in bytes, and where the DuckDB tier's file goes. */
  readonly stateMemory?: { readonly bytes: number; readonly dir: string };
  /** The job's name (its .sql file's), for ids a sink keeps across restarts (Kafka transactionalId). */
  readonly name?: string;
}

export interface JobSummary {
  readonly aborted: boolean;
  readonly metrics: JobMetrics;
  /** Human-readable notes: records skipped per reason, late rows without a late output. */
  readonly notes: readonly string[];
}

interface Runtime {
  readonly node: PhysicalNode;
  readonly op: Operator | undefined;
  readonly ctx: MutableContext | undefined;
  readonly downstream: Array<{ id: number; input: number }>;
  readonly combiner: WatermarkCombiner;
  endedInputs: number;
  sink: SinkRuntime | undefined;
  /** Source node ids upstream of this node, for attributing late rows. */
  readonly upstreamSources: readonly number[];
}

interface MutableContext extends OperatorContext {
  watermark: number;
}

/** A checkpoint in which every source had ended: the watermark a new run over it starts from. */
function rerunOf(plan: PhysicalPlan, meta: CheckpointMeta): { watermark: number } | undefined {
  if (meta.sources.length === 0 || !meta.sources.every((s) => s.ended)) return undefined;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of meta.sources) max = Math.max(max, s.runtime.maxEventTime);
  const windows = plan.nodes.flatMap((n) => (n.kind === 'windowAgg' || n.kind === 'sessionAgg' || n.kind === 'windowExpand' ? [n.window] : []));
  return { watermark: rerunWatermark(max, windows) };
}

export class Job {
  readonly plan: PhysicalPlan;
  private readonly runtimes: Runtime[] = [];
  private readonly sources: SourceRuntime[] = [];
  private readonly sinks = new Sinks();
  private readonly sideOutputs: SideOutputs;
  private readonly tables: Array<{ operator: number; name: string; table: MemoryKeyedTable<unknown> | MemoryTimeKeyedTable<unknown> }> = [];
  private readonly hooks: JobHooks;
  private readonly signal: AbortSignal | undefined;
  private readonly startedAt = Date.now();
  private readonly writeSideOutputs: boolean;
  private readonly ckpt: CheckpointOptions | undefined;
  private readonly name: string;
  private readonly restoring: CheckpointMeta | undefined;
  /**
   * The restored checkpoint is of a run that read every input to its end: this run reads what
   * arrived since from the same positions, starting at rerunWatermark (exec/time.ts), not at the
   * end of time where that run left its watermarks.
   */
  readonly rerun: { readonly watermark: number } | undefined;
  private checkpointId = 0;
  private nextCheckpointAt = 0;
  private checkpointing: Promise<void> | undefined;
  /** The memory budget; Infinity when there is none but a restored checkpoint holds spilled rows. */
  private readonly budget: { readonly bytes: number; readonly dir: string } | undefined;
  private spillStore: SpillStore | undefined;
  private readonly spillable: Array<{ readonly operator: number; readonly table: SpillableTimeKeyedTable<unknown>; readonly spill: TimeSpill<unknown> }> = [];
  private readonly spillableKeyed: Array<{ readonly operator: number; readonly table: SpillableKeyedTable<unknown>; readonly spill: KeyedSpill }> = [];
  /** Under a memory budget, what each operator emitted, pushed on by the runner (see pushSpilling). */
  private readonly outbox = new Map<number, Batch[]>();
  /** Under a memory budget, batches, spills and checkpoints run one at a time (see exclusive). */
  private lock: Promise<void> = Promise.resolve();
  /** Paces pushes so that signals are seen during long synchronous work. */
  private readonly slicer = new Slicer();
  /** Aborted part-way through a source batch (see pushBatch). */
  private stoppedInBatch = false;
  /** Source batches part-way through the graph (pushBatch yields between slices); no checkpoint meanwhile. */
  private batchesInFlight = 0;
  /** The last checkpoint written by this run, with the time of its barrier. */
  lastCheckpoint: (CheckpointStats & { readonly createdAt: number }) | undefined;

  constructor(plan: PhysicalPlan, options: JobOptions = {}) {
    this.plan = plan;
    this.hooks = options.hooks ?? {};
    this.signal = options.signal;
    this.writeSideOutputs = options.sideOutputs ?? true;
    this.ckpt = options.checkpoints;
    this.name = options.name ?? 'job';
    const spilledInStore = this.ckpt?.restore?.tables.some((t) => t.spilledInStore && (t.spilledRows ?? 0) > 0) ?? false;
    this.budget = options.stateMemory ?? (spilledInStore ? { bytes: Number.POSITIVE_INFINITY, dir: '' } : undefined);
    this.restoring = this.ckpt?.restore?.meta;
    this.rerun = this.restoring ? rerunOf(plan, this.restoring) : undefined;
    this.checkpointId = this.ckpt?.restore?.id ?? 0;
    this.sideOutputs = new SideOutputs(this.writeSideOutputs, this.restoring?.sideOutputs, this.sources, (e) => this.hooks.onLate?.(e));
    for (const node of plan.nodes) this.runtimes.push(this.makeRuntime(node));
    const steps = watermarkSteps(plan);
    for (const s of this.sources) s.step = steps.get(s.node.id);
    for (const node of plan.nodes) {
      node.inputs.forEach((input, i) => this.runtimes[input]!.downstream.push({ id: node.id, input: i }));
    }
    this.sideOutputs.joinTransactions(plan, { job: this.name, checkpoints: this.ckpt !== undefined }, (id) => this.sinks.writerOf(id));
  }

  metrics(): JobMetrics {
    const state: StateMetrics[] = this.tables.map((t) => ({
      operator: t.operator,
      table: t.name,
      shape: t.table instanceof MemoryTimeKeyedTable ? 'timeKeyed' : 'keyed',
      rows: t.table.size,
      times: t.table instanceof MemoryTimeKeyedTable ? t.table.timeCount : undefined,
    }));
    return jobMetrics(this.sources, this.sinks.all, state, this.startedAt);
  }

  /**
   * Each time-keyed state table's open event times (window ends, session timers): how many, the
   * earliest, and the watermark its operator has seen. Read by the REPL's \watermarks to say
   * why a window is still open; not on the hot path.
   */
  timeState(): Array<{ operator: number; table: string; watermark: number; openTimes: number; earliest: number | undefined }> {
    const out = [];
    for (const t of this.tables) {
      if (!(t.table instanceof MemoryTimeKeyedTable)) continue;
      const ctx = this.runtimes[t.operator]?.ctx;
      out.push({ operator: t.operator, table: t.name, watermark: ctx?.watermark ?? Number.NEGATIVE_INFINITY, openTimes: t.table.timeCount, earliest: t.table.minTime() });
    }
    return out;
  }

  /**
   * Each state table's rows and estimated heap bytes in memory, and rows and encoded bytes in the
   * DuckDB tier. Samples entries, so for the metrics endpoint, not the hot path.
   */
  stateSizes(): Array<{ operator: number; table: string; rows: number; bytes: number; spilledRows: number; spilledBytes: number }> {
    return this.tables.map((t) => {
      const spilled = t.table as { spilledRows?: number; spilledBytes?: number };
      return { operator: t.operator, table: t.name, rows: t.table.size, bytes: estimateTableBytes(t.table), spilledRows: spilled.spilledRows ?? 0, spilledBytes: spilled.spilledBytes ?? 0 };
    });
  }

  /** Runs until every source has ended (bounded inputs) or the signal aborts. */
  async run(): Promise<JobSummary> {
    const saved = this.restoring;
    const readers = this.sources.map((s) => {
      const at = saved?.sources.find((x) => x.node === s.node.id);
      if (at?.ended && this.rerun === undefined) {
        s.metrics.ended = true;
        return undefined;
      }
      if (at !== undefined && at.position === null && at.runtime.recordsIn > 0) {
        // WARNING: starting such a source over would count every record read before the checkpoint twice.
        throw new Error(
          `cannot resume from checkpoint ${this.ckpt?.restore?.id}: source '${s.node.source.name}' (connector '${s.node.source.options['connector']}') keeps no read position, so it would read its ${at.runtime.recordsIn} records again and count them twice; run with --fresh to start over`,
        );
      }
      const reader = this.openReader(s.node, at?.position ?? undefined);
      s.attach(reader);
      return reader;
    });
    for (const r of this.runtimes) r.op?.open?.(r.ctx!);
    const controller = new AbortController();
    const signal = this.signal ? AbortSignal.any([this.signal, controller.signal]) : controller.signal;
    try {
      if (this.budget && this.spillable.length + this.spillableKeyed.length > 0) {
        // Inside the checkpoint database when it is one, so checkpoints copy spilled rows there.
        const target = this.ckpt?.target;
        const duck = duckdbBytes(this.budget.bytes);
        this.spillStore = target?.openSpill ? await target.openSpill(duck) : await SpillStore.open(this.budget.dir, duck);
        this.spillStore.closeBytes = liveStateBytes(this.budget.bytes) / 2;
      }
      if (this.ckpt?.restore) {
        await this.restore(this.ckpt.restore);
        await this.recoverSinks(this.ckpt.restore);
      }
      // A first checkpoint before any input: a crash before the first periodic one then rolls
      // back to the side outputs' starting lengths instead of appending to them again.
      if (this.ckpt && !this.ckpt.restore) await this.checkpoint(false);
      this.nextCheckpointAt = Date.now() + (this.ckpt?.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS);
      await Promise.all(
        this.sources.map(async (src, i) => {
          const reader = readers[i];
          if (reader === undefined) return;
          await reader.run(async (records) => {
            if (this.spillStore === undefined) {
              if (!(await this.pushBatch(src, records, signal))) return;
            } else {
              await this.exclusive(async () => {
                for (const { rows, watermark } of src.decodeBatch(records)) {
                  if (rows.length > 0) {
                    this.hooks.onSourceRows?.(src.node.id, rows);
                    await this.pushSpilling(src.node.id, { rows, ops: null });
                  }
                  if (watermark !== undefined) await this.advanceSpilling(src.node.id, watermark);
                }
                await this.maybeSpill();
              });
            }
            await this.sinks.relieve();
            // Not while another source is part-way through a batch (pushBatch yields): its position is past it.
            if (this.checkpointDue() && this.batchesInFlight === 0) await this.checkpoint(false);
          }, signal);
          if (!signal.aborted) {
            const finish = async (): Promise<void> => {
              src.metrics.ended = true;
              src.metrics.watermark = END_OF_TIME;
              if (this.spillStore) {
                await this.advanceSpilling(src.node.id, END_OF_TIME);
                await this.endSpilling(src.node.id);
              } else {
                this.advance(src.node.id, END_OF_TIME);
                this.end(src.node.id);
              }
            };
            await (this.spillStore ? this.exclusive(finish) : finish());
          }
        }),
      );
    } catch (e) {
      controller.abort();
      await this.close();
      this.spillStore?.close();
      throw e;
    }
    await this.sinks.flush();
    // Stopped inside a batch: the sources' positions are past rows never pushed, so no final
    // checkpoint (a restart resumes from the last one, and sinks roll back to it).
    if (this.ckpt && !this.stoppedInBatch) await this.checkpoint(true);
    await this.close();
    this.spillStore?.close();
    return { aborted: signal.aborted, metrics: this.metrics(), notes: jobNotes(this.sources) };
  }

  /**
   * One decoded source batch through the graph (no memory budget), in slices that keep the event
   * loop, and so Ctrl-C and SIGTERM, answered (exec/slicer.ts). False when the job was aborted
   * before the whole batch was pushed.
   */
  private async pushBatch(src: SourceRuntime, records: Parameters<SourceRuntime['decodeBatch']>[0], signal: AbortSignal): Promise<boolean> {
    const slicer = this.slicer;
    this.batchesInFlight++;
    try {
      for (const { rows, watermark } of src.decodeBatch(records)) {
        for (let from = 0; from < rows.length; ) {
          if (slicer.due()) {
            await slicer.pause();
            if (signal.aborted) return this.stopInBatch();
          }
          const n = Math.min(slicer.rows, rows.length - from);
          const slice = n === rows.length ? rows : rows.slice(from, from + n);
          const t0 = performance.now();
          this.hooks.onSourceRows?.(src.node.id, slice);
          this.push(src.node.id, { rows: slice, ops: null });
          slicer.took(n, performance.now() - t0);
          from += n;
        }
        if (watermark !== undefined) this.advance(src.node.id, watermark);
      }
      return true;
    } finally {
      this.batchesInFlight--;
    }
  }

  private stopInBatch(): false {
    this.stoppedInBatch = true;
    return false;
  }

  /** True when every source has ended (a bounded job ran to completion). */
  get finished(): boolean {
    return this.sources.every((s) => s.metrics.ended);
  }

  private checkpointDue(): boolean {
    const c = this.ckpt;
    if (c === undefined) return false;
    if (this.runtimes.some((r) => r.sink?.writer.checkpointWanted?.() === true)) return true;
    if (c.due) return c.due();
    return Date.now() >= this.nextCheckpointAt;
  }

  /**
   * Barrier and snapshot, synchronously (so consistent), then flush every output so the recorded
   * lengths are on the OS, then commit. One at a time: a source finding one under way skips.
   */
  private async checkpoint(final: boolean): Promise<void> {
    const c = this.ckpt!;
    if (this.checkpointing) {
      await this.checkpointing;
      if (!final) return;
    }
    const run = async (): Promise<void> => {
      const take = async (): Promise<JobCheckpoint<CheckpointMeta>> => {
        // Spilled partials are copied first (inside DuckDB when the spill table lives in the
        // checkpoint database, else read as chunks); nothing changes them until the snapshot
        // below, since batches, spills and window closes hold the same lock.
        const id = ++this.checkpointId;
        const spilled = new Map<SpillableTimeKeyedTable<unknown> | SpillableKeyedTable<unknown>, string[]>();
        const store = this.spillStore;
        // Under a budget, large spillable state goes to DuckDB first: a snapshot of millions of
        // columnar entries as JSON chunks made DuckDB's own checkpoint fail to pin its blocks
        // (bench:state, 256 MB), and the chunks themselves went past the budget. Small state
        // stays: the appender's synchronous calls would stall the event loop for nothing.
        const spillable = [...this.spillable, ...this.spillableKeyed].map((s) => s.table);
        if (store && this.budget && Number.isFinite(this.budget.bytes) && spillable.reduce((n, t) => n + t.estimatedBytes(), 0) > liveStateBytes(this.budget.bytes) / 4) {
          for (const t of spillable) await t.spill(store, Number.POSITIVE_INFINITY);
        }
        if (store?.shared) await store.stage(id);
        else if (store) for (const s of [...this.spillable, ...this.spillableKeyed]) spilled.set(s.table, await s.table.spilledChunks(store));
        for (const r of this.runtimes) r.op?.onBarrier?.(id);
        return { id, createdAt: Date.now(), fingerprint: c.fingerprint, meta: this.snapshotMeta(), tables: this.snapshotTables(spilled) };
      };
      const snapshot = this.spillStore ? await this.exclusive(take) : await take();
      await this.sinks.flush();
      await this.sideOutputs.flush();
      // WARNING: the lengths the checkpoint records must be on the disk before it is (else an OS crash cuts the files short of them).
      await Promise.all([...this.runtimes.map((r) => r.sink?.writer.sync?.()), ...this.sideOutputs.syncs()]);
      const stats = await c.target.write(snapshot, final && this.finished);
      // Transactional sinks commit the output sealed at the barrier once the checkpoint holding it is durable.
      for (const r of this.runtimes) if (r.sink?.writer.commitCheckpoint) await r.sink.writer.commitCheckpoint(snapshot.id, this.checkpointSources(snapshot.meta, r));
      this.lastCheckpoint = { ...stats, createdAt: snapshot.createdAt };
      this.nextCheckpointAt = Date.now() + (c.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS);
      c.onCheckpoint?.(stats);
    };
    this.checkpointing = run();
    try {
      await this.checkpointing;
    } finally {
      this.checkpointing = undefined;
    }
  }

  private snapshotTables(spilled: ReadonlyMap<SpillableTimeKeyedTable<unknown> | SpillableKeyedTable<unknown>, string[]>): StoredTable[] {
    const inStore = this.spillStore?.shared ?? false;
    return this.tables.map((t) => {
      const mem = t.table.snapshot();
      const shape = t.table instanceof MemoryTimeKeyedTable ? 'timeKeyed' : 'keyed';
      if (!(t.table instanceof SpillableTimeKeyedTable || t.table instanceof SpillableKeyedTable)) return { operator: t.operator, name: t.name, shape, rows: mem.rows, chunks: mem.chunks };
      const { spilledRows, spilledBytes } = t.table;
      const chunks = inStore ? mem.chunks : [...mem.chunks, ...(spilled.get(t.table) ?? [])];
      return { operator: t.operator, name: t.name, shape, rows: mem.rows + spilledRows, chunks, spilledRows, spilledBytes, spilledInStore: inStore };
    });
  }

  /** Runs `f` after every earlier exclusive section has finished (only under a memory budget). */
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const result = this.lock.then(f);
    this.lock = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Past the budget, moves the coldest partials of the oldest windows to DuckDB until state is at half the budget. */
  private async maybeSpill(): Promise<void> {
    const store = this.spillStore;
    const budget = this.budget;
    if (!store || !budget || !Number.isFinite(budget.bytes)) return;
    const tables = [...this.spillable, ...this.spillableKeyed].map((s) => s.table);
    const sizes = tables.map((t) => t.estimatedBytes());
    let total = 0;
    for (const n of sizes) total += n;
    // DuckDB's buffer pool has its share of the budget (SpillStore); live JS state the rest's share.
    const heap = liveStateBytes(budget.bytes);
    if (total <= heap) return;
    const excess = total - heap / 2;
    for (let i = 0; i < tables.length; i++) {
      const share = (sizes[i]! / total) * excess;
      if (share > 0) await tables[i]!.spill(store, share);
    }
  }

  /**
   * advance() under a memory budget: before an operator sees a watermark, the times it closes
   * that have spilled partials are streamed back from DuckDB and emitted chunk by chunk.
   */
  private async advanceSpilling(from: number, wm: number): Promise<void> {
    const store = this.spillStore!;
    for (const d of this.runtimes[from]!.downstream) {
      const rt = this.runtimes[d.id]!;
      const combined = rt.combiner.update(d.input, wm);
      if (combined === undefined) continue;
      if (rt.ctx) {
        rt.ctx.watermark = combined;
        for (const s of this.spillable) {
          const through = s.spill.closesThrough ? s.spill.closesThrough(combined) : combined;
          if (s.operator !== d.id || !s.table.hasSpilledThrough(through)) continue;
          await s.table.closeThrough(store, through, async (entries) => {
            // Spilled entries name keys that keysAt (reading memory) cannot: their keyed state comes back here.
            for (const k of this.spillableKeyed) if (k.operator === d.id && k.spill.keysClosing) await k.table.load(store, k.spill.keysClosing(entries));
            s.spill.close(entries);
            await this.drainOutbox(d.id);
          });
        }
        for (const k of this.spillableKeyed) if (k.operator === d.id && k.spill.keysAt) await k.table.load(store, k.spill.keysAt(combined));
        rt.op!.onWatermark?.(combined);
        await this.drainOutbox(d.id);
      }
      await this.advanceSpilling(d.id, combined);
    }
  }

  /**
   * push() under a memory budget: an operator's spilled keys that a batch touches come back
   * first, and what it emits is pushed on after it returns (so that can wait for keys too).
   */
  private async pushSpilling(from: number, batch: Batch): Promise<void> {
    const store = this.spillStore!;
    const down = this.runtimes[from]!.downstream;
    for (let i = 0; i < down.length; i++) {
      const d = down[i]!;
      const rt = this.runtimes[d.id]!;
      if (rt.sink) {
        rt.sink.write(batch);
        continue;
      }
      for (const k of this.spillableKeyed) if (k.operator === d.id) await k.table.load(store, k.spill.keysOf(batch));
      rt.op!.onData(batch, d.input);
      await this.drainOutbox(d.id);
    }
  }

  private async drainOutbox(node: number): Promise<void> {
    const box = this.outbox.get(node);
    if (box === undefined) return;
    while (box.length > 0) await this.pushSpilling(node, box.shift()!);
  }

  private async endSpilling(from: number): Promise<void> {
    for (const d of this.runtimes[from]!.downstream) {
      const rt = this.runtimes[d.id]!;
      rt.endedInputs++;
      if (rt.endedInputs < rt.node.inputs.length) continue;
      rt.op?.onEnd?.();
      await this.drainOutbox(d.id);
      await this.endSpilling(d.id);
    }
  }

  private snapshotMeta(): CheckpointMeta {
    const sinks: Array<{ node: number; position: SinkPosition }> = [];
    for (const r of this.runtimes) {
      const w = r.sink?.writer;
      const p = w?.prepareCheckpoint ? w.prepareCheckpoint(this.checkpointId) : w?.position?.();
      if (p !== undefined) sinks.push({ node: r.node.id, position: p });
    }
    return {
      sources: this.sources.map((s) => ({ node: s.node.id, position: s.reader?.position?.() ?? null, ended: s.metrics.ended, runtime: s.saveState() })),
      sinks,
      sideOutputs: this.sideOutputs.positions(),
      nodes: this.runtimes.filter((r) => r.node.inputs.length > 0).map((r) => ({ node: r.node.id, marks: r.combiner.inputMarks(), endedInputs: r.endedInputs })),
    };
  }

  /** The sources upstream of a sink runtime with their positions in a checkpoint. */
  private checkpointSources(meta: CheckpointMeta, r: Runtime): CheckpointSource[] {
    return r.upstreamSources.map((id) => {
      const node = this.plan.nodes[id] as SourceNode;
      return { def: node.source, position: meta.sources.find((s) => s.node === id)?.position ?? null };
    });
  }

  /** After a restore, before any source reads: transactional sinks commit the restored checkpoint's output if it never was. */
  private async recoverSinks(c: JobCheckpoint<CheckpointMeta>): Promise<void> {
    for (const r of this.runtimes) if (r.sink?.writer.recover) await r.sink.writer.recover(this.checkpointSources(c.meta, r));
  }

  /** Each output's delivery guarantee in this job: every sink, and the side outputs it writes (for the start-up line). */
  guarantees(): OutputGuarantee[] {
    const all = outputGuarantees(this.plan, { job: this.name, checkpoints: this.ckpt !== undefined });
    return this.writeSideOutputs ? all : all.filter((o) => o.output === 'sink');
  }

  /** Puts back what a checkpoint saved; sinks and side outputs were already cut back when opened. */
  private async restore(c: JobCheckpoint<CheckpointMeta>): Promise<void> {
    let inStore = false;
    for (const t of c.tables) {
      const table = this.tables.find((x) => x.operator === t.operator && x.name === t.name);
      if (table === undefined) throw new Error(`checkpoint ${c.id} holds state table '${t.name}' of operator ${t.operator}, which this plan does not have`);
      table.table.restore(t.chunks);
      if (t.spilledInStore && (t.spilledRows ?? 0) > 0) inStore = true;
    }
    // Spilled rows go back from the checkpoint's copy to the spill table without passing through JS.
    const store = this.spillStore;
    if (inStore) {
      if (!store?.shared) throw new Error(`checkpoint ${c.id} keeps spilled state in its database, but this job has no spill tier there`);
      await store.restoreFrom(c.id);
      for (const s of [...this.spillable, ...this.spillableKeyed]) await s.table.recount(store);
    }
    const rerun = this.rerun;
    for (const s of c.meta.sources) {
      const src = this.sources.find((x) => x.node.id === s.node);
      src?.restoreState(s.runtime);
      if (src && rerun) src.metrics.watermark = rerun.watermark;
    }
    for (const n of c.meta.nodes) {
      const rt = this.runtimes[n.node];
      if (rt === undefined) continue;
      rt.combiner.restoreMarks(rerun ? n.marks.map(() => rerun.watermark) : n.marks);
      rt.endedInputs = rerun ? 0 : n.endedInputs;
      if (rt.ctx) rt.ctx.watermark = rt.combiner.current;
    }
  }

  private makeRuntime(node: PhysicalNode): Runtime {
    const upstreamSources = node.kind === 'source' ? [node.id] : [...new Set(node.inputs.flatMap((i) => this.runtimes[i]!.upstreamSources))];
    const base = { node, downstream: [], combiner: new WatermarkCombiner(Math.max(1, node.inputs.length)), endedInputs: 0, upstreamSources, sink: undefined };
    switch (node.kind) {
      case 'source': {
        this.sources.push(new SourceRuntime(node, this.sideOutputs.openFor(node), this.hooks.onDeadLetter));
        return { ...base, op: undefined, ctx: undefined };
      }
      case 'sink': {
        const resume = this.restoring?.sinks.find((s) => s.node === node.id)?.position;
        const job = { plan: this.plan, name: this.name, checkpoints: this.ckpt !== undefined, hook: this.hooks.sinkWriter?.bind(this.hooks) };
        const sink = openSink(job, node, upstreamSources, resume);
        this.sinks.all.push(sink);
        return { ...base, op: undefined, ctx: undefined, sink };
      }
      default: {
        const ctx = this.makeContext(node, upstreamSources);
        return { ...base, op: createOperator(node), ctx };
      }
    }
  }

  private makeContext(node: PhysicalNode, upstreamSources: readonly number[]): MutableContext {
    if (this.budget) this.outbox.set(node.id, []);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const job = this;
    return {
      watermark: Number.NEGATIVE_INFINITY,
      emit(batch: Batch) {
        const box = job.outbox.get(node.id);
        if (box !== undefined && job.spillStore !== undefined) box.push(batch);
        else job.push(node.id, batch);
      },
      late(e: LateEvent) {
        job.sideOutputs.late(e, upstreamSources);
      },
      keyedTable<V>(name: string, spill?: KeyedSpill): KeyedTable<V> {
        if (job.budget && spill) {
          const s = new SpillableKeyedTable<V>(`${node.id}/${name}`);
          job.spillableKeyed.push({ operator: node.id, table: s as SpillableKeyedTable<unknown>, spill });
          job.tables.push({ operator: node.id, name, table: s as MemoryKeyedTable<unknown> });
          return s;
        }
        const t = new MemoryKeyedTable<V>();
        job.tables.push({ operator: node.id, name, table: t as MemoryKeyedTable<unknown> });
        return t;
      },
      timeKeyedTable<V>(name: string, spill?: TimeSpill<V>): TimeKeyedTable<V> {
        if (job.budget && spill) {
          const s = new SpillableTimeKeyedTable<V>(`${node.id}/${name}`, (a, b) => spill.merge(a, b));
          job.spillable.push({ operator: node.id, table: s as SpillableTimeKeyedTable<unknown>, spill: spill as TimeSpill<unknown> });
          job.tables.push({ operator: node.id, name, table: s as MemoryTimeKeyedTable<unknown> });
          return s;
        }
        const t = new MemoryTimeKeyedTable<V>();
        job.tables.push({ operator: node.id, name, table: t as MemoryTimeKeyedTable<unknown> });
        return t;
      },
      columnarTable<V>(name: string, layout: ColumnarLayout<V>, spill: TimeSpill<V>): ColumnarTimeKeyedTable<V> {
        const t = new ColumnarTimeKeyedTable<V>(`${node.id}/${name}`, (a, b) => spill.merge(a, b), layout);
        if (job.budget) job.spillable.push({ operator: node.id, table: t as SpillableTimeKeyedTable<unknown>, spill: spill as TimeSpill<unknown> });
        job.tables.push({ operator: node.id, name, table: t as MemoryTimeKeyedTable<unknown> });
        return t;
      },
    };
  }

  private openReader(node: SourceNode, resume: ResumePosition | undefined): SourceReader {
    const custom = this.hooks.sourceReader?.(node, resume);
    if (custom) return custom;
    const conn = sourceConnector(node.source.options['connector']!);
    if (!conn) throw new Error(`unknown source connector '${node.source.options['connector']}'`);
    return conn.open(node.source, resume);
  }

  private push(from: number, batch: Batch): void {
    const down = this.runtimes[from]!.downstream;
    for (let i = 0; i < down.length; i++) {
      const d = down[i]!;
      const rt = this.runtimes[d.id]!;
      if (rt.sink) rt.sink.write(batch);
      else rt.op!.onData(batch, d.input);
    }
  }

  private advance(from: number, wm: number): void {
    for (const d of this.runtimes[from]!.downstream) {
      const rt = this.runtimes[d.id]!;
      const combined = rt.combiner.update(d.input, wm);
      if (combined === undefined) continue;
      if (rt.ctx) {
        rt.ctx.watermark = combined;
        rt.op!.onWatermark?.(combined);
      }
      this.advance(d.id, combined);
    }
  }

  private end(from: number): void {
    for (const d of this.runtimes[from]!.downstream) {
      const rt = this.runtimes[d.id]!;
      rt.endedInputs++;
      if (rt.endedInputs < rt.node.inputs.length) continue;
      rt.op?.onEnd?.();
      this.end(d.id);
    }
  }

  private async close(): Promise<void> {
    await this.sinks.close();
    await this.sideOutputs.close();
  }
}
