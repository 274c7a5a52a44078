// CST -> AST: walks the typed CST of grammar/cst.d.ts and builds the readonly AST of ast.ts,
// lower-casing unquoted names and computing interval micros. Also rejects what the grammar
// accepts but the dialect does not (two WATERMARKs, TUMBLE/HOP with the wrong arity).

import type { CstNode, IToken } from 'chevrotain';
import type * as C from '../../grammar/cst.js';
import { parseTimestamp } from '../catalog/timestamp.js';
import { durationTooLong, MAX_DURATION_MICROS, MAX_DURATION_TEXT, parseDuration, unitMicros } from '../catalog/duration.js';
import type { BinaryOp, ColumnDef, Expr, FromItem, Ident, JoinType, OverClause, Query, SelectItem, SelectQuery, Span, Statement, TypeName, WatermarkDef, WithOption } from './ast.js';
import { sqlError, type SqlError } from './diagnostics.js';

// ---------------------------------------------------------------------------------------------
// Spans

export function tokenSpan(t: IToken): Span {
  return {
    start: { offset: t.startOffset, line: t.startLine ?? 1, column: t.startColumn ?? 1 },
    end: { offset: (t.endOffset ?? t.startOffset) + 1, line: t.endLine ?? 1, column: (t.endColumn ?? 1) + 1 },
  };
}

export function nodeSpan(n: CstNode): Span {
  const l = n.location;
  if (!l) throw new Error(`CST node ${n.name} has no location`);
  return {
    start: { offset: l.startOffset, line: l.startLine ?? 1, column: l.startColumn ?? 1 },
    end: { offset: (l.endOffset ?? l.startOffset) + 1, line: l.endLine ?? 1, column: (l.endColumn ?? 1) + 1 },
  };
}

function join(a: Span, b: Span): Span {
  return { start: a.start, end: b.end };
}

function one<T>(xs: readonly T[] | undefined): T {
  const x = xs?.[0];
  if (x === undefined) throw new Error('CST shape: missing child');
  return x;
}

// ---------------------------------------------------------------------------------------------
// Names and literals

/** A literal as a message quotes it: long ones cut, with their length. */
function abbreviate(text: string): string {
  return text.length <= 40 ? text : `${text.slice(0, 20)}… (${text.length.toLocaleString('en-US')} characters)`;
}

export function unquoteString(image: string): string {
  return image.slice(1, -1).replace(/''/g, "'");
}

function ident(n: C.IdentifierCstNode): Ident {
  const t = one(n.children.name);
  const span = tokenSpan(t);
  if (t.image.startsWith('"')) return { name: t.image.slice(1, -1).replace(/""/g, '"'), quoted: true, span };
  return { name: t.image.toLowerCase(), quoted: false, span };
}

/** Turns one statement CST into the AST; `source` is the text spans point into (for errors). */
export class AstBuilder {
  constructor(private readonly source: string) {}

  // -------------------------------------------------------------------------------------------
  // Statements

  statement(n: C.StatementCstNode): Statement {
    const c = n.children;
    const span = nodeSpan(n);
    if (c.createStatement) return this.create(one(c.createStatement), span);
    if (c.query) return { kind: 'query', query: this.query(one(c.query)), span };
    if (c.explainStatement) {
      const e = one(c.explainStatement).children;
      const target = e.query ? this.query(one(e.query)) : { kind: 'sinkRef' as const, name: ident(one(e.sink)) };
      return { kind: 'explain', target, span };
    }
    if (c.setStatement) {
      const s = one(c.setStatement).children;
      const k = one(s.optionKey);
      const v = optionValue(one(s.optionValue));
      return { kind: 'set', key: optionKey(k), value: v.value, keySpan: nodeSpan(k), valueSpan: v.span, span };
    }
    if (c.showStatement) {
      const what = one(one(c.showStatement).children.what).tokenType.name.toLowerCase();
      return { kind: 'show', what: what as 'sources' | 'tables' | 'views' | 'sinks' | 'state', span };
    }
    if (c.describeStatement) return { kind: 'describe', name: ident(one(one(c.describeStatement).children.name)), span };
    const d = one(c.dropStatement).children;
    const what = one(d.what).tokenType.name.toLowerCase() as 'source' | 'table' | 'view' | 'sink';
    return { kind: 'drop', what, name: ident(one(d.name)), ifExists: d.IF !== undefined, span };
  }

  private create(n: C.CreateStatementCstNode, span: Span): Statement {
    const c = n.children;
    if (c.createView) {
      const v = one(c.createView).children;
      return { kind: 'createView', name: ident(one(v.name)), query: this.query(one(v.query)), span };
    }
    if (c.createSink) {
      const s = one(c.createSink).children;
      const options = s.withClause ? this.withClause(one(s.withClause)) : [];
      return { kind: 'createSink', name: ident(one(s.name)), options, query: this.query(one(s.query)), span };
    }
    const isTable = c.createTable !== undefined;
    const s = isTable ? one(c.createTable).children : one(c.createSource).children;
    const columns: ColumnDef[] = [];
    let watermark: WatermarkDef | undefined;
    let primaryKey: { primaryKey: Ident[]; span: Span | undefined } | undefined = isTable ? { primaryKey: [], span: undefined } : undefined;
    const elements = isTable ? (one(c.createTable).children.tableElement ?? []) : (one(c.createSource).children.sourceElement ?? []);
    for (const el of elements) {
      const pk = 'primaryKeyDef' in el.children ? el.children.primaryKeyDef : undefined;
      if (pk) {
        const p = one(pk);
        if (primaryKey?.span) throw sqlError(this.source, nodeSpan(p), 'a table has only one PRIMARY KEY', { hint: 'list every key column in one PRIMARY KEY (a, b)' });
        primaryKey = { primaryKey: (p.children.column ?? []).map(ident), span: nodeSpan(p) };
        continue;
      }
      if (el.children.columnDef) {
        const cd = one(el.children.columnDef);
        const k = cd.children;
        columns.push({ name: ident(one(k.name)), type: this.typeName(one(k.typeName)), key: k.KEY !== undefined, span: nodeSpan(cd) });
        continue;
      }
      const wd = one(el.children.watermarkDef);
      if (watermark) {
        throw sqlError(this.source, nodeSpan(wd), 'a source can have only one WATERMARK', {
          hint: `keep one, e.g. WATERMARK FOR ${watermark.column.name} AS ${watermark.column.name} - INTERVAL '1' SECOND`,
        });
      }
      const w = wd.children;
      watermark = { column: ident(one(w.column)), expr: this.expr(one(w.expression)), span: nodeSpan(wd) };
    }
    const options = this.withClause(one(s.withClause));
    const base = { kind: 'createSource' as const, name: ident(one(s.name)), ifNotExists: s.IF !== undefined, columns, options, span, ...(primaryKey ? { table: primaryKey } : {}) };
    return watermark ? { ...base, watermark } : base;
  }

  private withClause(n: C.WithClauseCstNode): WithOption[] {
    return (n.children.withOption ?? []).map((o) => {
      const k = one(o.children.optionKey);
      const v = optionValue(one(o.children.optionValue));
      return { key: optionKey(k), value: v.value, keySpan: nodeSpan(k), valueSpan: v.span, quoted: v.quoted };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Types

  typeName(n: C.TypeNameCstNode): TypeName {
    const span = nodeSpan(n);
    const simple = n.children.simple?.[0];
    if (simple) return { kind: 'simple', name: SIMPLE_TYPES[simple.tokenType.name] ?? 'VARCHAR', span };
    const st = one(n.children.structType).children;
    const fields = (st.structTypeField ?? []).map((f) => ({ name: ident(one(f.children.name)), type: this.typeName(one(f.children.typeName)) }));
    return { kind: 'struct', fields, span };
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  query(n: C.QueryCstNode): Query {
    const c = n.children;
    const branches = c.selectBlock.map((b) => this.selectBlock(b));
    if (branches.length === 1) return branches[0]!;
    const unions = c.UNION ?? [];
    const quantifiers = c.quantifier ?? [];
    const distinct: boolean[] = [];
    const operators = unions.map((u, i) => {
      // This UNION's quantifier, if written: between it and the next SELECT.
      const next = nodeSpan(c.selectBlock[i + 1]!).start.offset;
      const q = quantifiers.find((t) => t.startOffset > u.startOffset && t.startOffset < next);
      distinct.push(q?.tokenType.name !== 'ALL');
      return q ? join(tokenSpan(u), tokenSpan(q)) : tokenSpan(u);
    });
    return { kind: 'union', branches, operators, ...(distinct.some((d) => d) ? { distinct } : {}), span: nodeSpan(n) };
  }

  private selectBlock(n: C.SelectBlockCstNode): SelectQuery {
    const c = n.children;
    const items = (c.selectItem ?? []).map((i) => this.selectItem(i));
    const q: {
      -readonly [K in keyof SelectQuery]: SelectQuery[K];
    } = {
      kind: 'select',
      distinct: c.DISTINCT !== undefined,
      items,
      from: this.joined(this.fromItem(one(c.fromItem)), c.joinClause ?? []),
      groupBy: (c.groupBy ?? []).map((e) => this.expr(e)),
      span: nodeSpan(n),
    };
    if (c.where) q.where = this.expr(one(c.where));
    if (c.having) q.having = this.expr(one(c.having));
    const emit = c.emitMode?.[0];
    if (emit) q.emit = { mode: emit.tokenType.name === 'FINAL' ? 'final' : 'changes', span: join(tokenSpan(one(c.EMIT)), tokenSpan(emit)) };
    return q;
  }

  private selectItem(n: C.SelectItemCstNode): SelectItem {
    const c = n.children;
    const span = nodeSpan(n);
    if (c.Star) {
      const star = one(c.Star);
      const qualifier = c.qualifier ? ident(one(c.qualifier)) : undefined;
      return { expr: qualifier ? { kind: 'star', qualifier, span } : { kind: 'star', span: tokenSpan(star) }, span };
    }
    const expr = this.expr(one(c.expression));
    const alias = c.aliasClause ? ident(one(one(c.aliasClause).children.alias)) : undefined;
    return alias ? { expr, alias, span } : { expr, span };
  }

  /** The FROM item with its JOIN clause, if any: one per block (a second one is refused at its JOIN). */
  private joined(first: FromItem, clauses: readonly C.JoinClauseCstNode[]): FromItem {
    const clause = clauses[0];
    if (clause === undefined) return first;
    const second = clauses[1];
    if (second !== undefined) {
      throw sqlError(this.source, tokenSpan(one(second.children.JOIN)), 'a query block joins two relations; a third JOIN is not supported here', {
        hint: 'join two of them in a subquery, then join its result: SELECT ... FROM (SELECT ... FROM a JOIN b ON ...) ab JOIN c ON ...',
      });
    }
    const c = clause.children;
    const word = c.joinType?.[0];
    const joinType = (word?.tokenType.name.toLowerCase() ?? 'inner') as JoinType;
    const joinTok = one(c.JOIN);
    const typeSpan = word ? join(tokenSpan(word), tokenSpan(joinTok)) : tokenSpan(joinTok);
    let right: FromItem;
    let asOf: Expr | undefined;
    if (c.temporalItem) {
      const t = one(c.temporalItem);
      const tc = t.children;
      const alias = tc.aliasClause ? ident(one(one(tc.aliasClause).children.alias)) : undefined;
      right = { kind: 'table', name: ident(one(tc.table)), span: nodeSpan(t), ...(alias ? { alias } : {}) };
      asOf = this.expr(one(tc.asOf));
    } else right = this.fromItem(one(c.right));
    const span = join(first.span, nodeSpan(clause));
    const item: { -readonly [K in keyof (FromItem & { kind: 'join' })]: (FromItem & { kind: 'join' })[K] } = { kind: 'join', joinType, typeSpan, left: first, right, span };
    if (c.on) item.on = this.expr(one(c.on));
    if (asOf) item.asOf = asOf;
    return item;
  }

  private fromItem(n: C.FromItemCstNode): FromItem {
    const c = n.children;
    const span = nodeSpan(n);
    const alias = c.aliasClause ? ident(one(one(c.aliasClause).children.alias)) : undefined;
    const withAlias = <T extends FromItem>(item: T): T => (alias ? { ...item, alias } : item);
    if (c.table) return withAlias({ kind: 'table', name: ident(one(c.table)), span });
    if (c.subquery) return withAlias({ kind: 'subquery', query: this.query(one(one(c.subquery).children.query)), span });
    const tvfNode = one(c.windowTvf);
    const t = tvfNode.children;
    const fnName = one(t.fn).tokenType.name;
    const fn = fnName === 'TUMBLE' ? ('TUMBLE' as const) : fnName === 'HOP' ? ('HOP' as const) : ('CUMULATE' as const);
    const args = (t.arg ?? []).map((e) => this.expr(e));
    const want = fn === 'TUMBLE' ? 1 : 2;
    // The last argument may be an offset (window-args.ts).
    if (args.length !== want && args.length !== want + 1) {
      const shape = fn === 'TUMBLE' ? 'TUMBLE(source, time_column, size [, offset])' : fn === 'HOP' ? 'HOP(source, time_column, slide, size [, offset])' : 'CUMULATE(source, time_column, step, size [, offset])';
      throw sqlError(this.source, nodeSpan(tvfNode), `${fn} takes ${want + 2} or ${want + 3} arguments, got ${args.length + 2}`, { expected: shape });
    }
    const inputQuery = t.inputQuery?.[0];
    const input: FromItem = inputQuery
      ? { kind: 'subquery', query: this.query(one(inputQuery.children.query)), span: nodeSpan(inputQuery) }
      : { kind: 'table', name: ident(one(t.inputTable)), span: nodeSpan(one(t.inputTable)) };
    return withAlias({ kind: 'windowTvf', fn, input, timeCol: ident(one(t.timeCol)), args, span });
  }

  // -------------------------------------------------------------------------------------------
  // Expressions

  expr(n: C.ExpressionCstNode): Expr {
    return this.fold(n.children.operand.map((a) => this.andExpr(a)), n.children.op);
  }

  private fold(operands: Expr[], ops: IToken[] | undefined): Expr {
    let left = one(operands);
    (ops ?? []).forEach((op, i) => {
      const right = operands[i + 1];
      if (!right) throw new Error('CST shape: operator without operand');
      const name = (op.tokenType.name === 'NotEq' ? '<>' : op.image.toUpperCase()) as BinaryOp;
      left = { kind: 'binary', op: name, left, right, span: join(left.span, right.span) };
    });
    return left;
  }

  private andExpr(n: C.AndExprCstNode): Expr {
    return this.fold(n.children.operand.map((a) => this.notExpr(a)), n.children.op);
  }

  private notExpr(n: C.NotExprCstNode): Expr {
    const c = n.children;
    if (c.notExpr) return { kind: 'unary', op: 'NOT', operand: this.notExpr(one(c.notExpr)), span: nodeSpan(n) };
    return this.predicate(one(c.predicate));
  }

  private predicate(n: C.PredicateCstNode): Expr {
    const c = n.children;
    const operand = this.concat(one(c.operand));
    const span = nodeSpan(n);
    const negated = c.NOT !== undefined;
    const compOp = c.compOp?.[0];
    if (compOp) {
      const op = (compOp.tokenType.name === 'NotEq' ? '<>' : compOp.image) as BinaryOp;
      return { kind: 'binary', op, left: operand, right: this.concat(one(c.right)), span };
    }
    if (c.IS) return { kind: 'isNull', operand, negated, span };
    if (c.inTail) return { kind: 'in', operand, list: (one(c.inTail).children.item ?? []).map((e) => this.expr(e)), negated, span };
    if (c.betweenTail) {
      const b = one(c.betweenTail).children;
      return { kind: 'between', operand, low: this.concat(one(b.low)), high: this.concat(one(b.high)), negated, span };
    }
    if (c.likeTail) {
      const l = one(c.likeTail).children;
      const caseInsensitive = one(l.op).tokenType.name === 'ILIKE';
      return { kind: 'like', operand, pattern: this.concat(one(l.pattern)), negated, caseInsensitive, span };
    }
    return operand;
  }

  private concat(n: C.ConcatExprCstNode): Expr {
    return this.fold(n.children.operand.map((a) => this.additive(a)), n.children.op);
  }

  private additive(n: C.AdditiveExprCstNode): Expr {
    return this.fold(n.children.operand.map((a) => this.multiplicative(a)), n.children.op);
  }

  private multiplicative(n: C.MultiplicativeExprCstNode): Expr {
    return this.fold(n.children.operand.map((a) => this.unary(a)), n.children.op);
  }

  private unary(n: C.UnaryExprCstNode): Expr {
    const c = n.children;
    if (c.unaryExpr) {
      const op = one(c.op).image === '-' ? ('-' as const) : ('+' as const);
      return { kind: 'unary', op, operand: this.unary(one(c.unaryExpr)), span: nodeSpan(n) };
    }
    const cast = one(c.castExpr).children;
    let e = this.primary(one(cast.primary));
    for (const t of cast.typeName ?? []) {
      const type = this.typeName(t);
      e = { kind: 'cast', operand: e, type, syntax: 'colons', span: join(e.span, type.span) };
    }
    return e;
  }

  private primary(n: C.PrimaryCstNode): Expr {
    const c = n.children;
    const span = nodeSpan(n);
    const num = c.NumberLiteral?.[0];
    if (num) return this.number(num.image, span);
    const str = c.StringLiteral?.[0];
    if (str) return { kind: 'string', value: unquoteString(str.image), span };
    const dur = c.Duration?.[0];
    if (dur) return { kind: 'interval', micros: this.duration(dur.image, span), text: dur.image.toLowerCase(), span };
    if (c.TRUE) return { kind: 'boolean', value: true, span };
    if (c.FALSE) return { kind: 'boolean', value: false, span };
    if (c.NULL) return { kind: 'null', span };
    if (c.intervalLiteral) return this.interval(one(c.intervalLiteral));
    if (c.typedLiteral) return this.typedLiteral(one(c.typedLiteral));
    if (c.caseExpr) return this.caseExpr(one(c.caseExpr));
    if (c.castCall) {
      const k = one(c.castCall).children;
      return { kind: 'cast', operand: this.expr(one(k.expression)), type: this.typeName(one(k.typeName)), syntax: 'cast', span };
    }
    if (c.structValue) {
      const fields = (one(c.structValue).children.structValueField ?? []).map((f) => ({
        name: ident(one(f.children.name)),
        value: this.expr(one(f.children.expression)),
      }));
      return { kind: 'struct', fields, span };
    }
    if (c.parenExpr) return this.expr(one(one(c.parenExpr).children.expression));
    return this.columnOrCall(one(c.columnOrCall));
  }

  /**
   * A numeric literal: digits alone are a BIGINT, exact only up to 2^53 - 1 (JS numbers hold
   * BIGINT), so a larger one is refused rather than rounded; with a point or an exponent it is a
   * DOUBLE, refused when it overflows to infinity rather than carried as one.
   */
  private number(text: string, span: Span): Expr {
    const value = Number(text);
    const integral = /^\d+$/.test(text);
    if (!Number.isFinite(value)) {
      throw sqlError(this.source, span, `numeric literal ${abbreviate(text)} is out of range for DOUBLE`, {
        expected: 'a number of magnitude at most 1.7976931348623157e308',
      });
    }
    if (integral && !Number.isSafeInteger(value)) {
      throw sqlError(this.source, span, `integer literal ${abbreviate(text)} is out of range for BIGINT`, {
        expected: 'a whole number from -9007199254740991 to 9007199254740991 (2^53 - 1, the exact range of BIGINT in Sluice)',
        hint: `write it as a DOUBLE if an approximate value will do, e.g. ${value.toExponential().replace('+', '')}`,
      });
    }
    return { kind: 'number', text, value, integral, span };
  }

  /** A duration literal (`10s`): positive by its syntax, and at most MAX_DURATION_MICROS. */
  private duration(text: string, span: Span): number {
    const micros = parseDuration(text);
    if (micros === undefined) throw this.durationTooLong(abbreviate(text), span);
    return micros;
  }

  private durationTooLong(text: string, span: Span): SqlError {
    return sqlError(this.source, span, `duration ${text} is out of range`, {
      expected: `a duration of at most ${MAX_DURATION_TEXT}`,
    });
  }

  private interval(n: C.IntervalLiteralCstNode): Expr {
    const c = n.children;
    const span = nodeSpan(n);
    const unitTok = c.timeUnit ? one(one(c.timeUnit).children.unit) : undefined;
    const num = c.NumberLiteral?.[0];
    if (num) {
      // DuckDB's `INTERVAL 10 SECOND`: the number bare, so the unit must follow.
      if (!unitTok) {
        throw sqlError(this.source, tokenSpan(num), `INTERVAL ${num.image} needs a unit`, { hint: `write e.g. INTERVAL ${num.image} SECOND or INTERVAL '${num.image} seconds'` });
      }
      const unit = unitTok.tokenType.name;
      const micros = Math.round(Number(num.image) * (unitMicros(unit) ?? 0));
      if (!(micros <= MAX_DURATION_MICROS)) throw this.durationTooLong(`INTERVAL ${abbreviate(num.image)} ${unit}`, span);
      return { kind: 'interval', micros, text: `INTERVAL ${num.image} ${unit}`, span };
    }
    const str = one(c.StringLiteral);
    const body = unquoteString(str.image);
    if (unitTok) {
      const unit = unitTok.tokenType.name;
      if (!/^\s*\d+(?:\.\d+)?\s*$/.test(body)) {
        throw sqlError(this.source, tokenSpan(str), `INTERVAL ${str.image} ${unit} needs a number in the quotes`, {
          hint: `write e.g. INTERVAL '10' ${unit}`,
        });
      }
      const micros = Math.round(Number(body) * (unitMicros(unit) ?? 0));
      if (micros > MAX_DURATION_MICROS) throw this.durationTooLong(`INTERVAL ${abbreviate(str.image)} ${unit}`, span);
      return { kind: 'interval', micros, text: `INTERVAL ${str.image} ${unit}`, span };
    }
    const micros = parseDuration(body);
    if (micros === undefined && durationTooLong(body)) throw this.durationTooLong(`INTERVAL ${abbreviate(str.image)}`, span);
    if (micros === undefined) {
      throw sqlError(this.source, tokenSpan(str), `cannot read ${str.image} as an interval`, {
        expected: "a number and a unit, e.g. '10 seconds' or '10s'",
        hint: "write INTERVAL '10' SECOND or INTERVAL '10 seconds'",
      });
    }
    return { kind: 'interval', micros, text: `INTERVAL ${str.image}`, span };
  }

  private typedLiteral(n: C.TypedLiteralCstNode): Expr {
    const c = n.children;
    const type = one(c.type).tokenType.name;
    const str = one(c.StringLiteral);
    const body = unquoteString(str.image);
    const text = `${type} ${str.image}`;
    if (type === 'DATE') {
      const micros = /^\d{4}-\d{2}-\d{2}$/.test(body) ? parseTimestamp(body) : undefined;
      if (micros === undefined) {
        throw sqlError(this.source, tokenSpan(str), `${abbreviate(str.image)} is not a date`, { expected: "a date as 'YYYY-MM-DD', e.g. DATE '2024-05-20'" });
      }
      return { kind: 'timestamp', micros, text, span: nodeSpan(n) };
    }
    const micros = parseTimestamp(body);
    if (micros === undefined) {
      throw sqlError(this.source, tokenSpan(str), `${abbreviate(str.image)} is not a timestamp`, {
        expected: "ISO-8601, e.g. TIMESTAMP '2024-05-20 10:00:00' or TIMESTAMP '2024-05-20T10:00:00.5Z'",
      });
    }
    return { kind: 'timestamp', micros, text, span: nodeSpan(n) };
  }

  private caseExpr(n: C.CaseExprCstNode): Expr {
    const c = n.children;
    const whens = (c.when ?? []).map((w, i) => ({ when: this.expr(w), then: this.expr(one(c.then?.slice(i, i + 1))) }));
    const base = { kind: 'case' as const, whens, span: nodeSpan(n) };
    const withOperand = c.operand ? { ...base, operand: this.expr(one(c.operand)) } : base;
    return c.else ? { ...withOperand, else: this.expr(one(c.else)) } : withOperand;
  }

  private columnOrCall(n: C.ColumnOrCallCstNode): Expr {
    const c = n.children;
    const span = nodeSpan(n);
    const path = c.part.map(ident);
    const suffix = c.callSuffix?.[0];
    if (!suffix) return { kind: 'column', path, span };
    const s = suffix.children;
    const call = {
      kind: 'call' as const,
      name: one(path),
      args: (s.arg ?? []).map((e) => this.expr(e)),
      distinct: s.DISTINCT !== undefined,
      star: s.Star !== undefined,
      span,
    };
    return s.overClause ? { ...call, over: this.over(one(s.overClause)) } : call;
  }

  private over(n: C.OverClauseCstNode): OverClause {
    const c = n.children;
    // DESC is kept for the ranking functions (ROW_NUMBER, RANK, DENSE_RANK); the binder refuses it for LAG.
    const descending = (c.orderItem ?? []).map((o) => {
      const dir = o.children.direction?.[0];
      return dir?.tokenType.name === 'DESC' ? tokenSpan(dir) : null;
    });
    return {
      partitionBy: (c.partitionBy ?? []).map((e) => this.expr(e)),
      orderBy: (c.orderItem ?? []).map((o) => this.expr(one(o.children.expression))),
      ...(descending.some((d) => d !== null) ? { descending } : {}),
      span: nodeSpan(n),
    };
  }
}

const SIMPLE_TYPES: Readonly<Record<string, 'BOOLEAN' | 'INT' | 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'TIMESTAMP'>> = {
  BOOLEAN: 'BOOLEAN',
  INT: 'INT',
  INTEGER: 'INT',
  BIGINT: 'BIGINT',
  DOUBLE: 'DOUBLE',
  FLOAT: 'DOUBLE',
  VARCHAR: 'VARCHAR',
  STRING: 'VARCHAR',
  TEXT: 'VARCHAR',
  TIMESTAMP: 'TIMESTAMP',
};

function optionKey(n: C.OptionKeyCstNode): string {
  return n.children.part
    .map((p) => {
      const reserved = p.children.Reserved?.[0];
      return reserved ? reserved.image.toLowerCase() : ident(one(p.children.identifier)).name;
    })
    .join('.');
}

function optionValue(n: C.OptionValueCstNode): { value: string; quoted: boolean; span: Span } {
  const c = n.children;
  const span = nodeSpan(n);
  const str = c.StringLiteral?.[0];
  if (str) return { value: unquoteString(str.image), quoted: true, span };
  const num = c.NumberLiteral?.[0];
  if (num) return { value: (c.Minus ? '-' : '') + num.image, quoted: false, span };
  const dur = c.Duration?.[0];
  if (dur) return { value: dur.image.toLowerCase(), quoted: false, span };
  if (c.TRUE) return { value: 'true', quoted: false, span };
  if (c.FALSE) return { value: 'false', quoted: false, span };
  return { value: ident(one(c.identifier)).name, quoted: false, span };
}
