// Runs a job in-process over generated streams on a fixed schedule of batches (source a's next
// 3 records, then b's next 5, ...): each in-memory reader waits for its turn, so the
// interleaving of the inputs is the schedule's and can be restated independently (late-rule.ts).
// Optionally through checkpoints, crashes and restores (sinks roll back like files), or under a
// 1-byte state budget (every table spills to DuckDB). Records reach the engine through the
// fixture cases' feed (reader.ts EntryFeed: Kafka partitions, keys, watermark steps, idle
// markers). Returns what the checks need: admitted rows per source node, what arrived in which
// order (with partitions and steps), late drops, dead letters and each sink's output.

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
import { EntryFeed } from '../reader.js';
import { isKafkaDef } from '../load-inputs.js';
import { entryOf, isRecord } from './entries.js';
import { collectingSink } from '../collect-sink.js';

export { recordText } from './entries.js';

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

/**
 * What reached a source, in order: an admitted row (with its Kafka partition), a watermark step
 * (the watermark it states, µs), an idle marker, or the partitions a partitioned source was
 * given at its start. `partition` undefined: every partition of the source.
 */
export type Arrived =
  | { readonly kind: 'row'; readonly source: number; readonly row: Row; readonly partition: number | undefined }
  | { readonly kind: 'watermark'; readonly source: number; readonly micros: number; readonly partition: number | undefined }
  | { readonly kind: 'idle'; readonly source: number; readonly partition: number | undefined }
  | { readonly kind: 'assign'; readonly source: number; readonly partitions: readonly number[] };

export interface RunResult {
  readonly sourceRows: Map<number, Row[]>;
  /** Every admitted row, step and marker in the order the sources delivered them; of every attempt after a restore. */
  readonly arrival: Arrived[];
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

export async function runScheduled(plan: PhysicalPlan, streams: Readonly<Record<string, readonly Item[]>>, schedule: readonly Step[], options: RunOptions = {}): Promise<RunResult> {
  const store = new MemoryCheckpointStore();
  const fingerprint = planFingerprint(plan);
  const sourceNodes = plan.nodes.flatMap((n) => (n.kind === 'source' ? [n] : []));
  const admitted = new Map<number, Map<number, Row>>(sourceNodes.map((n) => [n.id, new Map()]));
  const arrival: Arrived[] = [];
  const late = new Map<string, LateEvent>();
  const dead = new Map<string, DeadLetter>();
  const sinks = new Map<number, { rows: Row[]; ops: Op[] }>();
  const entries = Object.fromEntries(Object.entries(streams).map(([k, items]) => [k, items.map((it, i) => entryOf(it, k, i))]));
  // Kafka records: item index by partition and offset (a dead letter's position), and the offsets a resumed run starts from.
  const offsets = Object.fromEntries(Object.entries(entries).map(([k, es]) => [k, kafkaOffsets(es)]));
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
      // A source resumes where its checkpoint left it, which can be inside a step (before a watermark step or an idle marker).
      const turnsOf = (): Turns => (turns ??= new Turns(schedule.flatMap((s) => {
        const at = resumeAt.get(s.source) ?? 0;
        return s.from + s.size <= at ? [] : [s.from >= at ? s : { source: s.source, from: at, size: s.from + s.size - at }];
      })));
      const jobOptions: JobOptions = {
        sideOutputs: false,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(dir ? { stateMemory: { bytes: 1, dir } } : {}),
        ...(restore ? { checkpoints: { target: store, fingerprint, due: () => batches % restore.checkpointEvery === 0, ...(last ? { restore: last.checkpoint } : {}) } } : {}),
        hooks: {
          onSourceRows(id, rows) {
            const node = sourceNodes.find((n) => n.id === id)!;
            for (const r of rows) {
              const ref = r[node.refColumn!] as unknown as RecordRef;
              admitted.get(id)!.set(ref.seq, r);
              const part = ref.position['partition'];
              arrival.push({ kind: 'row', source: id, row: r, partition: typeof part === 'number' ? part : undefined });
            }
          },
          onLate(e) {
            // A drop without provenance (an operator whose input carries no $ref) is kept too, by its times.
            late.set(e.ref ? `${e.ref.source}:${e.ref.seq}@${e.windowStart ?? ''}:${e.operator}` : `?${e.eventTime}@${e.windowStart ?? ''}:${e.operator}:${late.size}`, e);
          },
          onDeadLetter(d) {
            const index = d.position['index'] ?? offsets[d.source]?.index.get(`${d.position['partition']}:${d.position['offset']}`);
            dead.set(`${d.source}:${index}`, { source: d.source, index: Number(index), reason: d.reason });
          },
          sourceReader(node, resume) {
            const name = node.source.name;
            const items = streams[name] ?? [];
            const es = entries[name] ?? [];
            const feed = new EntryFeed(node.source, es, isKafkaDef(node.source), node.watermark?.delayMicros ?? 0);
            const from = typeof resume?.['next'] === 'number' ? resume['next'] : 0;
            resumeAt.set(name, from);
            for (const [p, o] of offsets[name]?.before(from) ?? []) feed.setOffset(p, o);
            let next = from;
            const reader: SourceReader = {
              bounded: true,
              position: () => ({ next }),
              ...(feed.watchPartitions ? { watchPartitions: feed.watchPartitions } : {}),
              ...(feed.decoder ? { decoder: feed.decoder } : {}),
              async run(emit, signal) {
                feed.start();
                if (feed.watchPartitions) arrival.push({ kind: 'assign', source: node.id, partitions: feed.partitions });
                // Idleness is not checkpointed (it is the wall clock's): after a restore the idle timeout fires again.
                const idle = idleAt(items, from);
                for (const p of idle) feed.records({ kind: 'idle', partition: p, origin: { file: name, line: from } }, { index: from });
                if (idle.length > 0) await emit([]);
                for (;;) {
                  if (signal.aborted) return;
                  const step = await turnsOf().next(name);
                  if (step === undefined) return;
                  if (crashAfter !== undefined && batches >= crashAfter) throw new Crash('crash');
                  batches++;
                  // Records go in one batch; a watermark step or an idle marker ends it, so the
                  // rows before it are admitted first, and is handed over on its own.
                  let batch: SourceRecord[] = [];
                  for (let i = step.from; i < step.from + step.size; i++) {
                    const item = items[i]!;
                    if (isRecord(item)) {
                      batch.push(...feed.records(es[i]!, { index: i }));
                      continue;
                    }
                    if (batch.length > 0) {
                      next = i;
                      await emit(batch);
                      batch = [];
                    }
                    next = i + 1;
                    if (item.kind === 'watermark') arrival.push({ kind: 'watermark', source: node.id, micros: item.ms * 1000, partition: item.partition });
                    else if (item.kind === 'idle') arrival.push({ kind: 'idle', source: node.id, partition: item.partition });
                    await emit(feed.records(es[i]!, { index: i }));
                  }
                  next = step.from + step.size;
                  if (batch.length > 0) await emit(batch);
                  turnsOf().done();
                }
              },
            };
            return reader;
          },
          sinkWriter: (node, _columns, _changelog, resume) => collectingSink(sinks, node.id, resume),
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

/** Kafka records of a stream: each one's item index by `partition:offset`, and the next offset of each partition before item `from`. */
function kafkaOffsets(entries: ReturnType<typeof entryOf>[]): { index: Map<string, number>; before: (from: number) => Map<number, number> } {
  const index = new Map<string, number>();
  const at: Array<readonly [number, number]> = [];
  const next = new Map<number, number>();
  entries.forEach((e, i) => {
    if (e.kind !== 'row' || e.partition === undefined) return;
    const o = next.get(e.partition) ?? 0;
    next.set(e.partition, o + 1);
    index.set(`${e.partition}:${o}`, i);
    at.push([i, e.partition]);
  });
  const before = (from: number): Map<number, number> => {
    const m = new Map<number, number>();
    for (const [i, p] of at) if (i < from) m.set(p, (m.get(p) ?? 0) + 1);
    return m;
  };
  return { index, before };
}

/** The partitions idle just before item `from`: named by an idle marker and not heard from since. */
function idleAt(items: readonly Item[], from: number): number[] {
  const idle = new Set<number>();
  for (let i = 0; i < from; i++) {
    const it = items[i]!;
    if (it.kind === 'idle') idle.add(it.partition);
    else if (it.kind === 'watermark') {
      if (it.partition === undefined) idle.clear();
      else idle.delete(it.partition);
    } else if (it.kind === 'row' && it.kafka) idle.delete(it.kafka.partition); // a dead letter does not wake its partition
  }
  return [...idle].sort((a, b) => a - b);
}
