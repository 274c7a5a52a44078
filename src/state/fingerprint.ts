// The identity of a job's plan, stored with each checkpoint: a restored state only makes sense
// for the same operator graph (kinds, inputs, expressions, keys, windows, aggregates, schemas,
// state tables) reading the same inputs and writing the same outputs. Of a source's and a sink's
// options only its connector's `identity` counts (what it reads or writes, where a checkpointed
// position points), so an output format, --format, batching, rates or connection settings may
// change between runs; the log level is not in the plan at all. Source text positions are
// ignored too, so reformatting a file or moving it keeps its checkpoints.

import { createHash } from 'node:crypto';
import type { PhysicalNode, PhysicalPlan } from '../plan/physical.js';
import { sinkConnector, sourceConnector } from '../connectors/registry.js';

const IGNORED = new Set(['span', 'sourceText', 'baseDir', 'job']);

function identityOptions(options: Readonly<Record<string, string>>, identity: readonly string[] | undefined): Record<string, string> {
  if (identity === undefined) return { ...options };
  const out: Record<string, string> = {};
  for (const k of identity) if (options[k] !== undefined) out[k] = options[k];
  return out;
}

/** The node as the fingerprint sees it: a source's or sink's options cut to its connector's identity. */
function identityOf(n: PhysicalNode): PhysicalNode {
  if (n.kind === 'source') {
    const conn = sourceConnector(n.source.options['connector'] ?? '');
    return { ...n, source: { ...n.source, options: identityOptions(n.source.options, conn?.identity) } };
  }
  if (n.kind === 'sink') {
    const conn = sinkConnector(n.sink.options['connector'] ?? 'stdout');
    return { ...n, sink: { ...n.sink, options: identityOptions(n.sink.options, conn?.identity) } };
  }
  return n;
}

export function planFingerprint(plan: PhysicalPlan): string {
  const text = JSON.stringify(plan.nodes.map(identityOf), (k, v: unknown) => (IGNORED.has(k) ? undefined : typeof v === 'function' ? '<fn>' : v));
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
