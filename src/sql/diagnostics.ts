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

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate within a sensible distance, for "did you mean 'x'?". */
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
  const limit = Math.max(2, Math.floor(name.length / 3));
  return bestD <= limit ? best : undefined;
}
