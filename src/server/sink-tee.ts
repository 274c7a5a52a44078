// The writer of each sink of a served job: rows also go to the job's hub (hub.ts), which streams
// them to the page. A stdout sink (and a bare SELECT) goes only there, the server's stdout being
// no place for rows; any other sink writes through its connector as under `sluice run`.

import type { Column } from '../catalog/catalog.js';
import type { Batch } from '../catalog/batch.js';
import { OP_LABEL } from '../catalog/batch.js';
import type { PhysicalPlan, SinkNode } from '../plan/physical.js';
import { streamKey } from '../plan/stream-key.js';
import { sinkContext } from '../plan/guarantees.js';
import type { SinkPosition, SinkWriter } from '../connectors/connector.js';
import { sinkConnector } from '../connectors/registry.js';
import type { Hub } from './hub.js';
import { rowEncoder } from './job-json.js';

export function hubWriter(job: { readonly plan: PhysicalPlan; readonly job: string; readonly hub: Hub }, node: SinkNode, columns: readonly Column[], changelog: boolean, resume: SinkPosition | undefined): SinkWriter {
  const encode = rowEncoder(columns);
  const name = node.sink.name;
  const hub = job.hub;
  const tee = (b: Batch): void => {
    hub.rowsOut(name, b.ops === null ? null : b.ops.map((o) => OP_LABEL[o]), b.rows, encode);
  };
  const connector = (node.sink.options['connector'] ?? 'stdout').toLowerCase();
  if (connector === 'stdout') return { write: tee, flush: async () => {}, close: async () => {} };
  const conn = sinkConnector(connector);
  if (!conn) throw new Error(`unknown sink connector '${connector}'`);
  const key = streamKey(job.plan, node.id);
  const context = { ...sinkContext(job.plan, node.id, { job: job.job, checkpoints: true }), ...(key ? { upsertKey: key } : {}) };
  const real = conn.open(node.sink, columns, changelog, resume, context);
  // The real writer's methods, with write teed (optional ones stay absent when it has none).
  const w: SinkWriter = Object.create(real) as SinkWriter;
  w.write = (b) => {
    tee(b);
    real.write(b);
  };
  for (const k of ['flush', 'sync', 'relieve', 'close', 'position', 'prepareCheckpoint', 'commitCheckpoint', 'recover', 'checkpointWanted'] as const) {
    const f = real[k] as ((...a: unknown[]) => unknown) | undefined;
    if (typeof f === 'function') (w as unknown as Record<string, unknown>)[k] = f.bind(real);
  }
  return w;
}
