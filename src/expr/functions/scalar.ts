// The shape of a scalar function: its typing rule, its implementation and its DuckDB spelling.
// The registry (expr/functions.ts) lists the families under functions/, which implement it.

import type { SqlType, Value } from '../../catalog/types.js';

export interface ScalarFunction {
  /** Canonical lower-case name. */
  readonly name: string;
  /** One-line description for help and completion. */
  readonly doc: string;
  /** The result type for these argument types, or an error message for a diagnostic. */
  resolve(args: readonly SqlType[]): SqlType | { error: string };
  /**
   * The implementation over already-evaluated arguments; `argTypes` and `type` are the bound
   * types, so it can be specialised once at compile time.
   */
  compile(argTypes: readonly SqlType[], type: SqlType): (args: readonly Value[]) => Value;
  /** DuckDB SQL for the call, given the arguments already translated to DuckDB SQL. */
  sql(args: readonly string[], argTypes: readonly SqlType[]): string;
}
