// A sink node while the job runs: opens its writer (a hook's, else its connector's, at a
// checkpointed position), hides hidden columns from it and counts rows out. Sinks groups the
// job's sinks for backpressure, flushing and closing; checkpointing them is exec/checkpointer.ts's.

import type { Column } from '../catalog/catalog.js';
import type { PhysicalPlan, SinkNode } from '../plan/physical.js';
import { streamKey } from '../plan/stream-key.js';
import { sinkContext } from '../plan/guarantees.js';
import type { SinkContext, SinkPosition, SinkWriter } from '../connectors/connector.js';
import { sinkConnector } from '../connectors/registry.js';
import type { Batch } from './operator.js';
import type { SinkMetrics } from './metrics.js';

/** Replaces a sink's writer (compare, tests, the REPL's result view); `resume`: its checkpointed position. */
export type SinkWriterHook = (node: SinkNode, columns: readonly Column[], changelog: boolean, resume?: SinkPosition) => SinkWriter | undefined;

export class SinkRuntime {
  readonly metrics: SinkMetrics;
  private readonly visible: number[] | undefined;
  constructor(
    readonly writer: SinkWriter,
    readonly node: SinkNode,
    /** Source node ids upstream of the sink. */
    readonly upstreamSources: readonly number[],
  ) {
    this.metrics = { name: node.sink.name, rowsOut: 0 };
    const vis = node.schema.map((c, i) => (c.hidden ? -1 : i)).filter((i) => i >= 0);
    this.visible = vis.length === node.schema.length ? undefined : vis;
  }

  write(batch: Batch): void {
    if (batch.rows.length === 0) return;
    this.metrics.rowsOut += batch.rows.length;
    if (this.visible === undefined) {
      this.writer.write(batch);
      return;
    }
    const vis = this.visible;
    this.writer.write({ rows: batch.rows.map((r) => vis.map((i) => r[i]!)), ops: batch.ops });
  }
}

/** What opening a sink needs to know of its job. */
export interface SinkJob {
  readonly plan: PhysicalPlan;
  readonly name: string;
  readonly checkpoints: boolean;
  readonly hook: SinkWriterHook | undefined;
}

export function openSink(job: SinkJob, node: SinkNode, upstreamSources: readonly number[], resume: SinkPosition | undefined): SinkRuntime {
  const columns = node.schema.filter((c) => !c.hidden);
  const changelog = !node.appendOnly;
  let writer = job.hook?.(node, columns, changelog, resume);
  if (!writer) {
    const conn = sinkConnector(node.sink.options['connector'] ?? 'stdout');
    if (!conn) throw new Error(`unknown sink connector '${node.sink.options['connector']}'`);
    writer = conn.open(node.sink, columns, changelog, resume, contextOf(job, node));
  }
  return new SinkRuntime(writer, node, upstreamSources);
}

function contextOf(job: SinkJob, sink: SinkNode): SinkContext {
  const upsertKey = streamKey(job.plan, sink.id);
  return { ...sinkContext(job.plan, sink.id, { job: job.name, checkpoints: job.checkpoints }), ...(upsertKey ? { upsertKey } : {}) };
}

/** The job's sinks, in plan order. */
export class Sinks {
  readonly all: SinkRuntime[] = [];

  writerOf(node: number): SinkWriter | undefined {
    return this.all.find((s) => s.node.id === node)?.writer;
  }

  /** After a source batch: backpressure only (a sink may keep sending while the next batch runs). */
  async relieve(): Promise<void> {
    for (const s of this.all) await (s.writer.relieve ? s.writer.relieve() : s.writer.flush());
  }

  async flush(): Promise<void> {
    for (const s of this.all) await s.writer.flush();
  }

  async close(): Promise<void> {
    for (const s of this.all) await s.writer.close();
  }
}
