// HTTP errors as the API reports them: `{"error": {"message", "line"?, "column"?, "caret"?,
// "hint"?}}` with a 4xx/5xx status. A SQL diagnostic keeps its position, the offending line
// with a caret under it, and its hint; never a stack trace.

import { SqlError } from '../sql/diagnostics.js';
import { ConnectorError } from '../connectors/connector.js';
import { UsageError } from '../cli/errors.js';

export interface ErrorBody {
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  readonly caret?: string;
  readonly hint?: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Omit<ErrorBody, 'message'> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): { error: ErrorBody } {
    return { error: { message: this.message, ...this.extra } };
  }
}

/** Every diagnostic of a SQL error, with its position, caret line and hint. */
export function diagnosticsOf(e: SqlError): ErrorBody[] {
  const lines = e.source.split('\n');
  return e.diagnostics.map((d) => {
    const { line, column } = d.span.start;
    const end = d.span.end;
    const text = (lines[line - 1] ?? '').replace(/\r$/, '');
    const width = end.line === line ? Math.max(1, end.column - column) : Math.max(1, text.length - column + 1);
    const caret = `${text}\n${' '.repeat(Math.max(0, column - 1))}${'^'.repeat(width)}`;
    const hint = d.hint ?? (d.expected ? `expected ${d.expected}` : undefined);
    return { message: d.message, line, column, endLine: end.line, endColumn: end.column, caret, ...(hint ? { hint } : {}) };
  });
}

/**
 * A user's mistake in a submitted text as a 400 (bad SQL with its position, a bad connector
 * option, a usage error); anything else is rethrown for the server's 500.
 */
export function userError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof SqlError) {
    const [first, ...rest] = diagnosticsOf(e);
    const { message, ...extra } = first ?? { message: e.message };
    return new HttpError(400, rest.length > 0 ? `${message} (and ${rest.length} more)` : message, extra);
  }
  if (e instanceof ConnectorError) return new HttpError(400, e.render(''), e.hint ? { hint: e.hint } : {});
  if (e instanceof UsageError) return new HttpError(400, e.message);
  throw e;
}
