// Compiles bound expressions to closures once per operator, never interpreting per row. Each
// node becomes one closure chosen by kind, operator and operand types at compile time. SQL
// three-valued logic throughout: NULL is JS null, and a predicate holds only when TRUE.

import type { Row, StructValue, Value } from '../catalog/types.js';
import type { BoundExpr } from './bound.js';
import { castFunction } from './cast.js';
import { compileArith, compileCompare, type Evaluator } from './compile-ops.js';
import { lookupFunction } from './functions.js';
import { compileLikePattern, dynamicLike } from './like.js';
import { comparatorFor, valuesEqual } from './values.js';

export type { Evaluator } from './compile-ops.js';

export function compileExpr(e: BoundExpr): Evaluator {
  switch (e.kind) {
    case 'literal': {
      const v = e.value;
      return () => v;
    }
    case 'column': {
      const i = e.index;
      return (row) => row[i] ?? null;
    }
    case 'field':
      return compileField(compileExpr(e.operand), e.field);
    case 'unary': {
      const o = compileExpr(e.operand);
      if (e.op === 'NOT') {
        return (row) => {
          const v = o(row);
          return v === null ? null : !v;
        };
      }
      // `0 - x` keeps integer zero positive; doubles keep IEEE negation (-0.0).
      if (e.type.kind === 'double') return (row) => {
        const v = o(row);
        return v === null ? null : -(v as number);
      };
      return (row) => {
        const v = o(row);
        return v === null ? null : 0 - (v as number);
      };
    }
    case 'arith':
      return compileArith(e.op, compileExpr(e.left), compileExpr(e.right), e.type);
    case 'concat': {
      const l = compileExpr(e.left);
      const r = compileExpr(e.right);
      const ls = toText(e.left);
      const rs = toText(e.right);
      return (row) => {
        const a = l(row);
        if (a === null) return null;
        const b = r(row);
        return b === null ? null : (ls(a) as string) + (rs(b) as string);
      };
    }
    case 'compare':
      return compileCompare(e.op, e.left, e.right, compileExpr(e.left), compileExpr(e.right));
    case 'logic':
      return compileLogic(e.op, e.operands.map(compileExpr));
    case 'isNull': {
      const o = compileExpr(e.operand);
      return e.negated ? (row) => o(row) !== null : (row) => o(row) === null;
    }
    case 'in':
      return compileIn(e.operand, e.list, e.negated);
    case 'between':
      return compileBetween(e);
    case 'like':
      return compileLike(e);
    case 'case':
      return compileCase(e);
    case 'cast': {
      const cast = castFunction(e.operand.type, e.type);
      if (!cast) throw new Error(`no cast from ${e.operand.type.kind} to ${e.type.kind}`);
      const o = compileExpr(e.operand);
      return (row) => cast(o(row));
    }
    case 'call':
      return compileCall(e.fn, e.args, e);
    case 'struct': {
      const names = e.fields.map((f) => f.name);
      const values = e.fields.map((f) => compileExpr(f.value));
      return (row) => {
        const out: Record<string, Value> = {};
        for (let i = 0; i < names.length; i++) out[names[i]!] = values[i]!(row);
        return out;
      };
    }
  }
}

/** A WHERE/HAVING predicate: true only when the expression is TRUE (not NULL, not FALSE). */
export function compilePredicate(e: BoundExpr): (row: Row) => boolean {
  const f = compileExpr(e);
  return (row) => f(row) === true;
}

function toText(e: BoundExpr): (v: Value) => Value {
  if (e.type.kind === 'varchar') return (v) => v;
  const cast = castFunction(e.type, { kind: 'varchar' });
  return cast ?? ((v) => String(v));
}

function compileField(o: Evaluator, field: string): Evaluator {
  // A field named like an Object.prototype member must not read the inherited property.
  if (field in Object.prototype) {
    return (row) => {
      const s = o(row) as StructValue | null;
      return s !== null && Object.hasOwn(s, field) ? (s[field] ?? null) : null;
    };
  }
  return (row) => {
    const s = o(row) as StructValue | null;
    return s === null ? null : (s[field] ?? null);
  };
}

function compileLogic(op: 'AND' | 'OR', parts: readonly Evaluator[]): Evaluator {
  // AND: any FALSE wins, else any NULL gives NULL. OR: any TRUE wins, else NULL, else FALSE.
  const dominant = op === 'OR';
  if (parts.length === 1) return parts[0]!;
  if (parts.length === 2) {
    const [a, b] = parts as [Evaluator, Evaluator];
    return (row) => {
      const x = a(row);
      if (x === dominant) return dominant;
      const y = b(row);
      if (y === dominant) return dominant;
      return x === null || y === null ? null : !dominant;
    };
  }
  return (row) => {
    let sawNull = false;
    for (let i = 0; i < parts.length; i++) {
      const v = parts[i]!(row);
      if (v === dominant) return dominant;
      if (v === null) sawNull = true;
    }
    return sawNull ? null : !dominant;
  };
}

function compileIn(operand: BoundExpr, list: readonly BoundExpr[], negated: boolean): Evaluator {
  const o = compileExpr(operand);
  // x IN (a, b) = (x = a OR x = b): a miss with a NULL in the list is NULL.
  if (list.every((x) => x.kind === 'literal') && operand.type.kind !== 'struct') {
    const set = new Set<Value>();
    let hasNull = false;
    for (const x of list) {
      if (x.kind !== 'literal') continue;
      if (x.value === null) hasNull = true;
      else set.add(x.value);
    }
    // Set lookup is SameValueZero: NaN finds NaN and -0 finds 0, as SQL equality wants.
    return (row) => {
      const v = o(row);
      if (v === null) return null;
      if (set.has(v)) return !negated;
      return hasNull ? null : negated;
    };
  }
  const items = list.map(compileExpr);
  return (row) => {
    const v = o(row);
    if (v === null) return null;
    let sawNull = false;
    for (let i = 0; i < items.length; i++) {
      const w = items[i]!(row);
      if (w === null) sawNull = true;
      else if (valuesEqual(v, w)) return !negated;
    }
    return sawNull ? null : negated;
  };
}

function compileBetween(e: Extract<BoundExpr, { kind: 'between' }>): Evaluator {
  const o = compileExpr(e.operand);
  const lo = compileExpr(e.low);
  const hi = compileExpr(e.high);
  const anyDouble = [e.operand, e.low, e.high].some((x) => x.type.kind === 'double');
  const cmp = comparatorFor(anyDouble ? { kind: 'double' } : e.operand.type);
  const negated = e.negated;
  // x BETWEEN a AND b = (x >= a AND x <= b), with three-valued AND.
  return (row) => {
    const x = o(row);
    if (x === null) return null;
    const a = lo(row);
    const b = hi(row);
    const ge = a === null ? null : cmp(x, a) >= 0;
    const le = b === null ? null : cmp(x, b) <= 0;
    let r: boolean | null;
    if (ge === false || le === false) r = false;
    else if (ge === null || le === null) r = null;
    else r = true;
    return r === null ? null : r !== negated;
  };
}

function compileLike(e: Extract<BoundExpr, { kind: 'like' }>): Evaluator {
  const o = compileExpr(e.operand);
  const negated = e.negated;
  if (e.pattern.kind === 'literal') {
    const p = e.pattern.value;
    if (p === null) return () => null;
    const m = compileLikePattern(p as string, e.caseInsensitive);
    return (row) => {
      const v = o(row);
      return v === null ? null : m(v as string) !== negated;
    };
  }
  const p = compileExpr(e.pattern);
  const like = dynamicLike(e.caseInsensitive);
  return (row) => {
    const v = o(row);
    if (v === null) return null;
    const pat = p(row);
    return pat === null ? null : like(v as string, pat as string) !== negated;
  };
}

function compileCase(e: Extract<BoundExpr, { kind: 'case' }>): Evaluator {
  const whens = e.whens.map((w) => compileExpr(w.when));
  const thens = e.whens.map((w) => compileExpr(w.then));
  const otherwise = e.else ? compileExpr(e.else) : () => null;
  if (whens.length === 1) {
    const [w, t] = [whens[0]!, thens[0]!];
    return (row) => (w(row) === true ? t(row) : otherwise(row));
  }
  return (row) => {
    for (let i = 0; i < whens.length; i++) if (whens[i]!(row) === true) return thens[i]!(row);
    return otherwise(row);
  };
}

function compileCall(name: string, args: readonly BoundExpr[], e: BoundExpr): Evaluator {
  const fn = lookupFunction(name);
  if (!fn) throw new Error(`unknown function ${name}`);
  const impl = fn.compile(
    args.map((a) => a.type),
    e.type,
  );
  const evals = args.map(compileExpr);
  // One argument buffer per call site, reused for every row (calls never re-enter themselves).
  const buf: Value[] = new Array<Value>(evals.length).fill(null);
  switch (evals.length) {
    case 0:
      return () => impl(buf);
    case 1: {
      const a = evals[0]!;
      return (row) => {
        buf[0] = a(row);
        return impl(buf);
      };
    }
    case 2: {
      const [a, b] = evals as [Evaluator, Evaluator];
      return (row) => {
        buf[0] = a(row);
        buf[1] = b(row);
        return impl(buf);
      };
    }
    default:
      return (row) => {
        for (let i = 0; i < evals.length; i++) buf[i] = evals[i]!(row);
        return impl(buf);
      };
  }
}
