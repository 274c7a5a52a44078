// Which sinks of a script a command acts on: all of them, or those named by --sink; a script
// with no sinks but bare SELECTs gets one terminal sink per query.

import type { SinkDef } from '../catalog/catalog.js';
import type { LoadedScript } from './load.js';
import { UsageError } from './errors.js';
import { nearest } from '../sql/diagnostics.js';

export function selectSinks(s: LoadedScript, names: readonly string[] | undefined, format?: string): SinkDef[] {
  const all = [...s.catalog.sinks.values()];
  if (all.length === 0) {
    const queries = s.other.filter((st) => st.kind === 'query');
    if (queries.length === 0) {
      throw new UsageError(`${s.file} has no CREATE SINK and no SELECT to run`);
    }
    return queries.map((q, i) => ({
      name: queries.length === 1 ? 'query' : `query_${i + 1}`,
      options: { connector: 'stdout', ...(format ? { format } : {}) },
      query: q.query,
      span: q.span,
      baseDir: process.cwd(),
      sourceText: s.text,
    }));
  }
  if (!names || names.length === 0) {
    return format ? all.map((d) => (d.options['connector'] === 'stdout' ? { ...d, options: { ...d.options, format } } : d)) : all;
  }
  return names.map((n) => {
    const d = s.catalog.sinks.get(n);
    if (!d) {
      const guess = nearest(n, s.catalog.sinks.keys());
      throw new UsageError(`no sink named '${n}' in ${s.file}${guess ? ` (did you mean '${guess}'?)` : ''}; sinks: ${[...s.catalog.sinks.keys()].join(', ')}`);
    }
    return d;
  });
}
