// The terminal report: one line per case (PASS/FAIL, file › name, time), under a failure the
// diff of each output that differs (missing rows, unexpected rows, changed rows with the
// changed columns marked, the first row out of order), load errors as diagnostics, and a
// summary. Colour only when asked (stdout is a TTY).

import * as path from 'node:path';
import { OP_LABEL } from '../catalog/batch.js';
import type { OutputResult } from './compare.js';
import type { ExpectedRow } from './model.js';
import type { ActualRow } from './run-case.js';
import type { CaseResult, FileResult } from './runner.js';

export interface Style {
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
export const COLOR: Style = { red: wrap(31, 39), green: wrap(32, 39), yellow: (s) => `\x1b[1;33m${s}\x1b[0m`, dim: wrap(2, 22), bold: wrap(1, 22) };
export const PLAIN: Style = { red: (s) => s, green: (s) => s, yellow: (s) => s, dim: (s) => s, bold: (s) => s };

/** A value as a short YAML-like text: `Sensor1`, `21.5`, `null`, `{count: 3, mean: 21.5}`. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(v) || /^[A-Za-z_/][\w./:+\- ]*$/.test(v) && !/^(true|false|null|any)$/i.test(v) && v.trim() === v ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${formatValue(x)}`).join(', ')}}`;
}

function fields(entries: Iterable<[string, unknown]>, op: string | undefined, mark?: (k: string, v: string) => string): string {
  const parts: string[] = op ? [`op: ${op}`] : [];
  for (const [k, v] of entries) parts.push(mark ? mark(k, formatValue(v)) : `${k}: ${formatValue(v)}`);
  return `{${parts.join(', ')}}`;
}

function expectedText(e: ExpectedRow, changelog: boolean): string {
  return fields(e.values, changelog && e.op !== undefined ? OP_LABEL[e.op] : undefined);
}

/** An output's value as shown: a timestamp without milliseconds as people write it (`...T10:00:00Z`). */
function shown(v: unknown): unknown {
  return typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/.test(v) ? v.replace('.000Z', 'Z') : v;
}

/** An actual row showing the fields the expectation names (all of a sink's), in its order. */
function actualText(a: ActualRow, keys: readonly string[] | undefined, changelog: boolean): string {
  const entries: Array<[string, unknown]> = keys ? keys.map((k) => [k, shown(a.values[k] ?? null)]) : Object.entries(a.values).map(([k, v]) => [k, shown(v)]);
  return fields(entries, changelog ? OP_LABEL[a.op] : undefined);
}

/** At most this many rows of each kind in a diff; the rest are counted. */
const MAX_SHOWN = 20;

function capped<T>(rows: readonly T[], line: (r: T) => string, what: string, s: Style): string[] {
  const out = rows.slice(0, MAX_SHOWN).map(line);
  if (rows.length > MAX_SHOWN) out.push(s.dim(`  … and ${rows.length - MAX_SHOWN} more ${what} rows`));
  return out;
}

export function renderOutputDiff(o: OutputResult, lineOf: (offset: number) => number, s: Style): string[] {
  const exp = o.expectation;
  const out: string[] = [];
  const counts = [
    o.missing.length ? `${o.missing.length} missing` : '',
    o.unexpected.length ? `${o.unexpected.length} unexpected` : '',
    o.changed.length ? `${o.changed.length} changed` : '',
    o.order ? 'out of order' : '',
  ].filter(Boolean);
  out.push(`${s.bold(exp.target)}${exp.changelog ? ' (changelog)' : ''}: ${counts.join(', ')} (expected ${exp.rows.length} row${exp.rows.length === 1 ? '' : 's'}, got ${o.actual.length})`);
  const keys = exp.kind === 'sink' ? undefined : [...new Set(exp.rows.flatMap((r) => [...r.values.keys()]))];
  const where = (e: ExpectedRow) => s.dim(exp.file ? `(${path.basename(exp.file)})` : `(line ${lineOf(e.range[0])})`);
  out.push(...capped(o.missing, (e) => s.red(`  - missing     ${expectedText(e, exp.changelog)}`) + ` ${where(e)}`, 'missing', s));
  out.push(...capped(o.unexpected, (a) => s.green(`  + unexpected  ${actualText(a, keys?.length ? keys : undefined, exp.changelog)}`), 'unexpected', s));
  const changedLine = (c: OutputResult['changed'][number]): string => {
    const changed = new Set(c.columns);
    const text = fields(c.expected.values, exp.changelog && c.expected.op !== undefined ? OP_LABEL[c.expected.op] : undefined, (k, v) =>
      changed.has(k) ? s.yellow(`${k}: ${v} → ${formatValue(shown(c.actual.values[k] ?? null))}`) : `${k}: ${v}`,
    );
    return `  ~ changed     ${text} ${where(c.expected)}`;
  };
  out.push(...capped(o.changed, changedLine, 'changed', s));
  if (o.order) {
    out.push(`  order: row ${o.order.index + 1} should be ${expectedText(o.order.expected, exp.changelog)} ${where(o.order.expected)}`);
    out.push(`         but is ${actualText(o.order.actual, keys?.length ? keys : undefined, exp.changelog)}`);
  }
  if (o.unmatchedRetractions > 0) out.push(s.dim(`  note: ${o.unmatchedRetractions} retraction(s) found no earlier row to retract (a malformed changelog)`));
  return out;
}

function caseLine(file: string, c: CaseResult, s: Style): string {
  const tag = c.pass ? s.green('PASS') : s.red('FAIL');
  return `${tag} ${file} › ${c.name} ${s.dim(`(${Math.round(c.ms)} ms)`)}`;
}

export function renderFile(r: FileResult, s: Style, cwd = process.cwd()): string[] {
  const file = path.relative(cwd, r.file) || r.file;
  if (r.error !== undefined) return [`${s.red('ERROR')} ${file}`, ...r.error.split('\n').map((l) => `  ${l}`)];
  const lineOf = (offset: number) => r.testFile!.lines.linePos(offset).line;
  const out: string[] = [];
  for (const c of r.cases) {
    out.push(caseLine(file, c, s));
    if (c.pass) continue;
    if (c.error !== undefined) out.push(...c.error.split('\n').map((l) => `    ${s.red(l)}`));
    for (const o of c.outputs) if (!o.pass) out.push(...renderOutputDiff(o, lineOf, s).map((l) => `    ${l}`));
  }
  return out;
}

export interface Totals {
  readonly passed: number;
  readonly failed: number;
  readonly errors: number;
  readonly files: number;
}

export function totals(results: readonly FileResult[]): Totals {
  let passed = 0;
  let failed = 0;
  let errors = 0;
  for (const r of results) {
    if (r.error !== undefined) errors++;
    for (const c of r.cases) c.pass ? passed++ : failed++;
  }
  return { passed, failed, errors, files: results.length };
}

export function renderSummary(t: Totals, ms: number, s: Style): string {
  const parts = [`${t.passed} passed`, t.failed ? s.red(`${t.failed} failed`) : '0 failed'];
  if (t.errors) parts.push(s.red(`${t.errors} file error${t.errors === 1 ? '' : 's'}`));
  return `${s.bold('Tests:')} ${parts.join(', ')} (${t.files} file${t.files === 1 ? '' : 's'}, ${Math.round(ms)} ms)`;
}
