// Runs a job in-process over generated streams on a fixed schedule of batches (source a's next
// 3 records, then b's next 5, ...): each in-memory reader waits for its turn, so the
// interleaving of the inputs is the schedule's and can be restated independently (late-rule.ts).
// Optionally through checkpoints, crashes and restores (sinks roll back like files), or under a
// 1-byte state budget (every table spills to DuckDB). Returns what the checks need: admitted
// rows per source node, late drops, dead letters and each sink's output.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Row } from '../../catalog/types.js';
import type { Op } from '../../catalog/batch.js';
import type { SinkWriter, SourceReader, SourceRecord } from '../../connectors/connector.js';
import { Job, type CheckpointMeta, type JobOptions } from '../../exec/job.js';
import type { LateEvent, RecordRef } from '../../exec/operator.js';
import type { PhysicalPlan } from '../../plan/physical.js';
import { MemoryCheckpointStore } from '../../state/checkpoint.js';
import { planFingerprint } from '../../state/fingerprint.js';
import type { Item } from './arbitrary.js';

/** One batch: the next `size` records of `source`, starting at its record `from`. */
export interface Step {
  readonly source: string;
  readonly size: number;
  readonly from: number;
}

/** Batches from sizes (cycled) and turns (cycled; a turn picks among the sources not yet drained). */
export function makeSchedule(streams: Readonly<Record<string, readonly Item[]>>, sizes: readonly number[], turns: readonly number[]): Step[] {
  const names = Object.keys(streams);
  const at = new Map(names.map((n) => [n, 0]));
  const out: Step[] = [];
  for (let i = 0; ; i++) {
    const open = names.filter((n) => at.get(n)! < streams[n]!.length);
    if (open.length === 0) return out;
    const source = open[(turns[i % Math.max(1, turns.length)] ?? 0) % open.length]!;
    const from = at.get(source)!;
    const size = Math.min(Math.max(1, sizes[i % Math.max(1, sizes.length)] ?? 1), streams[source]!.length - from);
    out.push({ source, size, from });
    at.set(source, from + size);
  }
}

/**
 * The same arrival order in other batches: each run of consecutive records of one source is cut
 * by `sizes` (cycled) instead, so no record overtakes another source's (which would change what
 * a union's or a join's watermark makes late); only the batch bounds move.
 */
export function rebatch(schedule: readonly Step[], sizes: readonly number[]): Step[] {
  const out: Step[] = [];
  let k = 0;
  for (let i = 0; i < schedule.length; ) {
    const source = schedule[i]!.source;
    const from = schedule[i]!.from;
    let end = from;
    while (i < schedule.length && schedule[i]!.source === source && schedule[i]!.from === end) end += schedule[i++]!.size;
    for (let at = from; at < end; ) {
      const size = Math.min(Math.max(1, sizes[k++ % Math.max(1, sizes.length)] ?? 1), end - at);
      out.push({ source, from: at, size });
      at += size;
    }
  }
  return out;
}

export interface DeadLetter {
  readonly source: string;
  /** The record's index in its source's stream. */
  readonly index: number;
  readonly reason: string;
}

export interface RunResult {
  readonly sourceRows: Map<number, Row[]>;
  /** Every admitted row in the order the sources delivered them (source node id, row); of the last attempt's rows after a restore. */
  readonly arrival: Array<readonly [number, Row]>;
  readonly late: LateEvent[];
  readonly deadLetters: DeadLetter[];
  readonly sinkOutputs: Map<number, { rows: Row[]; ops: Op[] }>;
  readonly crashes: number;
}

export interface RunOptions {
  /** Checkpoint after every n-th batch of an attempt; attempt i crashes after crashAt[i] batches. */
  readonly restore?: { readonly checkpointEvery: number; readonly crashAt: readonly number[] };
  /** A 1-byte state budget: every state table spills to the DuckDB tier. */
  readonly budget?: boolean;
  readonly signal?: AbortSignal;
}

class Crash extends Error {}

/** Whose turn it is: readers wait here for their next step. */
class Turns {
  private at = 0;
  private readonly waiting = new Map<string, () => void>();
  constructor(private readonly steps: readonly Step[]) {}

  async next(source: string): Promise<Step | undefined> {
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

/** A record as the source reads it: a row as one JSON line, a malformed record as its text. */
export function recordText(item: Item): string {
  return item.kind === 'row' ? JSON.stringify(item.values) : item.text;
}

export async function runScheduled(plan: PhysicalPlan, streams: Readonly<Record<string, readonly Item[]>>, schedule: readonly Step[], options: RunOptions = {}): Promise<RunResult> {
  const store = new MemoryCheckpointStore();
  const fingerprint = planFingerprint(plan);
  const sourceNodes = plan.nodes.flatMap((n) => (n.kind === 'source' ? [n] : []));
  const admitted = new Map<number, Map<number, Row>>(sourceNodes.map((n) => [n.id, new Map()]));
  const arrival: Array<readonly [number, Row]> = [];
  const late = new Map<string, LateEvent>();
  const dead = new Map<string, DeadLetter>();
  const sinks = new Map<number, { rows: Row[]; ops: Op[] }>();
  const texts = Object.fromEntries(Object.entries(streams).map(([k, items]) => [k, items.map(recordText)]));
  const dir = options.budget ? fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-generate-')) : undefined;
  const restore = options.restore;
  let crashes = 0;
  try {
    for (let attempt = 0; ; attempt++) {
      const last = await store.latest<CheckpointMeta>();
      if (last?.finished) break;
      const crashAfter = restore?.crashAt[attempt];
      let batches = 0;
      const resumeAt = new Map<string, number>();
      let turns: Turns | undefined;
      const turnsOf = (): Turns => (turns ??= new Turns(schedule.filter((s) => s.from >= (resumeAt.get(s.source) ?? 0))));
      const jobOptions: JobOptions = {
        sideOutputs: false,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(dir ? { stateMemory: { bytes: 1, dir } } : {}),
        ...(restore ? { checkpoints: { target: store, fingerprint, due: () => batches % restore.checkpointEvery === 0, ...(last ? { restore: last.checkpoint } : {}) } } : {}),
        hooks: {
          onSourceRows(id, rows) {
            const node = sourceNodes.find((n) => n.id === id)!;
            for (const r of rows) {
              admitted.get(id)!.set((r[node.refColumn!] as unknown as RecordRef).seq, r);
              arrival.push([id, r]);
            }
          },
          onLate(e) {
            late.set(`${e.ref!.source}:${e.ref!.seq}@${e.windowStart ?? ''}:${e.operator}`, e);
          },
          onDeadLetter(d) {
            dead.set(`${d.source}:${d.position['index']}`, { source: d.source, index: Number(d.position['index']), reason: d.reason });
          },
          sourceReader(node, resume) {
            const name = node.source.name;
            const records = texts[name] ?? [];
            const from = typeof resume?.['next'] === 'number' ? resume['next'] : 0;
            resumeAt.set(name, from);
            let next = from;
            const reader: SourceReader = {
              bounded: true,
              position: () => ({ next }),
              async run(emit, signal) {
                for (;;) {
                  if (signal.aborted) return;
                  const step = await turnsOf().next(name);
                  if (step === undefined) return;
                  if (crashAfter !== undefined && batches >= crashAfter) throw new Crash('crash');
                  const batch: SourceRecord[] = records.slice(step.from, step.from + step.size).map((value, j) => ({ value, position: { index: step.from + j } }));
                  next = step.from + step.size;
                  batches++;
                  await emit(batch);
                  turnsOf().done();
                }
              },
            };
            return reader;
          },
          sinkWriter(node, _columns, _changelog, resume) {
            let out = sinks.get(node.id);
            if (!out) sinks.set(node.id, (out = { rows: [], ops: [] }));
            // Like a file sink: roll back what was written after the checkpoint.
            const keep = typeof resume?.['rows'] === 'number' ? resume['rows'] : 0;
            out.rows.length = keep;
            out.ops.length = keep;
            const o = out;
            const writer: SinkWriter = {
              write(batch) {
                for (let i = 0; i < batch.rows.length; i++) {
                  o.rows.push(batch.rows[i]!);
                  o.ops.push(batch.ops ? batch.ops[i]! : (0 as Op));
                }
              },
              flush: async () => {},
              close: async () => {},
              position: () => ({ rows: o.rows.length }),
            };
            return writer;
          },
        },
      };
      try {
        await new Job(plan, jobOptions).run();
        break;
      } catch (e) {
        if (!(e instanceof Crash)) throw e;
        crashes++;
      }
      if (!restore || attempt > 1000) throw new Error('generated run: no progress after a crash');
    }
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const id of plan.sinks) if (!sinks.has(id)) sinks.set(id, { rows: [], ops: [] });
  const sourceRows = new Map<number, Row[]>();
  for (const [id, rows] of admitted) sourceRows.set(id, [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r));
  return { sourceRows, arrival, late: [...late.values()], deadLetters: [...dead.values()], sinkOutputs: sinks, crashes };
}
