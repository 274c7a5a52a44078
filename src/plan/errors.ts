// Planner errors: a diagnostic at a span of the text being planned. Converted to SqlError
// (with the file name) at the planner's boundary so the CLI renders one kind of error.

import type { Span } from '../sql/ast.js';
import { SqlError, type Diagnostic } from '../sql/diagnostics.js';

export class PlanError extends SqlError {
  constructor(text: string, span: Span, message: string, extra: { expected?: string; hint?: string } = {}) {
    const d: Diagnostic = { severity: 'error', message, span, ...extra };
    super([d], text);
    this.name = 'PlanError';
  }
}
