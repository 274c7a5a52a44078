// Runs a job in-process through crashes: a replayed input in batches, checkpoints at chosen
// batches into an in-memory store, a crash (the reader throws; no clean shutdown, no final
// checkpoint) at chosen points, and a restore from the last checkpoint each time, until the
// input ends. Sinks behave like files (restored to their checkpointed length). Returns what
// the oracle needs: admitted rows and late drops (each once, by provenance seq) and sink output.

import type { Row, Value } from '../../src/catalog/types.js';
import type { ColumnarLayout } from '../../src/state/columnar.js';
import type { SourceReader, SourceRecord, SinkWriter } from '../../src/connectors/connector.js';
import { Job, type CheckpointMeta, type JobOptions } from '../../src/exec/job.js';
import type { LateEvent, Op, RecordRef } from '../../src/exec/operator.js';
import type { PhysicalPlan } from '../../src/plan/physical.js';
import { MemoryCheckpointStore, type CheckpointStore } from '../../src/state/checkpoint.js';
import { planFingerprint } from '../../src/state/fingerprint.js';
import { Catalog } from '../../src/catalog/catalog.js';
import { loadScriptText } from '../../src/cli/load.js';
import { planSinks } from '../../src/plan/job.js';
import { collectingSink } from '../../src/testkit/collect-sink.js';

/** The tests' event source `ev (k, v, d, ts)` with a watermark `delayMs` behind, and `query` as its sink, planned with provenance. */
export function planOverEvents(query: string, delayMs: number): { sql: string; plan: PhysicalPlan } {
  const sql =
    `CREATE SOURCE ev (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delayMs}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE SINK out AS ${query};`;
  const script = loadScriptText(sql, 'spill.sql', process.cwd(), new Catalog());
  return { sql, plan: planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true }) };
}

export interface Event {
  readonly k: string | null;
  readonly v: number | null;
  readonly d: number | null;
  readonly ms: number;
}

class Crash extends Error {}

export interface CrashRunResult {
  readonly sourceRows: Map<number, Row[]>;
  readonly late: LateEvent[];
  readonly sinkOutputs: Map<number, { rows: Row[]; ops: Op[] }>;
  readonly crashes: number;
  readonly restores: number;
}

/**
 * `checkpointAt(n)`: checkpoint after the n-th batch of an attempt; `crashAt[i]`: attempt i
 * crashes after that many batches (attempts past the list run to the end).
 */
export async function runWithCrashes(
  plan: PhysicalPlan,
  events: readonly Event[],
  batchSizes: readonly number[],
  checkpointAt: (batch: number) => boolean,
  crashAt: readonly number[],
  extra: Partial<JobOptions> = {},
  durable?: CheckpointStore | MemoryCheckpointStore,
): Promise<CrashRunResult> {
  const store = durable ?? new MemoryCheckpointStore();
  const fingerprint = planFingerprint(plan);
  const sourceNode = plan.nodes.find((n) => n.kind === 'source')!;
  const refColumn = sourceNode.kind === 'source' ? sourceNode.refColumn! : -1;
  const admitted = new Map<number, Row>();
  const late = new Map<string, LateEvent>();
  const sinks = new Map<number, { rows: Row[]; ops: Op[] }>();
  let crashes = 0;
  let restores = 0;
  for (let attempt = 0; ; attempt++) {
    const last = await store.latest<CheckpointMeta>();
    if (last?.finished) break;
    if (last) restores++;
    const crashAfter = crashAt[attempt];
    let batchesThisRun = 0;
    const job = new Job(plan, {
      ...extra,
      sideOutputs: false,
      checkpoints: { target: store, fingerprint, due: () => checkpointAt(batchesThisRun), ...(last ? { restore: last.checkpoint } : {}) },
      hooks: {
        onSourceRows(_id, rows) {
          for (const r of rows) admitted.set((r[refColumn] as unknown as RecordRef).seq, r);
        },
        onLate(e) {
          late.set(`${e.ref!.seq}@${e.windowStart ?? ''}`, e);
        },
        sourceReader(_node, resume) {
          const from = typeof resume?.['next'] === 'number' ? resume['next'] : 0;
          let next = from;
          const reader: SourceReader = {
            bounded: true,
            position: () => ({ next }),
            async run(emit) {
              let i = from;
              let b = 0;
              while (i < events.length) {
                if (crashAfter !== undefined && batchesThisRun >= crashAfter) throw new Crash('crash');
                const n = batchSizes[b++ % batchSizes.length]!;
                const batch: SourceRecord[] = events.slice(i, i + n).map((e, j) => ({ value: { k: e.k, v: e.v, d: e.d, ts: e.ms }, position: { index: i + j } }));
                i += batch.length;
                next = i;
                batchesThisRun++;
                await emit(batch);
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
  const rows = [...admitted.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  return { sourceRows: new Map([[sourceNode.id, rows]]), late: [...late.values()], sinkOutputs: sinks, crashes, restores };
}

/** A columnar window value of one count per key (state/columnar.ts), merged by SQL as any_value of the key and a sum. */
export interface Counted {
  keyValues: Value[];
  n: number;
}
export const counted: ColumnarLayout<Counted> = {
  width: 1,
  keyColumns: 1,
  numericKey: true,
  init: (d, at) => void (d[at] = 0),
  toValue: (keyValues, d, at) => ({ keyValues, n: d[at]! }),
  fromValue: (v, d, at) => void (d[at] = v.n),
  keyValues: (v) => v.keyValues,
  mergeSql: (v) => [...v.keyValues.filter((k) => typeof k === 'number').map(() => 'any_value' as const), 'sum'],
};
