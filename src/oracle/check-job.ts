// Runs a job's sinks both ways over bounded inputs: the streaming engine (recording exactly
// what it read and what it dropped as late) and DuckDB (the oracle), and compares them.
// Used by `sluice compare`, the REPL's \compare and the property tests.

import type { Catalog, SinkDef } from '../catalog/catalog.js';
import type { Row } from '../catalog/types.js';
import { planSinks } from '../plan/job.js';
import type { PhysicalPlan } from '../plan/physical.js';
import { Job, type JobSummary } from '../exec/job.js';
import type { Op } from '../catalog/batch.js';
import type { LateEvent } from '../exec/operator.js';
import type { SinkWriter, SourceReader } from '../connectors/connector.js';
import { sourceConnector } from '../connectors/registry.js';
import { compareWithOracle, type SinkComparison } from './index.js';

export interface CheckResult {
  readonly plan: PhysicalPlan;
  readonly comparisons: readonly SinkComparison[];
  readonly summary: JobSummary;
  /** Every row the engine dropped as late, in the order it dropped them. */
  readonly late: readonly LateEvent[];
}

export class UnboundedInputError extends Error {}

/** A job whose answer depends on arrival order (a lookup join against a Kafka table): not compared, said so. */
export class ExcludedFromCompareError extends UnboundedInputError {}

export interface CheckOptions {
  /** Supply readers directly (property tests); default: the sources' connectors, which must be bounded. */
  readonly reader?: (sourceName: string) => SourceReader | undefined;
}

export async function checkJob(catalog: Catalog, sinks: readonly SinkDef[], options: CheckOptions = {}): Promise<CheckResult> {
  const plan = planSinks(catalog, sinks, { provenance: true });
  for (const n of plan.nodes) {
    if (n.kind === 'lookupJoin' && !n.bounded) {
      throw new ExcludedFromCompareError(
        `excluded from compare: the lookup join with Kafka table '${n.table}' has processing-time semantics (each stream row joins what the table holds when the row arrives), so no batch query states its answer; join it FOR SYSTEM_TIME AS OF the stream's event time to compare, or join a file table`,
      );
    }
  }
  const sourceRows = new Map<number, Row[]>();
  const late: LateEvent[] = [];
  const sinkOutputs = new Map<number, { rows: Row[]; ops: Op[] | null }>();
  const job = new Job(plan, {
    sideOutputs: false,
    hooks: {
      onSourceRows(id, rows) {
        let list = sourceRows.get(id);
        if (!list) sourceRows.set(id, (list = []));
        for (const r of rows) list.push(r);
      },
      onLate(e) {
        late.push(e);
      },
      sourceReader(node) {
        const custom = options.reader?.(node.source.name);
        const reader = custom ?? sourceConnector(node.source.options['connector']!)?.open(node.source);
        if (reader && !reader.bounded) {
          throw new UnboundedInputError(
            `compare needs bounded inputs, and source '${node.source.name}' never ends (for datagen add count = <n>; for a file drop follow = 'true')`,
          );
        }
        return reader;
      },
      sinkWriter(node) {
        const out = { rows: [] as Row[], ops: null as Op[] | null };
        sinkOutputs.set(node.id, out);
        const writer: SinkWriter = {
          write(batch) {
            if (batch.ops && !out.ops) out.ops = out.rows.map(() => 0 as Op);
            for (let i = 0; i < batch.rows.length; i++) {
              out.rows.push(batch.rows[i]!);
              if (out.ops) out.ops.push(batch.ops ? batch.ops[i]! : (0 as Op));
            }
          },
          flush: async () => {},
          close: async () => {},
        };
        return writer;
      },
    },
  });
  const summary = await job.run();
  for (const id of plan.sinks) if (!sinkOutputs.has(id)) sinkOutputs.set(id, { rows: [], ops: null });
  for (const n of plan.nodes) if (n.kind === 'source' && !sourceRows.has(n.id)) sourceRows.set(n.id, []);
  const comparisons = await compareWithOracle({ plan, sourceRows, late, sinkOutputs });
  return { plan, comparisons, summary, late };
}
