// SQL statements that inspect the catalog: SHOW SOURCES / VIEWS / SINKS, DESCRIBE name and
// EXPLAIN query-or-sink. Each returns text; DDL goes through the engine's applyDdl.

import type { Catalog, Column } from '../catalog/catalog.js';
import { typeToSql } from '../catalog/types.js';
import type { Statement } from '../sql/ast.js';
import { parseStatement, printQuery } from '../sql/index.js';
import { PlanError } from '../plan/errors.js';
import { planQuery, planSinks } from '../plan/job.js';
import { explainPlan } from '../plan/explain.js';
import { nearest } from '../sql/diagnostics.js';
import { out, type Output } from './output.js';
import { plural } from './format.js';
import type { SinkJob } from './sink-job.js';

function optionText(o: Readonly<Record<string, string>>): string {
  return Object.entries(o)
    .map(([k, v]) => `${k} = '${v}'`)
    .join(', ');
}

export function columnsOf(catalog: Catalog, name: string): readonly Column[] {
  const sink = catalog.sinks.get(name);
  if (sink) {
    const plan = planSinks(catalog, [sink], { provenance: false });
    return plan.nodes[plan.sinks[0]!]!.schema.filter((c) => !c.hidden);
  }
  const q = parseStatement(`SELECT * FROM "${name.replace(/"/g, '""')}"`);
  if (q.kind !== 'query') return [];
  const plan = planQuery(catalog, q.query, '', { provenance: false });
  return plan.nodes[plan.sinks[0]!]!.schema.filter((c) => !c.hidden);
}

/** SHOW SOURCES / VIEWS / SINKS over the catalog alone (SHOW STATE reads the jobs: show-state.ts). */
export function showStatement(catalog: Catalog, what: 'sources' | 'tables' | 'views' | 'sinks'): Output[] {
  if (what === 'sources' || what === 'tables') {
    const defs = [...catalog.sources.values()].filter((s) => (s.table !== undefined) === (what === 'tables'));
    if (defs.length === 0) return [out.dim(`no ${what}`)];
    const key = (s: (typeof defs)[number]) => (s.table && s.table.primaryKey.length > 0 ? `, primary key ${s.table.primaryKey.join(', ')}` : '');
    return [out.plain(defs.map((s) => `${s.name}  (${s.options['connector']}${key(s)}${s.watermark ? `, watermark on ${s.watermark.column}` : ''})`).join('\n'))];
  }
  if (what === 'views') {
    if (catalog.views.size === 0) return [out.dim('no views')];
    return [out.plain([...catalog.views.values()].map((v) => `${v.name}  AS ${printQuery(v.query)}`).join('\n'))];
  }
  return showSinks(catalog, new Map());
}

/** SHOW SINKS: each sink's job (running, finished, stopped or failed), rows out and rejected rows. */
export function showSinks(catalog: Catalog, jobs: ReadonlyMap<string, SinkJob>, now = Date.now()): Output[] {
  if (catalog.sinks.size === 0) return [out.dim('no sinks')];
  const head = ['sink', 'status', 'rows out', 'late', 'dead', 'for', 'writes to'];
  const rows: string[][] = [];
  const errors: string[] = [];
  for (const k of catalog.sinks.values()) {
    const j = jobs.get(k.name);
    if (!j) {
      rows.push([k.name, 'not running', '', '', '', '', optionText(k.options)]);
      continue;
    }
    const r = j.rejected;
    const secs = `${(((j.finishedAt ?? now) - j.startedAt) / 1000).toFixed(1)}s`;
    rows.push([k.name, j.state, String(j.rowsOut), String(r.late), String(r.deadLetters), secs, j.target]);
    if (j.error) errors.push(`${k.name}: ${j.error.message}`);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = [false, false, true, true, true, true, false];
  const line = (cells: readonly string[]): string => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const lines = [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)];
  return [out.plain(lines.join('\n')), ...errors.map((e) => out.error(`failed: ${e}`))];
}

export function describeStatement(catalog: Catalog, s: Statement & { kind: 'describe' }, text: string): Output[] {
  const name = s.name.name;
  const source = catalog.sources.get(name);
  const view = catalog.views.get(name);
  const sink = catalog.sinks.get(name);
  if (!source && !view && !sink) {
    const guess = nearest(name, [...catalog.sources.keys(), ...catalog.views.keys(), ...catalog.sinks.keys()]);
    throw new PlanError(text, s.name.span, `no source, view or sink named '${name}'`, guess ? { hint: `did you mean '${guess}'?` } : {});
  }
  const lines: string[] = [];
  if (source) {
    const pk = source.table && source.table.primaryKey.length > 0 ? ` (primary key ${source.table.primaryKey.join(', ')}${source.table.upsert ? ': the message key, latest value per key' : ''})` : '';
    lines.push(`${source.table ? 'table' : 'source'} ${name}${pk}`);
    for (const c of source.columns) lines.push(`  ${c.name.padEnd(16)} ${typeToSql(c.type)}${source.watermark?.column === c.name ? `  (event time, watermark delay ${source.watermark.delayMicros / 1e6}s)` : ''}`);
    lines.push(`  with ${optionText(source.options)}`);
  } else {
    const cols = columnsOf(catalog, name);
    lines.push(`${view ? 'view' : 'sink'} ${name}: ${plural(cols.length, 'column')}`);
    if (view) for (const c of cols) lines.push(`  ${c.name.padEnd(16)} ${typeToSql(c.type)}`);
    if (view) lines.push(`  as ${printQuery(view.query)}`);
    if (sink) lines.push(`  with ${optionText(sink.options)}`, `  as ${printQuery(sink.query)}`);
  }
  return [out.plain(lines.join('\n'))];
}

export function explainStatement(catalog: Catalog, s: Statement & { kind: 'explain' }, text: string): Output[] {
  if (s.target.kind === 'sinkRef') {
    const sink = catalog.sinks.get(s.target.name.name);
    if (!sink) throw new PlanError(text, s.target.name.span, `no sink named '${s.target.name.name}'`);
    return [out.plain(explainPlan(planSinks(catalog, [sink], { provenance: false })).trimEnd())];
  }
  return [out.plain(explainPlan(planQuery(catalog, s.target, text, { provenance: false })).trimEnd())];
}
