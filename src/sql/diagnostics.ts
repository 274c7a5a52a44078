// Diagnostics: every parse, name and type error a user can cause, with a position, the source
// line, a caret under the offending text, what was expected and a hint. Never a stack trace.

import type { Span } from './ast.js';

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly span: Span;
  /** e.g. "a column name, '*' or an expression" */
  readonly expected?: string;
  readonly hint?: string;
}

/** Thrown by every stage from the lexer to the planner; the CLI and REPL render it. */
export class SqlError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  /** The full text the spans point into, and the file it came from (if any). */
  readonly source: string;
  readonly file: string | undefined;

  constructor(diagnostics: readonly Diagnostic[], source: string, file?: string) {
    super(diagnostics.map((d) => d.message).join('; '));
    this.name = 'SqlError';
    this.diagnostics = diagnostics;
    this.source = source;
    this.file = file;
  }

  /** The same error reported against another file (paths in CLI messages). */
  withFile(file: string): SqlError {
    return new SqlError(this.diagnostics, this.source, file);
  }

  render(): string {
    return this.diagnostics.map((d) => renderDiagnostic(d, this.source, this.file)).join('\n\n');
  }
}

/** A diagnostic at a span, thrown by the binder and planner. */
export function sqlError(source: string, span: Span, message: string, extra: { expected?: string; hint?: string } = {}): SqlError {
  const d: Diagnostic = { severity: 'error', message, span, ...extra };
  return new SqlError([d], source);
}

/**
 * error: unknown column 'vlaue'
 *   --> job.sql:3:8
 *    |
 *  3 | SELECT vlaue FROM raw
 *    |        ^^^^^
 *    = expected: a column of raw
 *    = hint: did you mean 'value'?
 */
export function renderDiagnostic(d: Diagnostic, source: string, file?: string): string {
  const lines = source.split('\n');
  const { line, column } = d.span.start;
  const text = (lines[line - 1] ?? '').replace(/\r$/, '');
  const gutter = String(line).length;
  const pad = ' '.repeat(gutter);
  const sameLine = d.span.end.line === line;
  const width = Math.max(1, sameLine ? d.span.end.column - column : text.length - column + 1);
  const caret = ' '.repeat(Math.max(0, column - 1)) + '^'.repeat(width);
  const out = [
    `${d.severity}: ${d.message}`,
    `${pad}--> ${file ?? '<input>'}:${line}:${column}`,
    `${pad} |`,
    `${line} | ${text}`,
    `${pad} | ${caret}`,
  ];
  if (d.expected) out.push(`${pad} = expected: ${d.expected}`);
  if (d.hint) out.push(`${pad} = hint: ${d.hint}`);
  return out.join('\n');
}

/**
 * Edit distance counting a swap of two neighbouring letters as one edit (optimal string
 * alignment), for "did you mean" hints: `vlaue` is one edit from `value`.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1);
    row[0] = i;
    rows.push(row);
  }
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i]!;
    const up = rows[i - 1]!;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(up[j]! + 1, row[j - 1]! + 1, up[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row[j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The closest candidate, for "did you mean 'x'?", when it is close enough to be what was meant:
 * one edit for a name of up to 4 letters (`lgo` -> `log`, but not `log` -> `mod`), two up to 8,
 * then a third of the name.
 */
export function nearest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = name.length <= 4 ? 1 : Math.max(2, Math.floor(name.length / 3));
  return bestD <= limit ? best : undefined;
}
