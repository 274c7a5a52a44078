// Window size, slide and gap arguments: a duration literal (`10s`) or an INTERVAL, positive.

import type { Expr } from '../sql/ast.js';
import { PlanError } from './errors.js';

export function windowArg(e: Expr, what: string, text: string): number {
  if (e.kind === 'interval') {
    if (e.micros <= 0) throw new PlanError(text, e.span, `the window ${what} must be positive`);
    return e.micros;
  }
  throw new PlanError(text, e.span, `the window ${what} must be a duration`, {
    expected: "a duration such as 10s, 500ms, 5m, 1h or INTERVAL '10' SECOND",
    ...(e.kind === 'number' ? { hint: `add a unit: ${e.text}s for ${e.text} seconds` } : {}),
  });
}
