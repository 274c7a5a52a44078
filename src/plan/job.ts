// Plans a job: every sink of a script (or one ad-hoc query) into one physical DAG that shares
// each source's node, so one read of an input feeds every sink; the sources of a UNION ALL carry
// provenance, so a late row after it is reported on its own source.

import type { Catalog, SinkDef } from '../catalog/catalog.js';
import type { Query, Span } from '../sql/ast.js';
import { PlanBuilder, type PlanOptions } from './builder.js';
import { bindQuery } from './bind-query.js';
import type { BoundRelation } from './bind-relation.js';
import { upstreamSources, type PhysicalPlan } from './physical.js';

export function planSinks(catalog: Catalog, sinks: readonly SinkDef[], options: PlanOptions): PhysicalPlan {
  return withUnionProvenance(options, (o) => {
    const b = new PlanBuilder(catalog, o);
    const ids = sinks.map((s) => addSink(b, bindQuery(b, s.query, s.sourceText), s));
    return b.build(ids);
  });
}

/** An ad-hoc query (REPL, tests) written to the given sink (stdout by default). */
export function planQuery(catalog: Catalog, query: Query, text: string, options: PlanOptions, sink?: Partial<SinkDef>): PhysicalPlan {
  const def: SinkDef = {
    name: sink?.name ?? 'query',
    options: sink?.options ?? { connector: 'stdout' },
    query,
    span: sink?.span ?? (query.span as Span),
    baseDir: sink?.baseDir ?? process.cwd(),
    sourceText: text,
  };
  return withUnionProvenance(options, (o) => {
    const b = new PlanBuilder(catalog, o);
    return b.build([addSink(b, bindQuery(b, query, text), def)]);
  });
}

/**
 * A row dropped as late after a UNION ALL of several sources is told apart by its RecordRef's
 * source name (that source's late count and late output), so every source feeding such a union
 * carries provenance: plans once, and again with them tracked when one was not.
 */
function withUnionProvenance(options: PlanOptions, plan: (o: PlanOptions) => PhysicalPlan): PhysicalPlan {
  const first = plan(options);
  if (options.provenance) return first;
  const track = new Set<string>();
  for (const n of first.nodes) {
    if (n.kind !== 'union' && n.kind !== 'intervalJoin' && n.kind !== 'windowJoin' && n.kind !== 'temporalJoin') continue;
    const sources = upstreamSources(first, n.id);
    if (sources.length > 1) for (const s of sources) if (s.refColumn === undefined) track.add(s.source.name);
  }
  return track.size === 0 ? first : plan({ ...options, track });
}

function addSink(b: PlanBuilder, rel: BoundRelation, def: SinkDef): number {
  const input = b.node(rel.node);
  return b.add({ kind: 'sink', inputs: [rel.node], schema: input.schema, timeColumn: input.timeColumn, appendOnly: rel.appendOnly, state: [], sink: def });
}
