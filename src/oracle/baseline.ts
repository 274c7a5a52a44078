// A second plan of the same job for the oracle to translate (a "baseline": the job planned without
// a rewrite rule, e.g. `pushdown: false`), so a wrong rewrite shows as a difference instead of
// being copied into DuckDB's query. Its nodes are matched to the engine plan's: sources by name,
// every other node that can drop late rows by kind and order (a rewrite only adds or removes
// filter and project nodes, which drop nothing as late).

import type { PhysicalPlan } from '../plan/physical.js';
import type { OracleTables } from './cte.js';

/** The engine plan's loaded tables, addressed by the baseline plan's node ids. */
export function baselineTables(engine: PhysicalPlan, baseline: PhysicalPlan, tables: OracleTables): OracleTables {
  const byKind = new Map<string, number[]>();
  const sources = new Map<string, number>();
  for (const n of engine.nodes) {
    if (n.kind === 'source') sources.set(n.source.name, n.id);
    else if (n.kind !== 'filter' && n.kind !== 'project') byKind.set(n.kind, [...(byKind.get(n.kind) ?? []), n.id]);
  }
  const toEngine = new Map<number, number>();
  const seen = new Map<string, number>();
  for (const n of baseline.nodes) {
    if (n.kind === 'source') {
      const id = sources.get(n.source.name);
      if (id !== undefined) toEngine.set(n.id, id);
    } else if (n.kind !== 'filter' && n.kind !== 'project') {
      const k = seen.get(n.kind) ?? 0;
      seen.set(n.kind, k + 1);
      const id = byKind.get(n.kind)?.[k];
      if (id !== undefined) toEngine.set(n.id, id);
    }
  }
  return {
    source: (id) => {
      const e = toEngine.get(id);
      if (e === undefined) throw new Error(`oracle: baseline source node ${id} has no counterpart in the engine plan`);
      return tables.source(e);
    },
    late: (id) => {
      const e = toEngine.get(id);
      return e === undefined ? undefined : tables.late(e);
    },
  };
}
