// Checkpoints of a running job: when one is due, the barrier and snapshot (state tables, source
// positions, watermarks, sink and side-output lengths), flushing and syncing outputs before it is
// written, the exactly-once sink hooks (prepare at the barrier, commit once durable, recover on
// restart), and restoring the runner's part. Between two source batches the graph is quiescent,
// so a snapshot taken there is consistent. The fault-injection hook is state/checkpoint.ts's.

import type { PhysicalPlan, SourceNode } from '../plan/physical.js';
import type { CheckpointSource, ResumePosition, SinkPosition } from '../connectors/connector.js';
import type { CheckpointStats, CheckpointTarget, JobCheckpoint } from '../state/checkpoint.js';
import { rerunWatermark } from './time.js';
import { startupMark } from '../util/startup-marks.js';
import type { SourceRuntime, SourceRuntimeState } from './source-runtime.js';
import type { Graph } from './graph.js';
import type { JobState } from './job-state.js';
import type { SideOutputs } from './side-outputs.js';
import type { SinkRuntime, Sinks } from './sink-runtime.js';

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
  /**
   * Starting over from the beginning of the inputs (`--fresh`): dead-letter and late files are
   * written again from the start, as file sinks are, instead of appended to (which a resumed or
   * --from-committed-offsets run does: their earlier records stay true).
   */
  readonly fresh?: boolean;
  readonly onCheckpoint?: (stats: CheckpointStats) => void;
}

export const DEFAULT_CHECKPOINT_INTERVAL_MS = 10_000;

/** A checkpoint in which every source had ended: the watermark a new run over it starts from. */
export function rerunOf(plan: PhysicalPlan, meta: CheckpointMeta): { watermark: number } | undefined {
  if (meta.sources.length === 0 || !meta.sources.every((s) => s.ended)) return undefined;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of meta.sources) max = Math.max(max, s.runtime.maxEventTime);
  const windows = plan.nodes.flatMap((n) => (n.kind === 'windowAgg' || n.kind === 'sessionAgg' || n.kind === 'windowExpand' ? [n.window] : []));
  return { watermark: rerunWatermark(max, windows) };
}

/** The parts of a job a checkpoint reads and restores. */
export interface CheckpointedJob {
  readonly plan: PhysicalPlan;
  readonly graph: Graph;
  readonly state: JobState;
  readonly sources: readonly SourceRuntime[];
  readonly sinks: Sinks;
  readonly sideOutputs: SideOutputs;
  /** Every source has ended. */
  readonly finished: () => boolean;
}

export class Checkpointer {
  private checkpointId: number;
  private nextAt = 0;
  private running: Promise<void> | undefined;
  /** A fresh run's first checkpoint while its persist is under way (it touches the state store). */
  private persistingFirst: Promise<void> | undefined;
  /** Set by halt(): a first checkpoint not yet begun is never written. */
  private halted = false;
  /** The last checkpoint written by this run, with the time of its barrier. */
  last: (CheckpointStats & { readonly createdAt: number }) | undefined;

  constructor(
    private readonly options: CheckpointOptions,
    private readonly job: CheckpointedJob,
  ) {
    this.checkpointId = options.restore?.id ?? 0;
  }

  /**
   * Before any source reads: restores the checkpoint to start from, or takes the barrier and
   * snapshot of a fresh run's first one. Resolves with the promise of that first checkpoint being
   * durable (and committed by transactional sinks), so that sources may connect, join their
   * groups, fetch and, where Job.run allows it, feed the graph while it is written. `positions`:
   * the sources' start positions are known (a Kafka source's offset look-ups), so that the first
   * checkpoint pins them (startup = 'latest' resumes where the first run started, not at the
   * latest offsets of the restart); `begin`: when to write it (Job.run: once the first batch has
   * entered the graph, so that loading DuckDB is off the way to the first record).
   * (Wrapped in an object: an async function returning the promise itself would wait for it.)
   */
  async start(
    rerun: { readonly watermark: number } | undefined,
    first: { readonly positions?: Promise<unknown>; readonly begin?: Promise<void> } = {},
  ): Promise<{ durable: Promise<void> }> {
    const c = this.options.restore;
    if (c) {
      await this.restore(c, rerun);
      // Transactional sinks commit the restored checkpoint's output if it never was.
      for (const s of this.job.sinks.all) if (s.writer.recover) await s.writer.recover(this.checkpointSources(c.meta, s));
      this.nextAt = Date.now() + (this.options.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS);
      return { durable: Promise.resolve() };
    }
    await first.positions;
    // A crash before the first periodic checkpoint then rolls back to the side outputs'
    // starting lengths instead of appending to them again.
    const snapshot = await this.barrier();
    this.nextAt = Date.now() + (this.options.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS);
    const written = (async () => {
      await first.begin;
      if (this.halted) throw new Error('the job stopped before its first checkpoint was written');
      // WHY no positions to commit: they are where the sources start, and nothing was sent in
      // its transaction (output written meanwhile is sent after it), so an exactly-once sink
      // would run a Kafka transaction of offsets alone on every start, for nothing.
      const persisting = this.persist(snapshot, false, false);
      this.persistingFirst = persisting;
      try {
        await persisting;
      } finally {
        this.persistingFirst = undefined;
      }
    })();
    this.running = written;
    const durable = written.finally(() => {
      if (this.running === written) this.running = undefined;
    });
    // Observed here too: a job whose sources read nothing still fails on it (Job.run awaits it).
    durable.catch(() => {});
    return { durable };
  }

  /**
   * A failing job, before it closes its state store: a first checkpoint not begun is never
   * written, and one being written is waited for. WARNING: closing DuckDB under a query still
   * running on it corrupts the process's memory (the property tests' crashes aborted in malloc).
   */
  async halt(): Promise<void> {
    this.halted = true;
    await this.persistingFirst?.catch(() => {});
  }

  due(): boolean {
    if (this.job.sinks.all.some((s) => s.writer.checkpointWanted?.() === true)) return true;
    if (this.options.due) return this.options.due();
    return Date.now() >= this.nextAt;
  }

  /**
   * Barrier and snapshot, synchronously (so consistent), then flush every output so the recorded
   * lengths are on the OS, then commit. One at a time: a source finding one under way skips.
   */
  async checkpoint(final: boolean): Promise<void> {
    if (this.running) {
      await this.running;
      if (!final) return;
    }
    this.running = this.take(final);
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async take(final: boolean): Promise<void> {
    await this.persist(await this.barrier(), final);
  }

  /** The barrier and snapshot, consistent: between two batches (serial with them under a budget). */
  private barrier(): Promise<JobCheckpoint<CheckpointMeta>> {
    const { graph, state } = this.job;
    return state.serial(async (): Promise<JobCheckpoint<CheckpointMeta>> => {
      const id = ++this.checkpointId;
      const spilled = await state.stage(id);
      graph.barrier(id);
      return { id, createdAt: Date.now(), fingerprint: this.options.fingerprint, meta: this.meta(), tables: state.snapshot(spilled) };
    });
  }

  /** Flushes and syncs the outputs, writes the snapshot, then lets transactional sinks commit it. */
  private async persist(snapshot: JobCheckpoint<CheckpointMeta>, final: boolean, commitPositions = true): Promise<void> {
    const { sinks, sideOutputs } = this.job;
    await sinks.flush();
    await sideOutputs.flush();
    // WARNING: the lengths the checkpoint records must be on the disk before it is (else an OS crash cuts the files short of them).
    await Promise.all([...sinks.all.map((s) => s.writer.sync?.()), ...sideOutputs.syncs()]);
    const stats = await this.options.target.write(snapshot, final && this.job.finished());
    startupMark('first checkpoint written');
    // Transactional sinks commit the output sealed at the barrier once the checkpoint holding it is durable.
    for (const s of sinks.all) if (s.writer.commitCheckpoint) await s.writer.commitCheckpoint(snapshot.id, this.checkpointSources(snapshot.meta, s, commitPositions));
    this.last = { ...stats, createdAt: snapshot.createdAt };
    this.nextAt = Date.now() + (this.options.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS);
    this.options.onCheckpoint?.(stats);
  }

  private meta(): CheckpointMeta {
    const sinks: Array<{ node: number; position: SinkPosition }> = [];
    for (const s of this.job.sinks.all) {
      const w = s.writer;
      const p = w.prepareCheckpoint ? w.prepareCheckpoint(this.checkpointId) : w.position?.();
      if (p !== undefined) sinks.push({ node: s.node.id, position: p });
    }
    return {
      sources: this.job.sources.map((s) => ({ node: s.node.id, position: s.reader?.position?.() ?? null, ended: s.metrics.ended, runtime: s.saveState() })),
      sinks,
      sideOutputs: this.job.sideOutputs.positions(),
      nodes: this.job.graph.marks(),
    };
  }

  /** The sources upstream of a sink with their positions in a checkpoint. */
  private checkpointSources(meta: CheckpointMeta, sink: SinkRuntime, positions = true): CheckpointSource[] {
    return sink.upstreamSources.map((id) => {
      const node = this.job.plan.nodes[id] as SourceNode;
      return { def: node.source, position: (positions && meta.sources.find((s) => s.node === id)?.position) || null };
    });
  }

  /** Puts back what a checkpoint saved; sinks and side outputs were already cut back when opened. */
  private async restore(c: JobCheckpoint<CheckpointMeta>, rerun: { readonly watermark: number } | undefined): Promise<void> {
    await this.job.state.restore(c);
    for (const s of c.meta.sources) {
      const src = this.job.sources.find((x) => x.node.id === s.node);
      src?.restoreState(s.runtime);
      if (src && rerun) src.metrics.watermark = rerun.watermark;
    }
    this.job.graph.restoreMarks(c.meta.nodes, rerun?.watermark);
  }
}
