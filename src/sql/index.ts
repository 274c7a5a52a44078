// The SQL front end's public API: text -> tokens -> CST -> AST, and back to SQL. Every user
// mistake becomes a SqlError with a position, what was expected in plain words and a hint.
// AST spans are offsets into the whole text given to parseScript (so diagnostics rendered against
// that text point at the right line of a file); each statement also carries its own text and span.

import type { ILexingError, IRecognitionException, IToken, TokenType } from 'chevrotain';
import type * as C from '../../grammar/cst.js';
import type { Expr, Pos, Span, Statement } from './ast.js';
import { nearest, SqlError } from './diagnostics.js';
import type { Diagnostic } from './diagnostics.js';
import * as T from './lexer.js';
import { expectedTokenNames, sqlParser } from './parser.js';
import type { StartRule } from './parser.js';
import { AstBuilder, nodeSpan, tokenSpan } from './to-ast.js';
import { checkExpressionDepth, checkNesting, deepestToken, tooDeepAt } from './limits.js';

export { printExpr, printQuery, printStatement, printType, printName } from './print.js';
export { tokenize, KEYWORDS, RESERVED_KEYWORDS, allTokens } from './lexer.js';
export type { HighlightToken, TokenCategory } from './lexer.js';
export { SluiceParser, sqlParser } from './parser.js';

export interface ParsedStatement {
  readonly statement: Statement;
  /** The statement's own text, without the `;`. */
  readonly text: string;
  readonly span: Span;
}

/** Parses a script of `;`-separated statements (the last `;` is optional). */
export function parseScript(text: string, file?: string): { statements: ParsedStatement[] } {
  return guardDepth(text, file, () => {
    const cst = parseCst(text, 'script', file) as C.ScriptCstNode;
    const builder = new AstBuilder(text);
    try {
      const statements = (cst.children.statement ?? []).map((n) => {
        const span = nodeSpan(n);
        const statement = builder.statement(n);
        const tooDeep = checkExpressionDepth(statement);
        if (tooDeep) throw error(text, tooDeep);
        return { statement, text: text.slice(span.start.offset, span.end.offset), span };
      });
      return { statements };
    } catch (e) {
      throw e instanceof SqlError && file !== undefined ? e.withFile(file) : e;
    }
  });
}

/** Parses exactly one statement (a trailing `;` is allowed). */
export function parseStatement(text: string): Statement {
  const { statements } = parseScript(text);
  const [first, second] = statements;
  if (!first) throw error(text, { message: 'empty input: expected a statement', span: endSpan(text), expected: STATEMENT_WORDS });
  if (second) {
    throw error(text, { message: 'expected a single statement', span: second.span, hint: 'run the statements one at a time, or as a script' });
  }
  return first.statement;
}

/** Parses a lone expression (tests, REPL). */
export function parseExpression(text: string): Expr {
  return guardDepth(text, undefined, () => {
    const cst = parseCst(text, 'expression') as C.ExpressionCstNode;
    const e = new AstBuilder(text).expr(cst);
    const tooDeep = checkExpressionDepth(e);
    if (tooDeep) throw error(text, tooDeep);
    return e;
  });
}

/**
 * Runs a parse. The nesting limits leave the parser and the AST builder room on the stack of
 * any ordinary caller; from a caller already deep in its stack, an overflow anywhere in the parse
 * is still a diagnostic, at the deepest nesting of the text.
 */
function guardDepth<R>(text: string, file: string | undefined, parse: () => R): R {
  try {
    return parse();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const at = deepestToken(T.sqlLexer.tokenize(text).tokens);
    if (!at) throw e;
    throw error(text, tooDeepAt(at), file);
  }
}

// ---------------------------------------------------------------------------------------------
// Driving Chevrotain

function parseCst(text: string, rule: StartRule, file?: string): C.ScriptCstNode | C.ExpressionCstNode {
  const lexed = T.sqlLexer.tokenize(text);
  const lexError = lexed.errors[0];
  if (lexError) throw error(text, lexDiagnostic(text, lexError), file);
  const open = lexed.groups['comments']?.find((t) => t.tokenType === T.UnterminatedComment);
  if (open) {
    const start = posAt(text, open.startOffset);
    const span = { start, end: posAt(text, open.startOffset + 2) };
    throw error(text, { message: 'unterminated comment', span, expected: "'*/' to close this /* comment", hint: 'close the block comment with */' }, file);
  }
  const tooDeep = checkNesting(lexed.tokens);
  if (tooDeep) throw error(text, tooDeep, file);
  sqlParser.input = lexed.tokens;
  const cst = rule === 'script' ? sqlParser.script() : sqlParser.expression();
  const parseError = sqlParser.errors[0];
  if (parseError) throw error(text, parseDiagnostic(text, lexed.tokens, parseError, rule), file);
  return cst as C.ScriptCstNode | C.ExpressionCstNode;
}

function error(text: string, d: Omit<Diagnostic, 'severity'>, file?: string): SqlError {
  return new SqlError([{ severity: 'error', ...d }], text, file);
}

function posAt(text: string, offset: number): Pos {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { offset, line, column };
}

function endSpan(text: string): Span {
  const p = posAt(text, text.length);
  return { start: p, end: { ...p, offset: p.offset + 1, column: p.column + 1 } };
}

// ---------------------------------------------------------------------------------------------
// Lexer errors

function lexDiagnostic(text: string, e: ILexingError): Omit<Diagnostic, 'severity'> {
  const start = posAt(text, e.offset);
  const ch = text[e.offset] ?? '';
  const lineEnd = text.indexOf('\n', e.offset);
  const restOfLine = { start, end: posAt(text, lineEnd === -1 ? text.length : lineEnd) };
  if (ch === "'") {
    return {
      message: 'unterminated string',
      span: restOfLine,
      expected: "a closing quote (')",
      hint: "close the string with '; write '' for a quote inside a string",
    };
  }
  if (ch === '"') {
    return { message: 'unterminated quoted name', span: restOfLine, expected: 'a closing double quote (")', hint: 'write "" for a double quote inside a name' };
  }
  const word = nonAsciiWord(text, e.offset);
  if (word) {
    return {
      message: `unexpected character '${String.fromCodePoint(text.codePointAt(e.offset) ?? 0)}'`,
      span: { start: posAt(text, word.start), end: posAt(text, word.end) },
      hint: `a name with letters outside A-Z must be quoted: "${text.slice(word.start, word.end)}"`,
    };
  }
  const span = { start, end: posAt(text, e.offset + 1) };
  const hint = ch === '"' || ch === '`' ? 'quote names with double quotes and strings with single quotes' : undefined;
  return { message: `unexpected character '${ch}'`, span, ...(hint ? { hint } : {}) };
}

/** The word around a non-ASCII letter or digit at `offset` (`客户`, `café`), or undefined. */
function nonAsciiWord(text: string, offset: number): { start: number; end: number } | undefined {
  const WORD = /[\p{L}\p{N}\p{M}_]/u;
  const ch = String.fromCodePoint(text.codePointAt(offset) ?? 0);
  if (ch.charCodeAt(0) < 128 || !WORD.test(ch)) return undefined;
  let start = offset;
  while (start > 0 && /[A-Za-z0-9_]/.test(text[start - 1]!)) start--;
  const rest = /[\p{L}\p{N}\p{M}_]+/uy;
  rest.lastIndex = offset;
  rest.exec(text);
  return { start, end: rest.lastIndex };
}

// ---------------------------------------------------------------------------------------------
// Parser errors

const STATEMENT_WORDS = 'a statement (SELECT, CREATE, EXPLAIN, SET, SHOW, DESCRIBE or DROP)';
const STATEMENT_STARTERS = new Set(['SELECT', 'CREATE', 'EXPLAIN', 'SET', 'SHOW', 'DESCRIBE', 'DROP']);

const UNSUPPORTED: Readonly<Record<string, string>> = {
  ORDER: 'ORDER BY is not supported on streams (only inside OVER (...))',
  LIMIT: 'LIMIT is not supported on streams',
};

const CALENDAR_UNITS = new Set(['WEEK', 'WEEKS', 'MONTH', 'MONTHS', 'QUARTER', 'QUARTERS', 'YEAR', 'YEARS']);
/** Type names of other dialects that prefix a literal (`TIME '10:00'`), for the typed-literal hint. */
const TYPE_WORDS = new Set(['TIME', 'TIMETZ', 'TIMESTAMPTZ', 'DATETIME', 'SMALLDATETIME', 'DECIMAL', 'NUMERIC', 'REAL', 'UUID', 'JSON', 'BLOB', 'BYTEA']);

/** Rules with a comma-separated list right before the token they failed on. */
const LIST_BEFORE: Readonly<Record<string, readonly string[]>> = {
  selectBlock: ['FROM'],
  createSource: ['RParen'],
  withClause: ['RParen'],
  structType: ['Gt'],
  structValue: ['RParen'],
  inTail: ['RParen'],
  callSuffix: ['RParen'],
  windowTvf: ['RParen'],
  overClause: ['RParen'],
};

const EXPRESSION_START = new Set([
  'NumberLiteral', 'StringLiteral', 'Duration', 'TRUE', 'FALSE', 'NULL', 'INTERVAL', 'CASE', 'CAST', 'STRUCT',
  'LParen', 'Minus', 'Plus', 'NOT', 'TIMESTAMP', 'DATE',
]);
const NAME_TOKENS = new Set(['Identifier', 'QuotedIdentifier', 'NonReserved', 'Reserved']);
const TYPE_TOKENS = ['BOOLEAN', 'INT', 'INTEGER', 'BIGINT', 'DOUBLE', 'FLOAT', 'VARCHAR', 'STRING', 'TEXT', 'TIMESTAMP', 'STRUCT'];
const TOKEN_BY_NAME = new Map<string, TokenType>(T.allTokens.map((t) => [t.name, t]));

/** What a name is called where a rule wants one. */
const NAME_NOUN: Readonly<Record<string, string>> = {
  fromItem: 'a source or view name',
  windowTvf: 'a source name',
  columnDef: 'a column name',
  sourceElement: 'a column name',
  watermarkDef: 'a column name',
  structTypeField: 'a field name',
  structValueField: 'a field name',
  optionKey: 'an option name',
  optionKeyPart: 'an option name',
  withOption: 'an option name',
  withClause: 'an option name',
  aliasClause: 'an alias',
  selectItem: 'a column name',
};

function nameNoun(ruleStack: readonly string[]): string {
  for (let i = ruleStack.length - 1; i >= 0; i--) {
    const r = ruleStack[i]!;
    if (r === 'identifier') continue;
    return NAME_NOUN[r] ?? (['primary', 'columnOrCall'].includes(r) ? 'a column name' : 'a name');
  }
  return 'a name';
}

function words(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function tokenWord(name: string): string {
  if (name === 'NumberLiteral') return 'a number';
  if (name === 'StringLiteral') return 'a string';
  if (name === 'Duration') return 'a duration';
  if (name === 'EOF') return 'the end of the input';
  return TOKEN_BY_NAME.get(name)?.LABEL ?? name;
}

/** Plain words for a set of expected token names, e.g. "a column name, '*' or an expression". */
export function describeExpected(names: readonly string[], ruleStack: readonly string[]): string {
  const set = new Set(names);
  const out: string[] = [];
  if (TYPE_TOKENS.every((t) => set.has(t))) {
    TYPE_TOKENS.forEach((t) => set.delete(t));
    out.push('a type (BOOLEAN, INT, BIGINT, DOUBLE, VARCHAR, TIMESTAMP or STRUCT<...>)');
  }
  const isExpression = set.has('NumberLiteral') && set.has('CASE');
  const hasName = [...NAME_TOKENS].some((t) => set.has(t));
  NAME_TOKENS.forEach((t) => set.delete(t));
  if (hasName) out.push(isExpression ? 'a column name' : nameNoun(ruleStack));
  if (set.has('Star')) {
    set.delete('Star');
    out.push("'*'");
  }
  if (isExpression) {
    EXPRESSION_START.forEach((t) => set.delete(t));
    out.push('an expression');
  }
  for (const n of set) out.push(n === 'TUMBLE' || n === 'HOP' || n === 'CUMULATE' ? `${n}(...)` : tokenWord(n));
  return words(out);
}

function parseDiagnostic(text: string, tokens: readonly IToken[], e: IRecognitionException, rule: StartRule): Omit<Diagnostic, 'severity'> {
  const tok = e.token;
  const atEnd = tok.tokenType.name === 'EOF' || Number.isNaN(tok.startOffset);
  const index = atEnd ? tokens.length : tokens.findIndex((t) => t.startOffset === tok.startOffset);
  const previous = index > 0 ? tokens[index - 1] : undefined;
  const span = atEnd ? endSpan(text) : tokenSpan(tok);
  const ruleStack = e.context?.ruleStack ?? [];
  const innermost = ruleStack[ruleStack.length - 1] ?? rule;

  const notAll = e.name === 'NotAllInputParsedException';
  const names = notAll ? [] : expectedTokenNames(e.message);
  if (e.name === 'MismatchedTokenException' && names.some((n) => LIST_BEFORE[innermost]?.includes(n))) names.unshift('Comma');
  const atStatementStart = rule === 'script' && (previous === undefined || previous.tokenType === T.Semicolon);
  let expected = notAll ? (rule === 'script' ? "';' or the end of the input" : 'the end of the expression') : describeExpected(names, ruleStack);
  if (atStatementStart) expected = STATEMENT_WORDS;

  const what = atEnd ? 'unexpected end of input' : `unexpected '${tok.image}'`;
  const base = { message: what, span, ...(expected ? { expected } : {}) };
  const hint = hintFor(tok, previous, names, atEnd);
  if (hint?.at === 'previous' && previous) return { message: `unexpected '${previous.image}'`, span: tokenSpan(previous), ...(expected ? { expected } : {}), hint: hint.text };
  return hint ? { ...base, hint: hint.text } : base;
}

function hintFor(tok: IToken, previous: IToken | undefined, expectedNames: readonly string[], atEnd: boolean): { text: string; at: 'token' | 'previous' } | undefined {
  const name = tok.tokenType.name;
  if (!atEnd && UNSUPPORTED[name]) return { text: UNSUPPORTED[name], at: 'token' };
  // `TIME '10:00'`, `TIMESTAMPTZ '...'`: a word and a string read as a column and a stray string.
  if (!atEnd && tok.tokenType === T.StringLiteral && previous?.tokenType === T.Identifier && TYPE_WORDS.has(previous.image.toUpperCase())) {
    return { text: `'${previous.image}' was read as a name; the typed literals are TIMESTAMP '...', DATE '...' and INTERVAL '...'`, at: 'token' };
  }
  // `INTERVAL '1' WEEK`: units of calendar length have no fixed duration.
  if (!atEnd && previous?.tokenType === T.StringLiteral && CALENDAR_UNITS.has(tok.image.toUpperCase())) {
    return { text: "the interval units are MILLISECOND, SECOND, MINUTE, HOUR and DAY (months and years have no fixed length); a week is INTERVAL '7' DAY", at: 'token' };
  }
  if (!atEnd && STATEMENT_STARTERS.has(name) && previous && previous.tokenType !== T.Semicolon && !expectedNames.includes(name)) {
    return { text: `is a ';' missing before ${name}?`, at: 'token' };
  }
  // A misspelled keyword: the offending word itself, or the word before it that was read as an alias.
  const keywords = expectedNames.filter((n) => T.KEYWORDS.includes(n));
  if (!atEnd && tok.tokenType === T.Identifier) {
    const guess = nearest(tok.image, keywords.length > 0 ? keywords : T.KEYWORDS);
    if (guess) return { text: `did you mean ${guess}?`, at: 'token' };
  }
  if (previous?.tokenType === T.Identifier && keywords.length > 0) {
    const guess = nearest(previous.image, keywords);
    if (guess) return { text: `did you mean ${guess}? '${previous.image}' was read as a name`, at: 'previous' };
  }
  if (atEnd && expectedNames.includes('RParen')) return { text: "a ')' may be missing", at: 'token' };
  return undefined;
}
