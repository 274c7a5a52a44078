// The expression binder: AST expressions -> typed BoundExprs over a scope. Resolves names,
// checks and coerces types (string literals compared with timestamps become timestamps), and
// lets the query binder intercept aggregates, group keys and window functions.

import type { Expr, TypeName, Span } from '../sql/ast.js';
import { T, commonType, isNumeric, isIntegral, typeToSql, type SqlType, type Value } from '../catalog/types.js';
import { parseTimestamp } from '../catalog/timestamp.js';
import type { BoundExpr } from '../expr/bound.js';
import { lookupFunction, functionNames } from '../expr/functions.js';
import { AGGREGATE_NAMES } from '../expr/aggregates/accumulator.js';
import { unsupportedFunction, unsupportedFunctionMessage } from '../expr/unsupported.js';
import { nearest } from '../sql/diagnostics.js';
import { PlanError } from './errors.js';
import type { Scope } from './scope.js';

export const AGGREGATES: ReadonlySet<string> = new Set(AGGREGATE_NAMES);
export const WINDOW_FUNCTIONS = new Set(['lag', 'lead', 'first_value', 'last_value']);
export const GROUP_WINDOWS = new Set(['tumble', 'hop', 'cumulate', 'session']);
/** GROUPING()/GROUPING_ID() (bound by the aggregate binder) and ROLLUP/CUBE (GROUP BY items). */
const GROUPING_WORDS = new Set(['grouping', 'grouping_id', 'rollup', 'cube']);

export interface BindHooks {
  /** A replacement for this node (group key, aggregate, window function), or undefined. */
  intercept?(e: Expr): BoundExpr | undefined;
}

export class ExprBinder {
  constructor(
    readonly scope: Scope,
    readonly text: string,
    readonly hooks: BindHooks = {},
  ) {}

  bind(e: Expr): BoundExpr {
    const hit = this.hooks.intercept?.(e);
    if (hit !== undefined) return hit;
    switch (e.kind) {
      case 'number':
        return { kind: 'literal', value: e.value, type: e.integral ? (Math.abs(e.value) <= 2147483647 ? T.int : T.bigint) : T.double };
      case 'string':
        return { kind: 'literal', value: e.value, type: T.varchar };
      case 'boolean':
        return { kind: 'literal', value: e.value, type: T.boolean };
      case 'null':
        return { kind: 'literal', value: null, type: T.null };
      case 'interval':
        return { kind: 'literal', value: e.micros, type: T.interval };
      case 'timestamp':
        return { kind: 'literal', value: e.micros, type: T.timestamp };
      case 'column':
        return this.bindColumn(e);
      case 'star':
        throw this.err(e.span, "'*' is only allowed in the SELECT list or COUNT(*)");
      case 'unary':
        return this.bindUnary(e);
      case 'binary':
        return this.bindBinary(e.op, e.left, e.right, e.span);
      case 'isNull':
        return { kind: 'isNull', operand: this.bind(e.operand), negated: e.negated, type: T.boolean };
      case 'in': {
        const operand = this.bind(e.operand);
        let t = operand.type;
        const list = e.list.map((x) => this.bind(x));
        for (let i = 0; i < list.length; i++) {
          const c = this.unify(t, list[i]!, e.list[i]!.span);
          t = c;
        }
        return { kind: 'in', operand: this.coerce(operand, t), list: list.map((x) => this.coerce(x, t)), negated: e.negated, type: T.boolean };
      }
      case 'between': {
        const operand = this.bind(e.operand);
        const low = this.bind(e.low);
        const high = this.bind(e.high);
        const t = this.unify(this.unify(operand.type, low, e.low.span), high, e.high.span);
        return {
          kind: 'between',
          operand: this.coerce(operand, t),
          low: this.coerce(low, t),
          high: this.coerce(high, t),
          negated: e.negated,
          type: T.boolean,
        };
      }
      case 'like': {
        const operand = this.expectType(this.bind(e.operand), 'varchar', e.operand.span, 'LIKE');
        const pattern = this.expectType(this.bind(e.pattern), 'varchar', e.pattern.span, 'LIKE');
        return { kind: 'like', operand, pattern, negated: e.negated, caseInsensitive: e.caseInsensitive, type: T.boolean };
      }
      case 'case':
        return this.bindCase(e);
      case 'cast': {
        const operand = this.bind(e.operand);
        const type = resolveTypeName(e.type);
        if (operand.kind === 'literal' && operand.type.kind === 'varchar' && type.kind === 'timestamp') {
          return this.timestampLiteral(operand.value as string, e.operand.span);
        }
        if (type.kind === 'struct' || operand.type.kind === 'struct') {
          throw this.err(e.span, `cannot CAST ${typeToSql(operand.type)} to ${typeToSql(type)}`);
        }
        return { kind: 'cast', operand, type };
      }
      case 'call':
        return this.bindCall(e);
      case 'struct': {
        const fields = e.fields.map((f) => ({ name: f.name.name, value: this.bind(f.value) }));
        return { kind: 'struct', fields, type: { kind: 'struct', fields: fields.map((f) => ({ name: f.name, type: f.value.type })) } };
      }
    }
  }

  /** Bind a boolean condition (WHERE, HAVING, CASE WHEN). */
  bindCondition(e: Expr, clause: string): BoundExpr {
    const b = this.bind(e);
    if (b.type.kind !== 'boolean' && b.type.kind !== 'null') {
      throw this.err(e.span, `${clause} needs a boolean condition, got ${typeToSql(b.type)}`, {
        hint: 'compare the value, e.g. `value > 50`',
      });
    }
    return b;
  }

  err(span: Span, message: string, extra: { expected?: string; hint?: string } = {}): PlanError {
    return new PlanError(this.text, span, message, extra);
  }

  private bindColumn(e: Expr & { kind: 'column' }): BoundExpr {
    const { index, fields } = this.scope.resolve(e.path, e.span, this.text);
    const col = this.scope.columns[index]!;
    let out: BoundExpr = { kind: 'column', index, name: col.name, type: col.type };
    for (const f of fields) {
      const t: SqlType = out.type;
      if (t.kind !== 'struct') {
        throw this.err(f.span, `'${f.name}' is not a field: ${typeToSql(t)} has no fields`, {
          hint: 'only STRUCT columns have fields (declare the column as STRUCT<name TYPE, ...>)',
        });
      }
      const field: { name: string; type: SqlType } | undefined = t.fields.find((x) => x.name === f.name) ?? t.fields.find((x) => x.name.toLowerCase() === f.name.toLowerCase());
      if (!field) {
        const guess = nearest(f.name, t.fields.map((x) => x.name));
        throw this.err(f.span, `unknown field '${f.name}'`, {
          expected: `one of ${t.fields.map((x) => `'${x.name}'`).join(', ')}`,
          ...(guess ? { hint: `did you mean '${guess}'?` } : {}),
        });
      }
      out = { kind: 'field', operand: out, field: field.name, type: field.type };
    }
    return out;
  }

  private bindUnary(e: Expr & { kind: 'unary' }): BoundExpr {
    const operand = this.bind(e.operand);
    if (e.op === 'NOT') return { kind: 'unary', op: 'NOT', operand: this.expectType(operand, 'boolean', e.operand.span, 'NOT'), type: T.boolean };
    if (!isNumeric(operand.type) && operand.type.kind !== 'null' && operand.type.kind !== 'interval') {
      throw this.err(e.span, `cannot apply '${e.op}' to ${typeToSql(operand.type)}`);
    }
    if (e.op === '+') return operand;
    if (operand.kind === 'literal' && typeof operand.value === 'number') {
      return { kind: 'literal', value: -operand.value, type: operand.type };
    }
    return { kind: 'unary', op: '-', operand, type: operand.type };
  }

  private bindBinary(op: string, l: Expr, r: Expr, span: Span): BoundExpr {
    if (op === 'AND' || op === 'OR') {
      const operands: BoundExpr[] = [];
      for (const [side, ast] of [[this.bind(l), l], [this.bind(r), r]] as const) {
        this.expectType(side, 'boolean', ast.span, op);
        if (side.kind === 'logic' && side.op === op) operands.push(...side.operands);
        else operands.push(side);
      }
      return { kind: 'logic', op, operands, type: T.boolean };
    }
    let left = this.bind(l);
    let right = this.bind(r);
    switch (op) {
      case '||': {
        return { kind: 'concat', left: this.toVarchar(left), right: this.toVarchar(right), type: T.varchar };
      }
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=': {
        [left, right] = this.coercePair(left, right, l.span, r.span, op);
        return { kind: 'compare', op, left, right, type: T.boolean };
      }
      case '+':
      case '-': {
        if (left.type.kind === 'timestamp' && right.type.kind === 'interval') {
          return { kind: 'arith', op, left, right, type: T.timestamp };
        }
        if (op === '+' && left.type.kind === 'interval' && right.type.kind === 'timestamp') {
          return { kind: 'arith', op, left: right, right: left, type: T.timestamp };
        }
        if (left.type.kind === 'interval' && right.type.kind === 'interval') {
          return { kind: 'arith', op, left, right, type: T.interval };
        }
        return this.numeric(op, left, right, l.span, r.span, span);
      }
      case '*':
      case '%':
        return this.numeric(op, left, right, l.span, r.span, span);
      case '/': {
        const n = this.numeric(op, left, right, l.span, r.span, span);
        return { ...n, type: T.double } as BoundExpr;
      }
      default:
        throw this.err(span, `unknown operator '${op}'`);
    }
  }

  private numeric(op: '+' | '-' | '*' | '/' | '%', left: BoundExpr, right: BoundExpr, ls: Span, rs: Span, span: Span): BoundExpr {
    for (const [side, s] of [[left, ls], [right, rs]] as const) {
      if (!isNumeric(side.type) && side.type.kind !== 'null') {
        const hint =
          side.type.kind === 'timestamp'
            ? 'timestamps take an interval: `ts + INTERVAL \'1\' SECOND` or `ts - 10s`'
            : side.type.kind === 'varchar'
              ? 'CAST the text to a number first: `CAST(x AS DOUBLE)`'
              : undefined;
        throw this.err(s, `'${op}' needs numbers, got ${typeToSql(side.type)}`, hint ? { hint } : {});
      }
    }
    const t = commonType(left.type, right.type) ?? T.double;
    const type = t.kind === 'null' ? T.int : t.kind === 'bigint' && (left.type.kind === 'int' && right.type.kind === 'int') ? T.int : t;
    void span;
    return { kind: 'arith', op, left, right, type };
  }

  private bindCase(e: Expr & { kind: 'case' }): BoundExpr {
    const operand = e.operand ? this.bind(e.operand) : undefined;
    const whens: { when: BoundExpr; then: BoundExpr }[] = [];
    let t: SqlType = T.null;
    const thens: BoundExpr[] = [];
    for (const w of e.whens) {
      let cond: BoundExpr;
      if (operand) {
        const v = this.bind(w.when);
        const [a, b] = this.coercePair(operand, v, e.operand!.span, w.when.span, '=');
        cond = { kind: 'compare', op: '=', left: a, right: b, type: T.boolean };
      } else {
        cond = this.bindCondition(w.when, 'CASE WHEN');
      }
      const then = this.bind(w.then);
      t = this.unify(t, then, w.then.span);
      whens.push({ when: cond, then });
      thens.push(then);
    }
    let els: BoundExpr | undefined;
    if (e.else) {
      els = this.bind(e.else);
      t = this.unify(t, els, e.else.span);
    }
    return {
      kind: 'case',
      whens: whens.map((w) => ({ when: w.when, then: this.coerce(w.then, t) })),
      else: els ? this.coerce(els, t) : undefined,
      type: t,
    };
  }

  private bindCall(e: Expr & { kind: 'call' }): BoundExpr {
    const name = e.name.name.toLowerCase();
    if (AGGREGATES.has(name)) {
      throw this.err(e.span, `aggregate ${name.toUpperCase()}() is not allowed here`, {
        hint: 'aggregates go in the SELECT list or HAVING of a query with GROUP BY (or over the whole input)',
      });
    }
    if (GROUP_WINDOWS.has(name)) {
      throw this.err(e.span, `${name.toUpperCase()}() is a window of GROUP BY, not a function`, {
        hint: `write \`GROUP BY key, ${name.toUpperCase()}(ts, 10s)\` and select window_start, window_end`,
      });
    }
    if (GROUPING_WORDS.has(name)) {
      // Reached only where the aggregate binder does not intercept GROUPING (bind-aggregate.ts).
      throw this.err(e.span, name === 'rollup' || name === 'cube' ? `${name.toUpperCase()}(...) is a GROUP BY item with at least one column, not a function` : `${name.toUpperCase()}() is only allowed in the SELECT list and HAVING of a GROUP BY query`, {
        hint: name === 'rollup' || name === 'cube' ? `e.g. GROUP BY TUMBLE(ts, 10s), ${name.toUpperCase()}(site, sensor)` : 'e.g. SELECT site, GROUPING(site) AS rolled_up, COUNT(*) FROM t GROUP BY ROLLUP(site)',
      });
    }
    if (e.over || WINDOW_FUNCTIONS.has(name)) {
      throw this.err(e.span, `window function ${name.toUpperCase()}() is only allowed in the SELECT list`, {
        hint: 'compute it in a subquery and filter outside: `SELECT * FROM (SELECT ..., LAG(x) OVER (...) AS prev FROM t) WHERE ...`',
      });
    }
    const fn = lookupFunction(name);
    const unsupported = fn ? undefined : unsupportedFunction(name);
    if (unsupported) {
      const { message, hint } = unsupportedFunctionMessage(name, unsupported, AGGREGATE_NAMES);
      throw this.err(e.name.span, message, { hint });
    }
    if (!fn) {
      const guess = nearest(name, [...functionNames(), ...AGGREGATES]);
      throw this.err(e.name.span, `unknown function '${e.name.name}'`, guess ? { hint: `did you mean ${guess.toUpperCase()}()?` } : {});
    }
    if (e.star || e.distinct) throw this.err(e.span, `${name.toUpperCase()}() takes no '*' or DISTINCT`);
    const args = e.args.map((a) => this.bind(a));
    const r = fn.resolve(args.map((a) => a.type));
    if ('error' in r) throw this.err(e.span, r.error);
    return { kind: 'call', fn: fn.name, args, type: r };
  }

  // -- type helpers ------------------------------------------------------------------------

  /** The common type of `t` and `b`, or a diagnostic at `span`. */
  unify(t: SqlType, b: BoundExpr, span: Span): SqlType {
    if (t.kind === 'timestamp' && b.type.kind === 'varchar' && b.kind === 'literal') return t;
    if (b.type.kind === 'timestamp' && t.kind === 'varchar') return b.type;
    const c = commonType(t, b.type);
    if (!c) throw this.err(span, `type mismatch: ${typeToSql(b.type)} where ${typeToSql(t)} is expected`);
    return c;
  }

  coerce(e: BoundExpr, t: SqlType): BoundExpr {
    if (e.type.kind === t.kind || t.kind === 'null') return e;
    if (e.kind === 'literal' && e.value === null) return { kind: 'literal', value: null, type: t };
    if (t.kind === 'timestamp' && e.type.kind === 'varchar') {
      if (e.kind === 'literal') return this.timestampLiteral(e.value as string, undefined);
      return { kind: 'cast', operand: e, type: t };
    }
    if (isNumeric(t) && isNumeric(e.type)) {
      if (e.kind === 'literal') return { kind: 'literal', value: e.value, type: t };
      if (t.kind === 'double' && isIntegral(e.type)) return e; // numbers are numbers at runtime
      return e;
    }
    return e;
  }

  private coercePair(a: BoundExpr, b: BoundExpr, as: Span, bs: Span, op: string): [BoundExpr, BoundExpr] {
    if (a.type.kind === 'timestamp' && b.type.kind === 'varchar') return [a, this.coerceTs(b, bs)];
    if (b.type.kind === 'timestamp' && a.type.kind === 'varchar') return [this.coerceTs(a, as), b];
    const t = commonType(a.type, b.type);
    if (!t || t.kind === 'struct' || t.kind === 'interval') {
      throw this.err(bs, `cannot compare ${typeToSql(a.type)} ${op} ${typeToSql(b.type)}`, {
        hint: a.type.kind === 'varchar' || b.type.kind === 'varchar' ? "CAST one side, e.g. CAST(x AS DOUBLE), or quote the other: 'text'" : undefined,
      } as { hint?: string });
    }
    return [this.coerce(a, t), this.coerce(b, t)];
  }

  private coerceTs(e: BoundExpr, span: Span): BoundExpr {
    if (e.kind === 'literal' && typeof e.value === 'string') return this.timestampLiteral(e.value, span);
    return { kind: 'cast', operand: e, type: T.timestamp };
  }

  private timestampLiteral(text: string, span: Span | undefined): BoundExpr {
    const micros = parseTimestamp(text);
    if (micros === undefined) {
      if (span) {
        throw this.err(span, `'${text}' is not a timestamp`, { hint: "write it as ISO-8601, e.g. '2024-05-20 10:00:00' or '2024-05-20T10:00:00Z'" });
      }
      return { kind: 'literal', value: null, type: T.timestamp };
    }
    return { kind: 'literal', value: micros as Value, type: T.timestamp };
  }

  private toVarchar(e: BoundExpr): BoundExpr {
    if (e.type.kind === 'varchar' || e.type.kind === 'null') return e;
    return { kind: 'cast', operand: e, type: T.varchar };
  }

  expectType(e: BoundExpr, kind: SqlType['kind'], span: Span, what: string): BoundExpr {
    if (e.type.kind === kind || e.type.kind === 'null') return e;
    throw this.err(span, `${what} needs ${kind.toUpperCase()}, got ${typeToSql(e.type)}`);
  }
}

export function resolveTypeName(t: TypeName): SqlType {
  if (t.kind === 'struct') return { kind: 'struct', fields: t.fields.map((f) => ({ name: f.name.name, type: resolveTypeName(f.type) })) };
  switch (t.name) {
    case 'BOOLEAN':
      return T.boolean;
    case 'INT':
      return T.int;
    case 'BIGINT':
      return T.bigint;
    case 'DOUBLE':
      return T.double;
    case 'VARCHAR':
      return T.varchar;
    case 'TIMESTAMP':
      return T.timestamp;
  }
}

/** Structural identity of an AST expression, ignoring spans: used to match GROUP BY keys. */
export function exprIdentity(e: Expr): string {
  return JSON.stringify(e, (k, v: unknown) => (k === 'span' ? undefined : v));
}
