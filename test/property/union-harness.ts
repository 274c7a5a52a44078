// Runs a job of several sources in-process on a fixed schedule of batches (source a's next 3
// rows, then b's next 5, ...), through crashes and restores like test/state/harness.ts: each
// reader waits for its turn, so the interleaving of the inputs, and with it which rows a
// UNION ALL's minimum watermark makes late, is the schedule's and can be stated independently
// (expectedUnionLate). Every reader holds its end until the whole schedule has run, so no input
// ends early. Returns what the oracle needs: admitted rows per source, late drops, sink output.

import type { Row } from '../../src/catalog/types.js';
import type { SinkWriter, SourceReader, SourceRecord } from '../../src/connectors/connector.js';
import { Job, type CheckpointMeta, type JobOptions } from '../../src/exec/job.js';
import type { LateEvent, Op, RecordRef } from '../../src/exec/operator.js';
import type { PhysicalPlan } from '../../src/plan/physical.js';
import { MemoryCheckpointStore, type CheckpointStore } from '../../src/state/checkpoint.js';
import { planFingerprint } from '../../src/state/fingerprint.js';
import type { Event } from './events.js';
import { collectingSink } from '../../src/testkit/collect-sink.js';

/** One batch: the next `size` events of `source`. */
export interface Step {
  readonly source: string;
  readonly size: number;
}

class Crash extends Error {}

export interface ScheduledRunResult {
  readonly sourceRows: Map<number, Row[]>;
  readonly late: LateEvent[];
  readonly sinkOutputs: Map<number, { rows: Row[]; ops: Op[] }>;
  readonly crashes: number;
  readonly restores: number;
  /** Every checkpoint's per-node input watermarks (marks), in the order written. */
  readonly marks: Array<CheckpointMeta['nodes']>;
}

/** The schedule's steps with each one's first event index within its source. */
function offsets(schedule: readonly Step[], inputs: Readonly<Record<string, readonly Event[]>>): Array<Step & { from: number }> {
  const at = new Map<string, number>();
  const out: Array<Step & { from: number }> = [];
  for (const s of schedule) {
    const from = at.get(s.source) ?? 0;
    const total = inputs[s.source]?.length ?? 0;
    if (from >= total) continue;
    const size = Math.min(s.size, total - from);
    out.push({ source: s.source, size, from });
    at.set(s.source, from + size);
  }
  return out;
}

/**
 * A schedule over `inputs` from random batch sizes and a random order of turns: each turn goes
 * to the source picked by `turns[i] % sources`, skipping sources already drained.
 */
export function makeSchedule(inputs: Readonly<Record<string, readonly Event[]>>, sizes: readonly number[], turns: readonly number[]): Step[] {
  const names = Object.keys(inputs);
  const left = new Map(names.map((n) => [n, inputs[n]!.length]));
  const out: Step[] = [];
  for (let i = 0; [...left.values()].some((n) => n > 0); i++) {
    const open = names.filter((n) => left.get(n)! > 0);
    const source = open[(turns[i % Math.max(1, turns.length)] ?? 0) % open.length]!;
    const size = Math.min(sizes[i % sizes.length]!, left.get(source)!);
    out.push({ source, size });
    left.set(source, left.get(source)! - size);
  }
  return out;
}

/** Whose turn it is: readers wait here for their next step of the schedule. */
class Turns {
  private at = 0;
  private readonly waiting = new Map<string, () => void>();
  constructor(private readonly steps: ReadonlyArray<Step & { from: number }>) {}

  async next(source: string): Promise<(Step & { from: number }) | undefined> {
    for (;;) {
      const step = this.steps[this.at];
      if (step === undefined) return undefined;
      if (step.source === source) return step;
      await new Promise<void>((resolve) => this.waiting.set(source, resolve));
    }
  }

  done(): void {
    this.at++;
    const next = this.steps[this.at];
    for (const [source, wake] of [...this.waiting]) {
      if (next === undefined || next.source === source) {
        this.waiting.delete(source);
        wake();
      }
    }
  }
}

export async function runScheduled(
  plan: PhysicalPlan,
  inputs: Readonly<Record<string, readonly Event[]>>,
  schedule: readonly Step[],
  checkpointAt: (batch: number) => boolean,
  crashAt: readonly number[],
  extra: Partial<JobOptions> = {},
  durable?: CheckpointStore | MemoryCheckpointStore,
): Promise<ScheduledRunResult> {
  const store = durable ?? new MemoryCheckpointStore();
  const fingerprint = planFingerprint(plan);
  const steps = offsets(schedule, inputs);
  const sourceNodes = plan.nodes.flatMap((n) => (n.kind === 'source' ? [n] : []));
  const admitted = new Map<number, Map<number, Row>>(sourceNodes.map((n) => [n.id, new Map()]));
  const late = new Map<string, LateEvent>();
  const sinks = new Map<number, { rows: Row[]; ops: Op[] }>();
  const marks: Array<CheckpointMeta['nodes']> = [];
  let crashes = 0;
  let restores = 0;
  for (let attempt = 0; ; attempt++) {
    const last = await store.latest<CheckpointMeta>();
    if (last?.finished) break;
    if (last) restores++;
    const crashAfter = crashAt[attempt];
    let batchesThisRun = 0;
    // Where each reader resumes; the turns are the steps not yet read, once every reader is open.
    const resumeAt = new Map<string, number>();
    let turns: Turns | undefined;
    const turnsOf = (): Turns => (turns ??= new Turns(steps.filter((s) => s.from >= (resumeAt.get(s.source) ?? 0))));
    const job = new Job(plan, {
      ...extra,
      sideOutputs: false,
      checkpoints: {
        target: {
          write: async (c, finished) => {
            marks.push((c.meta as CheckpointMeta).nodes);
            return store.write(c, finished);
          },
          ...('openSpill' in store ? { openSpill: (limit: number) => store.openSpill(limit) } : {}),
        },
        fingerprint,
        due: () => checkpointAt(batchesThisRun),
        ...(last ? { restore: last.checkpoint } : {}),
      },
      hooks: {
        onSourceRows(id, rows) {
          const node = sourceNodes.find((n) => n.id === id)!;
          for (const r of rows) admitted.get(id)!.set((r[node.refColumn!] as unknown as RecordRef).seq, r);
        },
        onLate(e) {
          late.set(`${e.ref!.source}:${e.ref!.seq}@${e.windowStart ?? ''}`, e);
        },
        sourceReader(node, resume) {
          const name = node.source.name;
          const events = inputs[name] ?? [];
          const from = typeof resume?.['next'] === 'number' ? resume['next'] : 0;
          resumeAt.set(name, from);
          let next = from;
          const reader: SourceReader = {
            bounded: true,
            position: () => ({ next }),
            async run(emit) {
              for (;;) {
                const step = await turnsOf().next(name);
                if (step === undefined) return;
                if (crashAfter !== undefined && batchesThisRun >= crashAfter) throw new Crash('crash');
                const batch: SourceRecord[] = events.slice(step.from, step.from + step.size).map((e, j) => ({ value: { k: e.k, v: e.v, d: e.d, ts: e.ms }, position: { index: step.from + j }, ...(e.tomb ? { tombstone: true } : {}) }));
                next = step.from + step.size;
                batchesThisRun++;
                await emit(batch);
                turnsOf().done();
              }
            },
          };
          return reader;
        },
        sinkWriter: (node, _columns, _changelog, resume) => collectingSink(sinks, node.id, resume),
      },
    });
    try {
      await job.run();
      break;
    } catch (e) {
      if (!(e instanceof Crash)) throw e;
      crashes++;
    }
    if (attempt > 1000) throw new Error('no progress');
  }
  for (const id of plan.sinks) if (!sinks.has(id)) sinks.set(id, { rows: [], ops: [] });
  const sourceRows = new Map<number, Row[]>();
  for (const [id, rows] of admitted) sourceRows.set(id, [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r));
  return { sourceRows, late: [...late.values()], sinkOutputs: sinks, crashes, restores, marks };
}

export type UnionWindow = { readonly kind: 'tumble'; readonly size: number } | { readonly kind: 'hop'; readonly slide: number; readonly size: number };

/**
 * Which rows a window after a UNION ALL drops as late, by brute force over the schedule, from
 * the rules as the README states them: each source's watermark is its largest event time so far
 * minus its delay (-inf before its first row), and the union's is the minimum over its inputs;
 * a row is late for a window whose end that minimum has reached when the row arrives. `branches`:
 * per branch, the source it reads and which rows pass its WHERE. Keys `source:seq` (whole row)
 * or `source:seq@windowStartMs` (one HOP window), sorted, each once.
 */
export function expectedUnionLate(
  inputs: Readonly<Record<string, readonly Event[]>>,
  delays: Readonly<Record<string, number>>,
  schedule: readonly Step[],
  branches: ReadonlyArray<{ readonly source: string; readonly passes: (e: Event) => boolean }>,
  window: UnionWindow,
): string[] {
  const wm = new Map<string, number>(Object.keys(inputs).map((s) => [s, Number.NEGATIVE_INFINITY]));
  const maxTs = new Map<string, number>(Object.keys(inputs).map((s) => [s, Number.NEGATIVE_INFINITY]));
  const out = new Set<string>();
  const floor = (t: number, s: number): number => Math.floor(t / s) * s;
  for (const step of offsets(schedule, inputs)) {
    const events = inputs[step.source]!;
    for (let seq = step.from; seq < step.from + step.size; seq++) {
      const e = events[seq]!;
      // Every branch's input watermark: its source's, as of the rows before this one.
      const union = Math.min(...branches.map((b) => wm.get(b.source)!));
      for (const b of branches) {
        if (b.source !== step.source || !b.passes(e)) continue;
        if (window.kind === 'tumble') {
          if (floor(e.ms, window.size) + window.size <= union) out.add(`${step.source}:${seq}`);
        } else {
          for (let s = floor(e.ms, window.slide); s > e.ms - window.size; s -= window.slide) {
            if (s + window.size <= union) out.add(`${step.source}:${seq}@${s}`);
          }
        }
      }
      const m = Math.max(maxTs.get(step.source)!, e.ms);
      maxTs.set(step.source, m);
      wm.set(step.source, m - delays[step.source]!);
    }
  }
  return [...out].sort();
}

/** The engine's late drops in expectedUnionLate's form. */
export function unionLateKeys(late: readonly LateEvent[]): string[] {
  return [...new Set(late.map((l) => `${l.ref!.source}:${l.ref!.seq}${l.windowStart === undefined ? '' : `@${l.windowStart / 1000}`}`))].sort();
}
