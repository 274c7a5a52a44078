// AST -> canonical SQL: keywords upper-case, names quoted only when needed, the fewest
// parentheses that keep the tree. parse(print(parse(x))) equals parse(x) up to spans.

import { quoteIdentIfNeeded } from '../catalog/types.js';
import type { Expr, FromItem, Ident, Query, SelectItem, SelectQuery, Statement, TypeName, WithOption } from './ast.js';
import { RESERVED_KEYWORDS } from './lexer.js';

/** A name as SQL: quoted when it is not a plain lower-case word or is a reserved keyword. */
export function printName(name: string): string {
  return RESERVED_KEYWORDS.has(name.toUpperCase()) ? `"${name.replace(/"/g, '""')}"` : quoteIdentIfNeeded(name);
}

function printIdent(i: Ident): string {
  return printName(i.name);
}

export function quoteString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function printType(t: TypeName): string {
  if (t.kind === 'simple') return t.name;
  return `STRUCT<${t.fields.map((f) => `${printIdent(f.name)} ${printType(f.type)}`).join(', ')}>`;
}

// ---------------------------------------------------------------------------------------------
// Expressions

/** Binding strength, weakest first; an operand weaker than its slot gets parentheses. */
const enum Prec {
  Or = 1,
  And = 2,
  Not = 3,
  Predicate = 4,
  Concat = 5,
  Additive = 6,
  Multiplicative = 7,
  Unary = 8,
  Cast = 9,
  Primary = 10,
}

const BINARY_PREC: Readonly<Record<string, Prec>> = {
  OR: Prec.Or,
  AND: Prec.And,
  '=': Prec.Predicate,
  '<>': Prec.Predicate,
  '<': Prec.Predicate,
  '<=': Prec.Predicate,
  '>': Prec.Predicate,
  '>=': Prec.Predicate,
  '||': Prec.Concat,
  '+': Prec.Additive,
  '-': Prec.Additive,
  '*': Prec.Multiplicative,
  '/': Prec.Multiplicative,
  '%': Prec.Multiplicative,
};

function precOf(e: Expr): Prec {
  switch (e.kind) {
    case 'binary':
      return BINARY_PREC[e.op] ?? Prec.Primary;
    case 'unary':
      return e.op === 'NOT' ? Prec.Not : Prec.Unary;
    case 'isNull':
    case 'in':
    case 'between':
    case 'like':
      return Prec.Predicate;
    case 'cast':
      return e.syntax === 'colons' ? Prec.Cast : Prec.Primary;
    default:
      return Prec.Primary;
  }
}

function at(e: Expr, min: Prec): string {
  const s = printExpr(e);
  return precOf(e) < min ? `(${s})` : s;
}

const not = (negated: boolean): string => (negated ? 'NOT ' : '');

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return e.text;
    case 'string':
      return quoteString(e.value);
    case 'boolean':
      return e.value ? 'TRUE' : 'FALSE';
    case 'null':
      return 'NULL';
    case 'interval':
    case 'timestamp':
      return e.text;
    case 'column':
      return e.path.map(printIdent).join('.');
    case 'star':
      return e.qualifier ? `${printIdent(e.qualifier)}.*` : '*';
    case 'unary': {
      if (e.op === 'NOT') return `NOT ${at(e.operand, Prec.Not)}`;
      const operand = at(e.operand, Prec.Unary);
      // `- -a` must not become the comment `--a`.
      return operand.startsWith('-') || operand.startsWith('+') ? `${e.op} ${operand}` : `${e.op}${operand}`;
    }
    case 'binary': {
      const p = BINARY_PREC[e.op] ?? Prec.Primary;
      // Left-associative; comparisons do not chain, so both their sides bind tighter.
      const leftMin = p === Prec.Predicate ? Prec.Concat : p;
      return `${at(e.left, leftMin)} ${e.op} ${at(e.right, p + 1)}`;
    }
    case 'isNull':
      return `${at(e.operand, Prec.Concat)} IS ${not(e.negated)}NULL`;
    case 'in':
      return `${at(e.operand, Prec.Concat)} ${not(e.negated)}IN (${e.list.map(printExpr).join(', ')})`;
    case 'between':
      return `${at(e.operand, Prec.Concat)} ${not(e.negated)}BETWEEN ${at(e.low, Prec.Concat)} AND ${at(e.high, Prec.Concat)}`;
    case 'like':
      return `${at(e.operand, Prec.Concat)} ${not(e.negated)}${e.caseInsensitive ? 'ILIKE' : 'LIKE'} ${at(e.pattern, Prec.Concat)}`;
    case 'case': {
      const parts = ['CASE'];
      if (e.operand) parts.push(printExpr(e.operand));
      for (const w of e.whens) parts.push(`WHEN ${printExpr(w.when)} THEN ${printExpr(w.then)}`);
      if (e.else) parts.push(`ELSE ${printExpr(e.else)}`);
      parts.push('END');
      return parts.join(' ');
    }
    case 'cast':
      return e.syntax === 'cast' ? `CAST(${printExpr(e.operand)} AS ${printType(e.type)})` : `${at(e.operand, Prec.Cast)}::${printType(e.type)}`;
    case 'call': {
      const args = e.star ? '*' : `${e.distinct ? 'DISTINCT ' : ''}${e.args.map(printExpr).join(', ')}`;
      let s = `${printIdent(e.name)}(${args})`;
      if (e.over) {
        const parts: string[] = [];
        if (e.over.partitionBy.length > 0) parts.push(`PARTITION BY ${e.over.partitionBy.map(printExpr).join(', ')}`);
        if (e.over.orderBy.length > 0) parts.push(`ORDER BY ${e.over.orderBy.map((o, i) => `${printExpr(o)}${e.over!.descending?.[i] ? ' DESC' : ''}`).join(', ')}`);
        s += ` OVER (${parts.join(' ')})`;
      }
      return s;
    }
    case 'struct':
      return `STRUCT(${e.fields.map((f) => `${printExpr(f.value)} AS ${printIdent(f.name)}`).join(', ')})`;
    default: {
      const never: never = e;
      return never;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Queries and statements

function printSelectItem(i: SelectItem): string {
  const e = printExpr(i.expr);
  return i.alias ? `${e} AS ${printIdent(i.alias)}` : e;
}

function printFrom(f: FromItem): string {
  let s: string;
  switch (f.kind) {
    case 'table':
      s = printIdent(f.name);
      break;
    case 'subquery':
      s = `(${printQuery(f.query)})`;
      break;
    case 'windowTvf':
      s = `${f.fn}(${[printFrom(f.input), printIdent(f.timeCol), ...f.args.map(printExpr)].join(', ')})`;
      break;
    case 'join': {
      const words = f.joinType === 'inner' ? 'JOIN' : `${f.joinType.toUpperCase()} JOIN`;
      if (f.asOf && f.right.kind === 'table') {
        const r = f.right;
        const t = `${printIdent(r.name)} FOR SYSTEM_TIME AS OF ${printExpr(f.asOf)}${r.alias ? ` AS ${printIdent(r.alias)}` : ''}`;
        return `${printFrom(f.left)} ${words} ${t}${f.on ? ` ON ${printExpr(f.on)}` : ''}`;
      }
      return `${printFrom(f.left)} ${words} ${printFrom(f.right)}${f.on ? ` ON ${printExpr(f.on)}` : ''}`;
    }
    default: {
      const never: never = f;
      return never;
    }
  }
  return f.alias ? `${s} AS ${printIdent(f.alias)}` : s;
}

export function printQuery(q: Query): string {
  if (q.kind === 'union') return q.branches.map((b, i) => (i === 0 ? '' : q.distinct?.[i - 1] ? ' UNION ' : ' UNION ALL ') + printSelect(b)).join('');
  return printSelect(q);
}

function printSelect(q: SelectQuery): string {
  const parts = [`SELECT ${q.distinct ? 'DISTINCT ' : ''}${q.items.map(printSelectItem).join(', ')}`, `FROM ${printFrom(q.from)}`];
  if (q.where) parts.push(`WHERE ${printExpr(q.where)}`);
  if (q.groupBy.length > 0) parts.push(`GROUP BY ${q.groupBy.map(printExpr).join(', ')}`);
  if (q.having) parts.push(`HAVING ${printExpr(q.having)}`);
  if (q.emit) parts.push(`EMIT ${q.emit.mode === 'final' ? 'FINAL' : 'CHANGES'}`);
  return parts.join(' ');
}

const BARE_VALUE = /^(?:-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?|\d+(?:\.\d+)?(?:ms|s|m|h|d))$/;

/** An option value as written: quoted strings stay quoted, numbers and names stay bare. */
function printValue(value: string, quoted: boolean): string {
  if (quoted) return quoteString(value);
  if (value === 'true' || value === 'false') return value.toUpperCase();
  if (BARE_VALUE.test(value)) return value;
  return printName(value);
}

function printKey(key: string): string {
  return key
    .split('.')
    .map((part) => quoteIdentIfNeeded(part))
    .join('.');
}

function printWith(options: readonly WithOption[]): string {
  return `WITH (${options.map((o) => `${printKey(o.key)} = ${printValue(o.value, o.quoted)}`).join(', ')})`;
}

export function printStatement(s: Statement): string {
  switch (s.kind) {
    case 'createSource': {
      const elements = s.columns.map((c) => `${printIdent(c.name)} ${printType(c.type)}${c.key ? ' KEY' : ''}`);
      if (s.table && s.table.primaryKey.length > 0) elements.push(`PRIMARY KEY (${s.table.primaryKey.map(printIdent).join(', ')})`);
      if (s.watermark) elements.push(`WATERMARK FOR ${printIdent(s.watermark.column)} AS ${printExpr(s.watermark.expr)}`);
      const cols = elements.length > 0 ? ` (${elements.join(', ')})` : '';
      return `CREATE ${s.table ? 'TABLE' : 'SOURCE'} ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}${printIdent(s.name)}${cols} ${printWith(s.options)}`;
    }
    case 'createView':
      return `CREATE VIEW ${printIdent(s.name)} AS ${printQuery(s.query)}`;
    case 'createSink': {
      const opts = s.options.length > 0 ? ` ${printWith(s.options)}` : '';
      return `CREATE SINK ${printIdent(s.name)}${opts} AS ${printQuery(s.query)}`;
    }
    case 'query':
      return printQuery(s.query);
    case 'explain':
      return `EXPLAIN ${s.target.kind === 'sinkRef' ? printIdent(s.target.name) : printQuery(s.target)}`;
    case 'set':
      return `SET ${printKey(s.key)} = ${BARE_VALUE.test(s.value) ? s.value : quoteString(s.value)}`;
    case 'show':
      return `SHOW ${s.what.toUpperCase()}`;
    case 'describe':
      return `DESCRIBE ${printIdent(s.name)}`;
    case 'drop':
      return `DROP ${s.what.toUpperCase()} ${s.ifExists ? 'IF EXISTS ' : ''}${printIdent(s.name)}`;
    default: {
      const never: never = s;
      return never;
    }
  }
}
