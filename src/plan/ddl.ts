// DDL: CREATE SOURCE / VIEW / SINK, DROP and SET applied to a catalog, with every check a user
// can fail reported at its position: unknown connectors and options, duplicate columns, a
// watermark on a missing or non-TIMESTAMP column, a view or sink query that does not bind.

import type { Expr, Statement, WithOption, Span } from '../sql/ast.js';
import type { Catalog, Column, SourceDef, WatermarkSpec } from '../catalog/catalog.js';
import { typeToSql } from '../catalog/types.js';
import { parseDuration } from '../catalog/duration.js';
import { checkSetOption } from './set-options.js';
import { nearest } from '../sql/diagnostics.js';
import { sourceConnector, sinkConnector, sourceConnectorNames, sinkConnectorNames } from '../connectors/registry.js';
import { resolveTypeName } from './bind-expr.js';
import { PlanError } from './errors.js';
import { PlanBuilder } from './builder.js';
import { tableInfo } from './ddl-table.js';
import { bindQuery } from './bind-query.js';

export interface DdlContext {
  /** The script text the statement's spans point into. */
  readonly text: string;
  /** Directory relative paths resolve against. */
  readonly baseDir: string;
  /** The job's name (its .sql file's, without the extension), when the script is a file. */
  readonly job?: string;
}

/** Options every source accepts, whatever its connector. */
const COMMON_SOURCE_OPTIONS = ['connector', 'dead_letter', 'late'];

/** Applies a DDL statement; returns false for statements that are not DDL. */
export function applyDdl(catalog: Catalog, s: Statement, ctx: DdlContext): boolean {
  switch (s.kind) {
    case 'createSource':
      createSource(catalog, s, ctx);
      return true;
    case 'createView': {
      checkFree(catalog, s.name.name, s.name.span, ctx.text);
      bindQuery(new PlanBuilder(catalog, { provenance: false }), s.query, ctx.text);
      catalog.views.set(s.name.name, { name: s.name.name, query: s.query, span: s.span, sourceText: ctx.text });
      return true;
    }
    case 'createSink': {
      checkFree(catalog, s.name.name, s.name.span, ctx.text);
      const options = optionRecord(s.options, ctx.text);
      options['connector'] ??= 'stdout';
      const conn = sinkConnector(options['connector']);
      const connOpt = s.options.find((o) => o.key === 'connector');
      if (!conn) {
        const guess = nearest(options['connector'], sinkConnectorNames());
        throw new PlanError(ctx.text, connOpt?.valueSpan ?? s.name.span, `unknown sink connector '${options['connector']}'`, {
          expected: `one of ${sinkConnectorNames().join(', ')}`,
          ...(guess ? { hint: `did you mean '${guess}'?` } : {}),
        });
      }
      checkOptions(s.options, ['connector', ...conn.options], `the ${conn.name} sink`, ctx.text);
      bindQuery(new PlanBuilder(catalog, { provenance: false }), s.query, ctx.text);
      catalog.sinks.set(s.name.name, { name: s.name.name, options, query: s.query, span: s.span, baseDir: ctx.baseDir, sourceText: ctx.text });
      return true;
    }
    case 'drop': {
      const map = s.what === 'source' || s.what === 'table' ? catalog.sources : s.what === 'view' ? catalog.views : catalog.sinks;
      const def = catalog.sources.get(s.name.name);
      const other = (s.what === 'table' && def && !def.table) || (s.what === 'source' && def?.table);
      if (!map.has(s.name.name) || other) {
        if (s.ifExists && !other) return true;
        throw new PlanError(ctx.text, s.name.span, `no ${s.what} named '${s.name.name}'`, other ? { hint: `'${s.name.name}' is a ${def?.table ? 'table' : 'source'}: DROP ${def?.table ? 'TABLE' : 'SOURCE'} ${s.name.name}` } : {});
      }
      map.delete(s.name.name);
      return true;
    }
    case 'set': {
      const problem = checkSetOption(s.key, s.value);
      if (problem) {
        const { on, message, ...extra } = problem;
        throw new PlanError(ctx.text, on === 'key' ? s.keySpan : s.valueSpan, message, extra);
      }
      catalog.settings.set(s.key, s.value);
      return true;
    }
    default:
      return false;
  }
}

function createSource(catalog: Catalog, s: Statement & { kind: 'createSource' }, ctx: DdlContext): void {
  if (catalog.sources.has(s.name.name) && s.ifNotExists) return;
  const what = s.table ? 'table' : 'source';
  checkFree(catalog, s.name.name, s.name.span, ctx.text);
  const options = optionRecord(s.options, ctx.text);
  const connName = options['connector'];
  if (connName === undefined) {
    throw new PlanError(ctx.text, s.name.span, `${what} '${s.name.name}' has no connector`, {
      hint: s.table ? `add WITH (connector = 'file', path = 'meta.csv', format = 'csv') or connector = 'kafka'` : `add WITH (connector = 'file', path = 'data.jsonl', format = 'jsonl') or connector = 'datagen'`,
    });
  }
  const conn = sourceConnector(connName);
  if (!conn) {
    const guess = nearest(connName, sourceConnectorNames());
    throw new PlanError(ctx.text, s.options.find((o) => o.key === 'connector')!.valueSpan, `unknown source connector '${connName}'`, {
      expected: `one of ${sourceConnectorNames().join(', ')}`,
      ...(guess ? { hint: `did you mean '${guess}'?` } : {}),
    });
  }
  checkOptions(s.options, [...COMMON_SOURCE_OPTIONS, ...conn.options], `the ${conn.name} source`, ctx.text);

  let columns: Column[];
  let watermark: WatermarkSpec | undefined;
  if (s.columns.length === 0) {
    const d = conn.defaultSchema?.(options);
    if (!d) {
      throw new PlanError(ctx.text, s.name.span, `source '${s.name.name}' needs a column list`, {
        hint: 'CREATE SOURCE name (col TYPE, ..., WATERMARK FOR ts AS ts - INTERVAL \'1\' SECOND) WITH (...)',
      });
    }
    columns = d.columns;
    if (d.eventTime) {
      const delay = options['disorder'] !== undefined ? parseDuration(options['disorder']) ?? 0 : 0;
      watermark = { column: d.eventTime, delayMicros: delay, span: s.name.span };
    }
  } else {
    columns = [];
    const seen = new Set<string>();
    for (const c of s.columns) {
      if (seen.has(c.name.name)) throw new PlanError(ctx.text, c.name.span, `column '${c.name.name}' is declared twice`);
      seen.add(c.name.name);
      columns.push({ name: c.name.name, type: resolveTypeName(c.type), ...(c.key ? { key: true } : {}) });
    }
  }
  if (s.watermark) {
    const w = s.watermark;
    const col = columns.find((c) => c.name === w.column.name);
    if (!col) {
      const guess = nearest(w.column.name, columns.map((c) => c.name));
      throw new PlanError(ctx.text, w.column.span, `unknown column '${w.column.name}' in WATERMARK`, guess ? { hint: `did you mean '${guess}'?` } : {});
    }
    if (col.type.kind !== 'timestamp') {
      throw new PlanError(ctx.text, w.column.span, `the watermark column '${col.name}' is ${typeToSql(col.type)}, not TIMESTAMP`, {
        hint: `declare it as \`${col.name} TIMESTAMP\` (ISO-8601 text or epoch milliseconds are both read as timestamps)`,
      });
    }
    watermark = { column: col.name, delayMicros: watermarkDelay(w.expr, col.name, ctx.text), span: w.span };
  }
  const table = s.table ? tableInfo(s, conn.name, columns, options, ctx.text) : undefined;
  if (table?.upsert) columns = columns.map((c) => (table.primaryKey.includes(c.name) && !c.key ? { ...c, key: true } : c));
  const def: SourceDef = {
    name: s.name.name,
    ...(table ? { table } : {}),
    columns,
    ...(watermark ? { watermark } : {}),
    options,
    span: s.span,
    baseDir: ctx.baseDir,
    sourceText: ctx.text,
    ...(ctx.job !== undefined ? { job: ctx.job } : {}),
  };
  catalog.sources.set(def.name, def);
}

/** `ts` -> 0; `ts - INTERVAL '1' SECOND` or `ts - 1s` -> the interval. */
function watermarkDelay(e: Expr, column: string, text: string): number {
  const bad = () =>
    new PlanError(text, e.span, 'a watermark is the event-time column minus a delay', {
      expected: `\`${column}\` or \`${column} - INTERVAL '1' SECOND\``,
    });
  if (e.kind === 'column') {
    if (e.path.length === 1 && e.path[0]!.name === column) return 0;
    throw bad();
  }
  if (e.kind === 'binary' && e.op === '-' && e.left.kind === 'column' && e.left.path.length === 1 && e.left.path[0]!.name === column) {
    if (e.right.kind === 'interval') return e.right.micros;
    throw new PlanError(text, e.right.span, 'the watermark delay must be a duration', {
      expected: "a duration such as INTERVAL '1' SECOND, 1s or 500ms",
    });
  }
  throw bad();
}

function optionRecord(options: readonly WithOption[], text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of options) {
    if (o.key in out) throw new PlanError(text, o.keySpan, `option '${o.key}' is given twice`);
    out[o.key] = o.value;
  }
  return out;
}

function checkOptions(options: readonly WithOption[], allowed: readonly string[], what: string, text: string): void {
  for (const o of options) {
    if (allowed.includes(o.key)) continue;
    const guess = nearest(o.key, allowed);
    throw new PlanError(text, o.keySpan, `unknown option '${o.key}' for ${what}`, {
      expected: `one of ${allowed.join(', ')}`,
      ...(guess ? { hint: `did you mean '${guess}'?` } : {}),
    });
  }
}

function checkFree(catalog: Catalog, name: string, span: Span, text: string): void {
  if (catalog.has(name)) {
    throw new PlanError(text, span, `'${name}' already exists`, { hint: `DROP it first, or choose another name` });
  }
}
