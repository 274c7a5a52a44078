// Plans a job: every sink of a script (or one ad-hoc query) into one physical DAG that shares
// each source's node, so one read of an input feeds every sink.

import type { Catalog, SinkDef } from '../catalog/catalog.js';
import type { Query, Span } from '../sql/ast.js';
import { PlanBuilder, type PlanOptions } from './builder.js';
import { bindQuery } from './bind-query.js';
import type { BoundRelation } from './bind-relation.js';
import type { PhysicalPlan } from './physical.js';

export function planSinks(catalog: Catalog, sinks: readonly SinkDef[], options: PlanOptions): PhysicalPlan {
  const b = new PlanBuilder(catalog, options);
  const ids = sinks.map((s) => addSink(b, bindQuery(b, s.query, s.sourceText), s));
  return b.build(ids);
}

/** An ad-hoc query (REPL, tests) written to the given sink (stdout by default). */
export function planQuery(catalog: Catalog, query: Query, text: string, options: PlanOptions, sink?: Partial<SinkDef>): PhysicalPlan {
  const b = new PlanBuilder(catalog, options);
  const def: SinkDef = {
    name: sink?.name ?? 'query',
    options: sink?.options ?? { connector: 'stdout' },
    query,
    span: sink?.span ?? (query.span as Span),
    baseDir: sink?.baseDir ?? process.cwd(),
    sourceText: text,
  };
  const id = addSink(b, bindQuery(b, query, text), def);
  return b.build([id]);
}

function addSink(b: PlanBuilder, rel: BoundRelation, def: SinkDef): number {
  const input = b.node(rel.node);
  return b.add({ kind: 'sink', inputs: [rel.node], schema: input.schema, timeColumn: input.timeColumn, appendOnly: rel.appendOnly, state: [], sink: def });
}
