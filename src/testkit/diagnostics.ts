// Test-file diagnostics: a position in a YAML/JSON test file (or a data file it names) as the
// SQL diagnostics carry one, so `sluice test` renders them with file:line:column and a caret.

import type { LineCounter } from 'yaml';
import { SqlError, type Diagnostic } from '../sql/diagnostics.js';
import type { Span } from '../sql/ast.js';

/** A text and its line index, for turning offsets into spans. */
export interface TextFile {
  readonly path: string;
  readonly text: string;
  readonly lines: LineCounter;
}

/** Offsets [start, end) as a span (line and column 1-based). */
export function spanOf(f: TextFile, start: number, end: number): Span {
  const a = f.lines.linePos(start);
  const b = f.lines.linePos(Math.max(start + 1, end));
  return { start: { offset: start, line: a.line, column: a.col }, end: { offset: end, line: b.line, column: b.col } };
}

/** Collects a file's errors; `throwIfAny` raises them together as one SqlError (rendered by the CLI). */
export class Problems {
  private readonly list: Diagnostic[] = [];
  constructor(readonly file: TextFile) {}

  add(range: readonly number[] | undefined | null, message: string, hint?: string): void {
    const start = range?.[0] ?? 0;
    const end = range?.[1] ?? start + 1;
    this.list.push({ severity: 'error', message, span: spanOf(this.file, start, end), ...(hint ? { hint } : {}) });
  }

  get count(): number {
    return this.list.length;
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw new SqlError(this.list, this.file.text, this.file.path);
  }
}
