// How deeply SQL may nest, checked before anything recurses over it: the parser descends about a
// dozen rules per parenthesis, and the binder, printer, compiler and the oracle's DuckDB recurse
// once or more per expression level, each on a stack of about 1 MB. Past these limits a statement
// is refused with a diagnostic at the place it goes too deep, never a stack overflow.

import type { IToken } from 'chevrotain';
import type { Expr, Span, Statement } from './ast.js';
import type { Diagnostic } from './diagnostics.js';

/**
 * Parentheses (also of calls and subqueries), CASE ... END, STRUCT<...> types and prefix NOT, -
 * and + nested inside each other. The parser overflows its stack past about 135 parentheses
 * when run from the CLI; 64 leaves room for deeper callers (the REPL) and is far beyond what a
 * person writes.
 */
export const MAX_NESTING = 64;

/**
 * Levels of an expression tree, where each operator of a chain is one level (`a + b + c` is
 * two): the binder, the printer and the compiled closures recurse once per level, and DuckDB
 * (the oracle of `compare`) refuses an expression past its max_expression_depth of 1000, which
 * a chain of about 490 `+` reaches once cast for it.
 */
export const MAX_EXPRESSION_DEPTH = 256;

/** Prefix operators: a run of them nests like parentheses. */
const PREFIX: ReadonlySet<string> = new Set(['NOT', 'Minus', 'Plus']);

/**
 * The nesting depth after each token: `(` ... `)`, `CASE` ... `END`, and `STRUCT<` ... `>` of a
 * type (where `>` closes the type, not a comparison), plus the prefix operators just before.
 */
function* depths(tokens: readonly IToken[]): Generator<{ token: IToken; depth: number }> {
  const open: string[] = [];
  let prefixRun = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const name = t.tokenType.name;
    prefixRun = PREFIX.has(name) ? prefixRun + 1 : 0;
    if (name === 'LParen' || name === 'CASE') open.push(name);
    else if (name === 'STRUCT' && tokens[i + 1]?.tokenType.name === 'Lt') open.push('STRUCT');
    else if (name === 'RParen') popTo(open, 'LParen');
    else if (name === 'END') popTo(open, 'CASE');
    else if (name === 'Gt' && open[open.length - 1] === 'STRUCT') open.pop();
    yield { token: t, depth: open.length + prefixRun };
  }
}

/** Closes the innermost `kind` and what is still open inside it (the parser reports the mismatch). */
function popTo(open: string[], kind: string): void {
  const at = open.lastIndexOf(kind);
  if (at >= 0) open.length = at;
}

/** A diagnostic at the token that opens one level too many, or undefined. */
export function checkNesting(tokens: readonly IToken[]): Omit<Diagnostic, 'severity'> | undefined {
  for (const { token, depth } of depths(tokens)) if (depth > MAX_NESTING) return tooDeep(token);
  return undefined;
}

function tooDeep(t: IToken): Omit<Diagnostic, 'severity'> {
  const span: Span = {
    start: { offset: t.startOffset, line: t.startLine ?? 1, column: t.startColumn ?? 1 },
    end: { offset: (t.endOffset ?? t.startOffset) + 1, line: t.endLine ?? 1, column: (t.endColumn ?? 1) + 1 },
  };
  return {
    message: `the statement nests too deeply: more than ${MAX_NESTING} levels of parentheses, CASE, subqueries, STRUCT<...> or NOT here`,
    span,
    hint: 'split it: compute inner parts in a view or subquery, and write a long list of alternatives as IN (...) or CASE x WHEN ...',
  };
}

/** The token where the nesting is deepest: for a parser that overflowed anyway. */
export function deepestToken(tokens: readonly IToken[]): IToken | undefined {
  let best = -1;
  let at: IToken | undefined;
  for (const { token, depth } of depths(tokens)) {
    if (depth > best) {
      best = depth;
      at = token;
    }
  }
  return at;
}

export function tooDeepAt(t: IToken): Omit<Diagnostic, 'severity'> {
  return { ...tooDeep(t), message: 'the statement nests too deeply to parse' };
}

/**
 * A diagnostic at the first expression nested more than MAX_EXPRESSION_DEPTH levels deep in the
 * statement, or undefined. Walks the AST with its own stack: it must not overflow on what it checks.
 */
export function checkExpressionDepth(root: Statement | Expr): Omit<Diagnostic, 'severity'> | undefined {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (Array.isArray(node)) {
      for (const x of node) stack.push({ node: x, depth });
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    const isExpr = EXPR_KINDS.has((node as { kind?: unknown }).kind as string) && 'span' in node;
    const d = isExpr ? depth + 1 : depth;
    if (isExpr && d > MAX_EXPRESSION_DEPTH) {
      const start = (node as { span: Span }).span.start;
      return {
        message: `the expression nests too deeply: more than ${MAX_EXPRESSION_DEPTH} levels`,
        span: { start, end: { ...start, offset: start.offset + 1, column: start.column + 1 } },
        expected: `at most ${MAX_EXPRESSION_DEPTH} levels (each operator of a chain such as a + b + c is one)`,
        hint: 'split a long chain into parts computed in a subquery, or write a long list of OR-ed comparisons as IN (...)',
      };
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'span' && v !== null && typeof v === 'object') stack.push({ node: v, depth: d });
  }
  return undefined;
}

/** Every Expr kind of ast.ts, checked by the compiler (a TypeName STRUCT also counts: harmless). */
const EXPR_KIND_RECORD: Readonly<Record<Expr['kind'], true>> = {
  number: true, string: true, boolean: true, null: true, interval: true, timestamp: true, column: true, star: true, unary: true,
  binary: true, isNull: true, in: true, between: true, like: true, case: true, cast: true, call: true, struct: true,
};
const EXPR_KINDS: ReadonlySet<string> = new Set(Object.keys(EXPR_KIND_RECORD));
