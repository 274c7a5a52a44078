// Group and partition keys: compiled to a function from a row to one string, so that state
// tables are plain string-keyed maps. Equal SQL values (including NULLs) give equal strings.
// (Stub signatures: implemented by the expressions work.)

import type { Row, Value } from '../catalog/types.js';
import type { BoundExpr } from './bound.js';

export interface KeyFn {
  /** The encoded key of a row. */
  encode(row: Row): string;
  /** The key values of a row (kept beside the state to emit them). */
  values(row: Row): Value[];
}

export function compileKey(_exprs: readonly BoundExpr[]): KeyFn {
  throw new Error('not implemented');
}
