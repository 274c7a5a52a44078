// Compiles bound expressions to closures once per operator, never interpreting per row.
// (Stub signatures: implemented by the expressions work.)

import type { Row, Value } from '../catalog/types.js';
import type { BoundExpr } from './bound.js';

export type Evaluator = (row: Row) => Value;

export function compileExpr(_e: BoundExpr): Evaluator {
  throw new Error('not implemented');
}

/** A WHERE/HAVING predicate: true only when the expression is TRUE (not NULL, not FALSE). */
export function compilePredicate(_e: BoundExpr): (row: Row) => boolean {
  throw new Error('not implemented');
}
