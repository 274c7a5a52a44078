// A statement's or a command's error as REPL output: a SQL diagnostic with its caret, a
// connector's message with its option and hint, else the error's message (never a stack).

import { SqlError } from '../sql/diagnostics.js';
import { ConnectorError } from '../connectors/connector.js';
import { out, type Output } from './output.js';

export function errorOutput(e: unknown, file?: string): Output {
  if (e instanceof SqlError) return out.error((file && e.file === undefined ? e.withFile(file) : e).render());
  if (e instanceof ConnectorError) return out.error(e.render('error: '));
  return out.error(`error: ${(e as Error).message ?? String(e)}`);
}
