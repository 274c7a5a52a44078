// Default output column names for SELECT items without an alias: the column (or struct field)
// name, or the call as written in lower case, e.g. `avg(value)`, `count(*)`.

import type { Expr } from '../sql/ast.js';
import type { BoundExpr } from '../expr/bound.js';

export function defaultName(e: Expr, bound: BoundExpr): string {
  void bound;
  return nameOf(e);
}

function nameOf(e: Expr): string {
  switch (e.kind) {
    case 'column':
      return e.path[e.path.length - 1]!.name;
    case 'call': {
      const fn = e.name.name.toLowerCase();
      if (e.star) return `${fn}(*)`;
      if (e.withinGroup) return `${fn}(${nameOf(e.args[1]!)}) within group (order by ${nameOf(e.args[0]!)}${e.withinGroup.descending ? ' desc' : ''})`;
      const args = e.args.map(nameOf).join(', ');
      return `${fn}(${e.distinct ? 'DISTINCT ' : ''}${args})`;
    }
    case 'cast':
      return nameOf(e.operand);
    case 'number':
      return e.text;
    case 'string':
      return `'${e.value}'`;
    case 'boolean':
      return String(e.value);
    case 'null':
      return 'null';
    case 'interval':
    case 'timestamp':
      return e.text;
    case 'unary':
      return `${e.op === 'NOT' ? 'not ' : e.op}${nameOf(e.operand)}`;
    case 'binary':
      return `${nameOf(e.left)} ${e.op.toLowerCase()} ${nameOf(e.right)}`;
    default:
      return e.kind;
  }
}
