// Closures for the binary operators (arithmetic, comparison), chosen once by operator, operand
// type and shape, so the per-row path does no dispatch. NULL in, NULL out.

import type { Row, SqlType, Value } from '../catalog/types.js';
import type { BoundExpr } from './bound.js';
import { compareDoubles, comparatorFor } from './values.js';

export type Evaluator = (row: Row) => Value;
export type ArithOp = '+' | '-' | '*' | '/' | '%';
export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

export function compileArith(op: ArithOp, l: Evaluator, r: Evaluator, type: SqlType): Evaluator {
  switch (op) {
    case '+':
      // Also TIMESTAMP + INTERVAL: both are micros.
      return (row) => {
        const a = l(row);
        if (a === null) return null;
        const b = r(row);
        return b === null ? null : (a as number) + (b as number);
      };
    case '-':
      return (row) => {
        const a = l(row);
        if (a === null) return null;
        const b = r(row);
        return b === null ? null : (a as number) - (b as number);
      };
    case '*':
      return (row) => {
        const a = l(row);
        if (a === null) return null;
        const b = r(row);
        return b === null ? null : (a as number) * (b as number);
      };
    case '/':
      // Always DOUBLE division; DuckDB 1.5 gives IEEE results for x/0 (inf, -inf, nan).
      return (row) => {
        const a = l(row);
        if (a === null) return null;
        const b = r(row);
        return b === null ? null : (a as number) / (b as number);
      };
    case '%':
      if (type.kind === 'double') {
        // fmod: sign of the dividend; x % 0 is NaN, as in DuckDB.
        return (row) => {
          const a = l(row);
          if (a === null) return null;
          const b = r(row);
          return b === null ? null : (a as number) % (b as number);
        };
      }
      // Integer modulo by zero is NULL in DuckDB; `+ 0` turns -0 into 0.
      return (row) => {
        const a = l(row);
        if (a === null) return null;
        const b = r(row);
        return b === null || b === 0 ? null : ((a as number) % (b as number)) + 0;
      };
  }
}

const SWAPPED: Record<CompareOp, CompareOp> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

type Shape = { kind: 'colLit'; index: number; lit: Value } | { kind: 'general' };

function shapeOf(left: BoundExpr, right: BoundExpr): { shape: Shape; op: (o: CompareOp) => CompareOp } {
  if (left.kind === 'column' && right.kind === 'literal') {
    return { shape: { kind: 'colLit', index: left.index, lit: right.value }, op: (o) => o };
  }
  if (left.kind === 'literal' && right.kind === 'column') {
    return { shape: { kind: 'colLit', index: right.index, lit: left.value }, op: (o) => SWAPPED[o] };
  }
  return { shape: { kind: 'general' }, op: (o) => o };
}

/** Operand types that JS's own operators order correctly (numbers, micros, booleans). */
function nativelyOrdered(t: SqlType): boolean {
  return t.kind === 'int' || t.kind === 'bigint' || t.kind === 'timestamp' || t.kind === 'interval' || t.kind === 'boolean';
}

export function compileCompare(
  op: CompareOp,
  left: BoundExpr,
  right: BoundExpr,
  l: Evaluator,
  r: Evaluator,
): Evaluator {
  const lt = left.type;
  const rt = right.type;
  if (lt.kind === 'null' || rt.kind === 'null') return () => null;
  const { shape, op: mapOp } = shapeOf(left, right);
  if (shape.kind === 'colLit' && shape.lit === null) return () => null;
  const effective = mapOp(op);
  if (nativelyOrdered(lt) && nativelyOrdered(rt)) {
    return shape.kind === 'colLit' ? nativeColLit(effective, shape.index, shape.lit) : nativeGeneral(op, l, r);
  }
  if (lt.kind === 'varchar' && rt.kind === 'varchar' && (op === '=' || op === '<>')) {
    if (shape.kind === 'colLit') return nativeColLit(effective, shape.index, shape.lit);
    return nativeGeneral(op, l, r);
  }
  // Doubles (NaN is the greatest and equals itself), strings in UTF-8 order, structs.
  const cmp = lt.kind === 'double' || rt.kind === 'double' ? (compareDoubles as (a: Value, b: Value) => number) : comparatorFor(lt);
  const test = TESTS[op];
  return (row) => {
    const a = l(row);
    if (a === null) return null;
    const b = r(row);
    return b === null ? null : test(cmp(a, b));
  };
}

const TESTS: Record<CompareOp, (c: number) => boolean> = {
  '=': (c) => c === 0,
  '<>': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

function nativeColLit(op: CompareOp, i: number, lit: Value): Evaluator {
  const c = lit as number;
  switch (op) {
    case '=':
      return (row) => {
        const v = row[i] ?? null;
        return v === null ? null : v === c;
      };
    case '<>':
      return (row) => {
        const v = row[i] ?? null;
        return v === null ? null : v !== c;
      };
    case '<':
      return (row) => {
        const v = row[i] ?? null;
        return v === null ? null : (v as number) < c;
      };
    case '<=':
      return (row) => {
        const v = row[i] ?? null;
        return v === null ? null : (v as number) <= c;
      };
    case '>':
      return (row) => {
        const v = row[i] ?? null;
        return v === null ? null : (v as number) > c;
      };
    case '>=':
      return (row) => {
        const v = row[i] ?? null;
        return v === null ? null : (v as number) >= c;
      };
  }
}

function nativeGeneral(op: CompareOp, l: Evaluator, r: Evaluator): Evaluator {
  switch (op) {
    case '=':
      return (row) => {
        const a = l(row);
        if (a === null) return null;
        const b = r(row);
        return b === null ? null : a === b;
      };
    case '<>':
      return (row) => {
        const a = l(row);
        if (a === null) return null;
        const b = r(row);
        return b === null ? null : a !== b;
      };
    case '<':
      return (row) => {
        const a = l(row);
        if (a === null) return null;
        const b = r(row);
        return b === null ? null : (a as number) < (b as number);
      };
    case '<=':
      return (row) => {
        const a = l(row);
        if (a === null) return null;
        const b = r(row);
        return b === null ? null : (a as number) <= (b as number);
      };
    case '>':
      return (row) => {
        const a = l(row);
        if (a === null) return null;
        const b = r(row);
        return b === null ? null : (a as number) > (b as number);
      };
    case '>=':
      return (row) => {
        const a = l(row);
        if (a === null) return null;
        const b = r(row);
        return b === null ? null : (a as number) >= (b as number);
      };
  }
}
