// A job: builds the running graph of a physical plan and drives it. Sources run concurrently,
// each feeding decoded batches through the graph (exec/graph.ts) in slices that keep signals
// answered, then awaiting its sinks for backpressure and taking a checkpoint when one is due
// (exec/checkpointer.ts). State tables and their DuckDB tier are exec/job-state.ts's, side
// outputs exec/side-outputs.ts's, metrics and notes exec/job-report.ts's.

import type { PhysicalPlan, SinkNode, SourceNode } from '../plan/physical.js';
import type { Column } from '../catalog/catalog.js';
import type { Row } from '../catalog/types.js';
import type { ResumePosition, SinkPosition, SinkWriter, SourceReader } from '../connectors/connector.js';
import { sourceConnector } from '../connectors/registry.js';
import { outputGuarantees, type OutputGuarantee } from '../plan/guarantees.js';
import type { CheckpointStats } from '../state/checkpoint.js';
import { END_OF_TIME, type LateEvent } from './operator.js';
import { perRowSources, watermarkSteps } from './watermark-steps.js';
import { Slicer } from './slicer.js';
import { SourceRuntime, type DeadLetterInfo } from './source-runtime.js';
import type { JobMetrics } from './metrics.js';
import { Graph, settle } from './graph.js';
import { JobState } from './job-state.js';
import { SideOutputs } from './side-outputs.js';
import { openSink, Sinks } from './sink-runtime.js';
import { Checkpointer, rerunOf, type CheckpointMeta, type CheckpointOptions } from './checkpointer.js';
import { jobMetrics, jobNotes } from './job-report.js';
import { startupMark } from '../util/startup-marks.js';

export { DEFAULT_CHECKPOINT_INTERVAL_MS, type CheckpointMeta, type CheckpointOptions } from './checkpointer.js';

export interface JobHooks {
  /** Every admitted source batch, after decoding (compare records the oracle's input here). */
  onSourceRows?(sourceNode: number, rows: readonly Row[]): void;
  onLate?(e: LateEvent): void;
  onDeadLetter?(d: DeadLetterInfo): void;
  /** Replace a sink's writer (compare, tests, the REPL's result view); `resume`: its checkpointed position. */
  sinkWriter?(node: SinkNode, columns: readonly Column[], changelog: boolean, resume?: SinkPosition): SinkWriter | undefined;
  /** Replace a source's reader (tests feeding batches directly); `resume`: its checkpointed position. */
  sourceReader?(node: SourceNode, resume?: ResumePosition): SourceReader | undefined;
  /** The run's state and counters are in place (restored from a checkpoint, or a fresh run's first checkpoint durable) and batches start entering the graph. */
  onStarted?(): void;
}

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
  /**
   * A fresh run's batches may enter the graph while its first checkpoint is written (see
   * flowsBeforeFirstCheckpoint). Off unless the caller's sinks are known to hold their output
   * until that checkpoint is durable: `sluice run` turns it on. WARNING: a scaled-out task's
   * transaction (output, changelog and offsets together) committed checkpoint 1 with rows read
   * after its barrier, which a restart from it read again (a repartitioned count one too high).
   */
  readonly earlyFlow?: boolean;
}

export interface JobSummary {
  readonly aborted: boolean;
  readonly metrics: JobMetrics;
  /** Human-readable notes: records skipped per reason, late rows without a late output. */
  readonly notes: readonly string[];
}

/** The longest a fresh run's first checkpoint waits for the first batch before it is written. */
const FIRST_CHECKPOINT_WAIT_MS = 500;

export class Job {
  readonly plan: PhysicalPlan;
  /**
   * The restored checkpoint is of a run that read every input to its end: this run reads what
   * arrived since from the same positions, starting at rerunWatermark (exec/time.ts), not at the
   * end of time where that run left its watermarks.
   */
  readonly rerun: { readonly watermark: number } | undefined;
  private readonly hooks: JobHooks;
  private readonly signal: AbortSignal | undefined;
  private readonly startedAt = Date.now();
  private readonly name: string;
  private readonly earlyFlow: boolean;
  private readonly ckpt: CheckpointOptions | undefined;
  private readonly writeSideOutputs: boolean;
  private readonly restoring: CheckpointMeta | undefined;
  private readonly sources: SourceRuntime[] = [];
  private readonly sinks = new Sinks();
  private readonly state: JobState;
  private readonly sideOutputs: SideOutputs;
  private readonly graph: Graph;
  private readonly checkpointer: Checkpointer | undefined;
  /**
   * Until a fresh run's first checkpoint is durable, when batches may not enter the graph before
   * it (flowsBeforeFirstCheckpoint).
   */
  private firstCheckpoint: Promise<void> | undefined;
  /** Lets a fresh run's first checkpoint be written (its first batch came, or none will). */
  private beginFirstCheckpoint: () => void = () => {};
  /** Paces pushes so that signals are seen during long synchronous work. */
  private readonly slicer = new Slicer();
  /** Aborted part-way through a source batch (see pushBatch). */
  private stoppedInBatch = false;
  /** Source batches part-way through the graph (pushBatch yields between slices); no checkpoint meanwhile. */
  private batchesInFlight = 0;

  constructor(plan: PhysicalPlan, options: JobOptions = {}) {
    this.plan = plan;
    this.hooks = options.hooks ?? {};
    this.signal = options.signal;
    this.writeSideOutputs = options.sideOutputs ?? true;
    this.ckpt = options.checkpoints;
    this.name = options.name ?? 'job';
    this.earlyFlow = options.earlyFlow === true;
    this.restoring = this.ckpt?.restore?.meta;
    this.rerun = this.restoring ? rerunOf(plan, this.restoring) : undefined;
    this.state = new JobState(JobState.budgetFor(options.stateMemory, this.ckpt?.restore));
    this.sideOutputs = new SideOutputs(this.writeSideOutputs, this.ckpt?.fresh ? 'fresh' : this.restoring?.sideOutputs, this.sources, (e) => this.hooks.onLate?.(e));
    const sinkJob = { plan, name: this.name, checkpoints: this.ckpt !== undefined, hook: this.hooks.sinkWriter?.bind(this.hooks) };
    this.graph = new Graph(plan, {
      state: this.state,
      source: (node) => this.sources.push(new SourceRuntime(node, this.sideOutputs.openFor(node), this.hooks.onDeadLetter)),
      sink: (node, upstream) => {
        const sink = openSink(sinkJob, node, upstream, this.restoring?.sinks.find((s) => s.node === node.id)?.position);
        this.sinks.all.push(sink);
        return sink;
      },
      late: (e, upstream) => this.sideOutputs.late(e, upstream),
    });
    const steps = watermarkSteps(plan);
    const perRow = perRowSources(plan, steps);
    for (const s of this.sources) {
      s.step = steps.get(s.node.id);
      s.perRow = perRow.has(s.node.id);
    }
    this.sideOutputs.joinTransactions(plan, { job: this.name, checkpoints: this.ckpt !== undefined }, (id) => this.sinks.writerOf(id));
    const parts = { plan, graph: this.graph, state: this.state, sources: this.sources, sinks: this.sinks, sideOutputs: this.sideOutputs, finished: () => this.finished };
    this.checkpointer = this.ckpt && new Checkpointer(this.ckpt, parts);
  }

  /** One source batch: pushed through the graph, then a periodic checkpoint when one is due. */
  private async takeBatch(src: SourceRuntime, records: Parameters<SourceRuntime['decodeBatch']>[0], signal: AbortSignal): Promise<void> {
    if (this.firstCheckpoint) await this.firstCheckpoint;
    const checkpointer = this.checkpointer;
    const whole = await this.state.serial(async () => {
      const pushed = await this.pushBatch(src, records, signal);
      await this.state.maybeSpill();
      return pushed;
    });
    this.beginFirstCheckpoint();
    if (!whole) return;
    await this.sinks.relieve();
    await this.sideOutputs.relieve();
    // Not while another source is part-way through a batch (pushBatch yields): its position is past it.
    if (checkpointer?.due() && this.batchesInFlight === 0) await checkpointer.checkpoint(false);
  }

  /** The last checkpoint written by this run, with the time of its barrier. */
  get lastCheckpoint(): (CheckpointStats & { readonly createdAt: number }) | undefined {
    return this.checkpointer?.last;
  }

  metrics(): JobMetrics {
    return jobMetrics(this.sources, this.sinks.all, this.state.metrics(), this.startedAt);
  }

  /**
   * Each time-keyed state table's open event times (window ends, session timers): how many, the
   * earliest, and the watermark its operator has seen. Read by the REPL's \watermarks to say
   * why a window is still open; not on the hot path.
   */
  timeState(): Array<{ operator: number; table: string; watermark: number; openTimes: number; earliest: number | undefined }> {
    return this.state.timeState((operator) => this.graph.watermarkOf(operator));
  }

  /**
   * Each state table's rows and estimated heap bytes in memory, and rows and encoded bytes in the
   * DuckDB tier. Samples entries, so for the metrics endpoint, not the hot path.
   */
  stateSizes(): Array<{ operator: number; table: string; rows: number; bytes: number; spilledRows: number; spilledBytes: number }> {
    return this.state.sizes();
  }

  /** Each output's delivery guarantee in this job: every sink, and the side outputs it writes (for the start-up line). */
  guarantees(): OutputGuarantee[] {
    const all = outputGuarantees(this.plan, { job: this.name, checkpoints: this.ckpt !== undefined });
    return this.writeSideOutputs ? all : all.filter((o) => o.output === 'sink');
  }

  /** True when every source has ended (a bounded job ran to completion). */
  get finished(): boolean {
    return this.sources.every((s) => s.metrics.ended);
  }

  /** Runs until every source has ended (bounded inputs) or the signal aborts. */
  async run(): Promise<JobSummary> {
    const readers = this.openReaders();
    // Offset lookups and the like go on while state is restored.
    const positions = Promise.all(readers.map((r) => r?.prepare?.()));
    positions.catch(() => {});
    this.graph.open();
    const controller = new AbortController();
    const signal = this.signal ? AbortSignal.any([this.signal, controller.signal]) : controller.signal;
    const checkpointer = this.checkpointer;
    try {
      await this.state.open(this.ckpt?.target);
      // A fresh run's first checkpoint (empty state, the sources' start positions) is written
      // once its first batch has entered the graph (so that loading DuckDB for it is off the way
      // to the first record), its sources ended without one, or FIRST_CHECKPOINT_WAIT_MS passed
      // (an idle source's start position is pinned soon all the same).
      let begin!: () => void;
      const begun = new Promise<void>((r) => (begin = r));
      this.beginFirstCheckpoint = begin;
      setTimeout(begin, FIRST_CHECKPOINT_WAIT_MS).unref();
      const early = this.flowsBeforeFirstCheckpoint();
      // A stop while the sources still look their offsets up (a broker being retried for
      // kafka_retry_for) ends the wait: nothing was read, the sources see the abort and end.
      const stopped = new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
      const started = await checkpointer?.start(this.rerun, { positions: Promise.race([positions, stopped]), begin: early ? begun : undefined });
      startupMark('first barrier taken');
      const durable = started?.durable ?? Promise.resolve();
      if (early) {
        this.hooks.onStarted?.();
      } else {
        // Batches wait for the first checkpoint to be durable (takeBatch).
        this.firstCheckpoint = durable.then(() => {
          this.firstCheckpoint = undefined;
          this.hooks.onStarted?.();
        });
        this.firstCheckpoint.catch(() => {});
      }
      void durable.then(() => startupMark('first checkpoint durable'), () => {});
      const reading = this.sources.map(async (src, i) => {
        const reader = readers[i];
        if (reader === undefined) return;
        const emitting = new Set<Promise<void>>();
        await reader.run((records) => {
          const step = this.takeBatch(src, records, signal);
          const settled = step.then(
            () => void emitting.delete(settled),
            () => void emitting.delete(settled),
          );
          emitting.add(settled);
          return step;
        }, signal);
        // WARNING: a reader may end on abort while a batch it handed over is still entering the
        // graph (waiting on the slicer), its position already past that batch. Until that batch
        // is pushed whole or stopped inside (stoppedInBatch), no final checkpoint may be taken.
        await Promise.all(emitting);
        if (!signal.aborted) await this.state.serial(() => this.finish(src));
        });
      // Sources that end (or fail) without a batch: the first checkpoint is still written.
      void Promise.allSettled(reading).then(begin);
      await Promise.all([durable, ...reading]);
    } catch (e) {
      controller.abort();
      // A fresh run's first checkpoint may still be writing to the state store (batches flow
      // before it is durable): it must end before the store closes.
      await this.checkpointer?.halt();
      await this.close();
      throw e;
    }
    await this.sinks.flush();
    // Stopped inside a batch: the sources' positions are past rows never pushed, so no final
    // checkpoint (a restart resumes from the last one, and sinks roll back to it).
    if (checkpointer && !this.stoppedInBatch && this.batchesInFlight === 0) await checkpointer.checkpoint(true);
    await this.close();
    return { aborted: signal.aborted, metrics: this.metrics(), notes: jobNotes(this.sources) };
  }

  /**
   * Whether a fresh run's batches may enter the graph while its first checkpoint (empty state,
   * the sources' start positions, taken before any batch) is still being written, instead of
   * once it is durable. Exactly-once holds as long as nothing written before it is durable
   * survives a crash as done: a transactional sink holds that output behind the checkpoint's
   * commit (its sends queue behind it, kafka/transactional-sink.ts), the next checkpoint waits for
   * the first (Checkpointer.checkpoint), a file sink with no checkpoint to restore is truncated
   * when opened, and at-least-once outputs may repeat. Not so: side-output files (dead letters,
   * late rows), which a run with no checkpoint appends to, and state under a budget, whose DuckDB
   * tier a checkpoint writes from while batches would spill into it.
   */
  private flowsBeforeFirstCheckpoint(): boolean {
    return this.earlyFlow && !this.state.spilling && !this.sideOutputs.appendsFiles();
  }

  /** Each source's reader, from its checkpointed position; undefined for one a restored run had read to its end. */
  private openReaders(): Array<SourceReader | undefined> {
    const saved = this.restoring;
    return this.sources.map((s) => {
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
  }

  private openReader(node: SourceNode, resume: ResumePosition | undefined): SourceReader {
    const custom = this.hooks.sourceReader?.(node, resume);
    if (custom) return custom;
    const conn = sourceConnector(node.source.options['connector']!);
    if (!conn) throw new Error(`unknown source connector '${node.source.options['connector']}'`);
    return conn.open(node.source, resume);
  }

  /**
   * One decoded source batch through the graph. Without spilled state, in slices that keep the
   * event loop, and so Ctrl-C and SIGTERM, answered (exec/slicer.ts); under the DuckDB tier the
   * push waits on it anyway and runs serially with checkpoints, so whole. False when the job was
   * aborted before the whole batch was pushed.
   */
  private async pushBatch(src: SourceRuntime, records: Parameters<SourceRuntime['decodeBatch']>[0], signal: AbortSignal): Promise<boolean> {
    const slicer = this.state.spilling ? undefined : this.slicer;
    if (slicer) this.batchesInFlight++;
    try {
      for (const { rows, watermark, marks } of src.decodeBatch(records)) {
        for (let from = 0; from < rows.length; ) {
          if (slicer?.due()) {
            await slicer.pause();
            if (signal.aborted) return this.stopInBatch();
          }
          const n = slicer ? Math.min(slicer.rows, rows.length - from) : rows.length;
          const slice = n === rows.length ? rows : rows.slice(from, from + n);
          const t0 = performance.now();
          this.hooks.onSourceRows?.(src.node.id, slice);
          const batch = marks === undefined ? { rows: slice, ops: null } : { rows: slice, ops: null, marks: n === rows.length ? marks : marks.slice(from, from + n) };
          const waiting = settle(this.graph.push(src.node.id, batch));
          if (waiting) await waiting;
          slicer?.took(n, performance.now() - t0);
          from += n;
        }
        if (watermark !== undefined) {
          const waiting = settle(this.graph.advance(src.node.id, watermark));
          if (waiting) await waiting;
        }
      }
      return true;
    } finally {
      if (slicer) this.batchesInFlight--;
    }
  }

  private stopInBatch(): false {
    this.stoppedInBatch = true;
    return false;
  }

  private async finish(src: SourceRuntime): Promise<void> {
    src.metrics.ended = true;
    src.metrics.watermark = END_OF_TIME;
    await settle(this.graph.advance(src.node.id, END_OF_TIME));
    await settle(this.graph.end(src.node.id));
  }

  private async close(): Promise<void> {
    await this.sinks.close();
    await this.sideOutputs.close();
    this.state.close();
  }
}
