// A served job's text planned: against a copy of the demo catalog (a source or view of the text
// replaces a demo one of the same name), its CREATE SINKs and a console sink per bare SELECT.

import type { Catalog, SinkDef } from '../catalog/catalog.js';
import { loadScriptText, type LoadedScript } from '../cli/load.js';
import { planSinks } from '../plan/job.js';
import type { PhysicalPlan } from '../plan/physical.js';
import { parseScript } from '../sql/index.js';
import { SqlError } from '../sql/diagnostics.js';
import { UsageError } from '../cli/errors.js';

/** Plans `sql` against a copy of `catalog` (the demo sources): its sinks, then one console sink per bare SELECT. */
export function planText(sql: string, file: string | undefined, baseDir: string, catalog: Catalog): { script: LoadedScript; sinks: SinkDef[]; plan: PhysicalPlan } {
  // A job's own source or view of a demo source's name replaces it (queries/demo.sql declares `sensors`).
  const base = catalog.clone();
  try {
    for (const { statement: st } of parseScript(sql, file).statements) {
      if (st.kind === 'createSource' || st.kind === 'createView') {
        base.sources.delete(st.name.name);
        base.views.delete(st.name.name);
      }
    }
  } catch {
    // A parse error is reported by loadScriptText below, with its position.
  }
  const script = loadScriptText(sql, file, baseDir, base);
  const own = [...script.catalog.sinks.values()];
  const queries = script.other.filter((st) => st.kind === 'query');
  const sinks: SinkDef[] = [
    ...own,
    ...queries.map((q, i) => ({
      name: queries.length === 1 ? 'query' : `query_${i + 1}`,
      options: { connector: 'stdout' },
      query: q.query,
      span: q.span,
      baseDir,
      sourceText: sql,
    })),
  ];
  if (sinks.length === 0) throw new UsageError('the text has no CREATE SINK and no SELECT to run');
  // WHY provenance: a late row's own record is what the console shows of it (the REPL plans without, for speed).
  try {
    return { script, sinks, plan: planSinks(script.catalog, sinks, { provenance: true }) };
  } catch (e) {
    if (e instanceof SqlError && e.file === undefined && file !== undefined) throw e.withFile(file);
    throw e;
  }
}
