// Side outputs: each source's `dead_letter` and `late` targets (the connector's own output, a
// Kafka topic, else a JSON-lines file cut back to its checkpointed length), routing the rows an
// operator kept out (late) to their source's, and the exactly-once joining of a sink's transaction.

import * as path from 'node:path';
import type { PhysicalPlan, SourceNode } from '../plan/physical.js';
import { ConnectorError, type SideOutput, type SinkWriter } from '../connectors/connector.js';
import { sourceConnector } from '../connectors/registry.js';
import { openSideOutput } from '../connectors/side-output.js';
import { formatTimestamp } from '../catalog/timestamp.js';
import { sideTransaction } from '../plan/guarantees.js';
import type { LateEvent, RecordRef } from './operator.js';
import { positionText, type SourceRuntime } from './source-runtime.js';

export class SideOutputs {
  /** `source`: the source node of a connector's own side output (a Kafka topic), which may join a sink's transaction. */
  private readonly outputs: Array<{ file: string; out: SideOutput; source?: number }> = [];
  private readonly lateOutputs = new Map<number, SideOutput>();

  /**
   * `enabled`: write them at all (off for `compare`, which must not touch files); `saved`: the
   * lengths a restored checkpoint recorded, or `'fresh'`: files start over (`--fresh`);
   * `sources`: the job's, filled as its graph is built.
   */
  constructor(
    private readonly enabled: boolean,
    private readonly saved: ReadonlyArray<{ file: string; bytes: number }> | 'fresh' | undefined,
    private readonly sources: readonly SourceRuntime[],
    private readonly onLate: ((e: LateEvent) => void) | undefined,
  ) {}

  /** Opens a source's `late` output and returns its `dead_letter` one, as its options declare. */
  openFor(node: SourceNode): SideOutput | undefined {
    if (!this.enabled) return undefined;
    const dl = node.source.options['dead_letter'];
    const dead = dl !== undefined ? this.sourceSide(node, 'dead_letter', dl) : undefined;
    const late = node.source.options['late'];
    if (late !== undefined) this.lateOutputs.set(node.id, this.sourceSide(node, 'late', late));
    return dead;
  }

  /** Side outputs of an exactly-once job write in the transaction of the sink plan/guarantees.ts names. */
  joinTransactions(plan: PhysicalPlan, context: { job: string; checkpoints: boolean }, writerOf: (node: number) => SinkWriter | undefined): void {
    for (const s of this.outputs) {
      if (s.source === undefined) continue;
      const carrier = sideTransaction(plan, plan.nodes[s.source] as SourceNode, context);
      const writer = carrier && writerOf(carrier.id);
      if (writer) s.out.join?.(writer);
    }
  }

  /** True when the job writes a side output to a file (appended to by a run with no checkpoint to restore). */
  appendsFiles(): boolean {
    return this.outputs.some((s) => s.source === undefined);
  }

  /** A row an operator kept out: counted on its source, and written to the source's late output. */
  late(e: LateEvent, upstream: readonly number[]): void {
    const ref: RecordRef | undefined = e.ref;
    const srcId = ref ? this.sources.find((s) => s.node.source.name === ref.source)?.node.id : upstream[0];
    const src = this.sources.find((s) => s.node.id === srcId);
    if (src) src.metrics.late++;
    this.onLate?.(e);
    const out = srcId !== undefined ? this.lateOutputs.get(srcId) : undefined;
    if (out) {
      out.write({
        source: src?.metrics.name,
        reason: e.reason,
        event_time: formatTimestamp(e.eventTime),
        watermark: Number.isFinite(e.watermark) ? formatTimestamp(e.watermark) : null,
        ...(e.windowStart !== undefined ? { window_start: formatTimestamp(e.windowStart) } : {}),
        position: ref?.position ?? null,
        at: ref ? positionText(ref.position) : null,
        raw: ref?.raw ?? null,
      }, ref?.origin);
    }
  }

  /** Each output's length, for a checkpoint (outputs that keep none are left out). */
  positions(): Array<{ file: string; bytes: number }> {
    return this.outputs.flatMap((s) => {
      const bytes = s.out.position?.();
      return bytes === undefined ? [] : [{ file: s.file, bytes }];
    });
  }

  /** After a source batch: backpressure only (an output may keep sending while the next batch runs). */
  async relieve(): Promise<void> {
    for (const s of this.outputs) if (s.out.relieve) await s.out.relieve();
  }

  async flush(): Promise<void> {
    for (const s of this.outputs) await s.out.flush();
  }

  syncs(): Array<Promise<void> | undefined> {
    return this.outputs.map((s) => s.out.sync?.());
  }

  async close(): Promise<void> {
    for (const s of this.outputs) await s.out.close();
  }

  /** A source's `dead_letter` / `late` target: the connector's own output (a Kafka topic), else a JSON-lines file. */
  private sourceSide(node: SourceNode, option: 'dead_letter' | 'late', target: string): SideOutput {
    const def = node.source;
    const own = sourceConnector(def.options['connector']!)?.sideOutput?.(def, target);
    if (!own) {
      const file = path.resolve(def.baseDir, target);
      try {
        return this.file(file);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new ConnectorError(`source '${def.name}': cannot open its ${option} file ${file} for appending: ${why}`, option, `point ${option} at a file in a writable directory`);
      }
    }
    this.outputs.push({ file: `${def.options['connector']}:${target}`, out: own, source: node.id });
    return own;
  }

  private file(file: string): SideOutput {
    const open = this.outputs.find((s) => s.file === file);
    if (open) return open.out;
    // --fresh: cut back to nothing, as a restore cuts back to the checkpointed length.
    const bytes = this.saved === 'fresh' ? 0 : this.saved?.find((s) => s.file === file)?.bytes;
    const out = openSideOutput(file, bytes);
    this.outputs.push({ file, out });
    return out;
  }
}
