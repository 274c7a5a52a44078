// The catalog and one-off statements: GET /api/catalog (sources, views, functions, keywords for
// the editor's completion), POST /api/check (diagnostics, no run), /api/explain and /api/compare
// (a bounded job against DuckDB).

import type { Catalog, Column } from '../catalog/catalog.js';
import { AGGREGATE_NAMES, functionNames } from '../expr/functions.js';
import { KEYWORDS } from '../sql/index.js';
import { SqlError } from '../sql/diagnostics.js';
import { formatDuration } from '../catalog/duration.js';
import { explainPlan } from '../plan/explain.js';
import { sourceConnector } from '../connectors/registry.js';
import type { Router } from './router.js';
import type { JobManager } from './job-manager.js';
import { planText } from './served-job.js';
import { diagnosticsOf, HttpError, userError } from './errors.js';
import { jsonBody, stringField } from './body.js';
import { columnsJson } from './job-json.js';
import { planSinks } from '../plan/job.js';

const WINDOW_FUNCTIONS = ['TUMBLE', 'HOP', 'CUMULATE', 'SESSION', 'LAG', 'LEAD', 'FIRST_VALUE', 'LAST_VALUE', 'ROW_NUMBER'];

function catalogJson(catalog: Catalog): Record<string, unknown> {
  const sources = [...catalog.sources.values()].map((s) => {
    let columns: readonly Column[] = s.columns;
    if (columns.length === 0) columns = sourceConnector(s.options['connector'] ?? '')?.defaultSchema?.(s.options)?.columns ?? [];
    return {
      name: s.name,
      connector: s.options['connector'],
      columns: columnsJson(columns),
      ...(s.watermark ? { watermark: `${s.watermark.column} - ${formatDuration(s.watermark.delayMicros)}` } : {}),
    };
  });
  const views = [...catalog.views.keys()].flatMap((name) => {
    try {
      // A view's columns: plan `SELECT * FROM view` once.
      const query = catalog.views.get(name)!.query;
      const plan = planSinks(catalog, [{ name: 'v', options: { connector: 'stdout' }, query, span: query.span, baseDir: process.cwd(), sourceText: catalog.views.get(name)!.sourceText }], { provenance: false });
      const sink = plan.nodes[plan.sinks[0]!]!;
      return [{ name, connector: 'view', columns: columnsJson(sink.schema.filter((c) => !c.hidden)) }];
    } catch {
      return [{ name, connector: 'view', columns: [] }];
    }
  });
  const functions = [...new Set([...AGGREGATE_NAMES, ...functionNames(), ...WINDOW_FUNCTIONS].map((f) => f.toUpperCase()))].sort();
  return { sources, views, functions, keywords: [...KEYWORDS].sort() };
}

export function catalogRoutes(router: Router, jobs: JobManager): void {
  router.add('GET', '/api/catalog', () => ({ json: catalogJson(jobs.catalog) }));

  router.add('POST', '/api/check', async ({ req }) => {
    const sql = stringField(await jsonBody(req), 'sql')!;
    try {
      planText(sql, undefined, process.cwd(), jobs.catalog);
      return { json: { diagnostics: [] } };
    } catch (e) {
      if (e instanceof SqlError) return { json: { diagnostics: diagnosticsOf(e) } };
      const err = userError(e);
      return { json: { diagnostics: [{ message: err.message, line: 1, column: 1, ...err.extra }] } };
    }
  });

  router.add('POST', '/api/explain', async ({ req }) => {
    const sql = stringField(await jsonBody(req), 'sql')!;
    try {
      return { json: { plan: explainPlan(planText(sql, undefined, process.cwd(), jobs.catalog).plan) } };
    } catch (e) {
      throw userError(e);
    }
  });

  router.add('POST', '/api/compare', async ({ req }) => {
    const sql = stringField(await jsonBody(req), 'sql')!;
    let planned;
    try {
      planned = planText(sql, undefined, process.cwd(), jobs.catalog);
    } catch (e) {
      throw userError(e);
    }
    const { checkJob, UnboundedInputError } = await import('../oracle/check-job.js');
    try {
      const result = await checkJob(planned.script.catalog, planned.sinks);
      return {
        json: {
          sinks: result.comparisons.map((c) => ({
            name: c.sink,
            equal: c.equal,
            missing: c.onlyOracle,
            unexpected: c.onlyEngine,
            ...(c.firstDifference ? { note: c.firstDifference } : {}),
            ...(c.changelogErrors.length > 0 ? { changelogErrors: c.changelogErrors } : {}),
          })),
        },
      };
    } catch (e) {
      if (e instanceof UnboundedInputError) throw new HttpError(400, e.message, { hint: 'compare needs bounded inputs: files, or datagen with count' });
      throw userError(e);
    }
  });
}
