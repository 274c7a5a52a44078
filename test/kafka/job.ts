// Running a job written as SQL text in the Kafka tests: through the same load/plan/Job path as
// `sluice run` (without checkpoints), optionally capturing sink output instead of writing it.

import * as os from 'node:os';
import type { Row } from '../../src/catalog/types.js';
import type { SinkWriter } from '../../src/connectors/connector.js';
import { loadScriptText } from '../../src/cli/load.js';
import { planScript } from '../../src/cli/load.js';
import { selectSinks } from '../../src/cli/select-sinks.js';
import { Job, type JobSummary } from '../../src/exec/job.js';
import type { Op } from '../../src/exec/operator.js';
import { checkJob } from '../../src/oracle/check-job.js';

export interface Captured {
  rows: Row[];
  ops: Op[];
}

export async function runSql(
  sql: string,
  options: { capture?: boolean; signal?: AbortSignal; onRows?: (sink: string, rows: readonly Row[]) => void } = {},
): Promise<{ summary: JobSummary; sinks: Map<string, Captured> }> {
  const script = loadScriptText(sql, undefined, os.tmpdir());
  const plan = planScript(script, selectSinks(script, undefined, 'jsonl'), { provenance: false });
  const sinks = new Map<string, Captured>();
  const job = new Job(plan, {
    ...(options.signal ? { signal: options.signal } : {}),
    hooks: options.capture
      ? {
          sinkWriter(node) {
            const out: Captured = { rows: [], ops: [] };
            sinks.set(node.sink.name, out);
            const w: SinkWriter = {
              write(batch) {
                batch.rows.forEach((r, i) => {
                  out.rows.push(r);
                  out.ops.push(batch.ops ? batch.ops[i]! : (0 as Op));
                });
                options.onRows?.(node.sink.name, batch.rows);
              },
              flush: async () => {},
              close: async () => {},
            };
            return w;
          },
        }
      : {},
  });
  const summary = await job.run();
  return { summary, sinks };
}

/** `sluice compare` on SQL text: every sink's streaming result against DuckDB's. */
export async function compareSql(sql: string) {
  const script = loadScriptText(sql, undefined, os.tmpdir());
  return checkJob(script.catalog, selectSinks(script, undefined));
}
