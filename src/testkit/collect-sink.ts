// An in-memory sink for runs that crash and restore (generated-stream tests, the property
// harnesses): it collects rows and their ops per sink node and, reopened with a checkpoint's
// position, rolls back what was written after it, as a file sink truncates to its checkpointed
// length.

import type { Row } from '../catalog/types.js';
import type { Op } from '../catalog/batch.js';
import type { SinkPosition, SinkWriter } from '../connectors/connector.js';

export interface Collected {
  rows: Row[];
  ops: Op[];
}

/** The writer of sink node `id`, collecting into `sinks` (created there on first use). */
export function collectingSink(sinks: Map<number, Collected>, id: number, resume: SinkPosition | undefined): SinkWriter {
  let out = sinks.get(id);
  if (!out) sinks.set(id, (out = { rows: [], ops: [] }));
  const keep = typeof resume?.['rows'] === 'number' ? resume['rows'] : 0;
  out.rows.length = keep;
  out.ops.length = keep;
  const o = out;
  return {
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
}
