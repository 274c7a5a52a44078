// The small expression language of a test file's `generate:` columns: `one_of(Sensor1..Sensor5)`,
// `one_of(a, 'b c', 3)`, `between(0, 100)`, `keys(4)`, `always(x)`, `not_null(expr)`. Parsed
// with character offsets, so a mistake is reported at its column inside the YAML scalar.

export type Literal = string | number | boolean | null;

export type GenExpr =
  | { readonly kind: 'one_of'; readonly values: readonly Literal[]; readonly at: number }
  | { readonly kind: 'between'; readonly lo: number; readonly hi: number; readonly at: number }
  | { readonly kind: 'keys'; readonly count: number; readonly at: number }
  | { readonly kind: 'always'; readonly value: Literal; readonly at: number }
  | { readonly kind: 'not_null'; readonly inner: GenExpr; readonly at: number };

/** A mistake at `offset` (0-based, in the expression text) of `length` characters. */
export class GenExprError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly length: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export const GENERATORS = ['one_of', 'between', 'keys', 'always', 'not_null'] as const;

type Token = { readonly kind: 'word' | 'string' | 'punct' | 'range' | 'end'; readonly text: string; readonly at: number };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ kind: 'punct', text: c, at: i++ });
      continue;
    }
    if (c === '.' && src[i + 1] === '.') {
      out.push({ kind: 'range', text: '..', at: i });
      i += 2;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new GenExprError('unterminated string', i, src.length - i, `close it with ${c}`);
      out.push({ kind: 'string', text: src.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    const m = /^(?:-?\d+(?:\.\d+)?(?:e-?\d+)?|[A-Za-z0-9_:+\-]+(?:\.(?!\.)[A-Za-z0-9_:+\-]+)*)/.exec(src.slice(i));
    if (!m || m[0].length === 0) throw new GenExprError(`unexpected character '${c}'`, i, 1, "generators look like one_of(a, b), one_of(Sensor1..Sensor5), between(0, 100), keys(5)");
    out.push({ kind: 'word', text: m[0], at: i });
    i += m[0].length;
  }
  out.push({ kind: 'end', text: '', at: src.length });
  return out;
}

function literalOf(t: Token): Literal {
  if (t.kind === 'string') return t.text;
  const lower = t.text.toLowerCase();
  if (lower === 'null') return null;
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  const n = Number(t.text);
  return /^-?\d/.test(t.text) && Number.isFinite(n) ? n : t.text;
}

/** `Sensor1..Sensor5` -> Sensor1, ..., Sensor5; `1..4` -> 1, 2, 3, 4. */
function expandRange(a: Token, b: Token): Literal[] {
  const ma = /^(.*?)(-?\d+)$/.exec(a.text);
  const mb = /^(.*?)(-?\d+)$/.exec(b.text);
  const hint = 'a range is two names with the same prefix and a number: Sensor1..Sensor5, or two integers: 1..10';
  if (!ma || !mb || ma[1] !== mb[1]) throw new GenExprError(`'${a.text}..${b.text}' is not a range`, a.at, b.at + b.text.length - a.at, hint);
  const lo = Number(ma[2]);
  const hi = Number(mb[2]);
  if (hi < lo) throw new GenExprError(`the range '${a.text}..${b.text}' is empty`, a.at, b.at + b.text.length - a.at, 'write the smaller end first');
  if (hi - lo >= 10_000) throw new GenExprError(`the range '${a.text}..${b.text}' has more than 10000 values`, a.at, b.at + b.text.length - a.at, 'use keys(n) or between(lo, hi)');
  const out: Literal[] = [];
  for (let n = lo; n <= hi; n++) out.push(ma[1] === '' ? n : `${ma[1]}${n}`);
  return out;
}

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly src: string,
  ) {}

  private peek(): Token {
    return this.toks[this.i]!;
  }

  private take(): Token {
    return this.toks[this.i++]!;
  }

  private expect(text: string, what: string): Token {
    const t = this.take();
    if (t.text !== text || t.kind === 'string') throw new GenExprError(`expected ${what}, found ${t.kind === 'end' ? 'the end' : `'${t.text}'`}`, t.at, Math.max(1, t.text.length));
    return t;
  }

  parseAll(): GenExpr {
    const e = this.call();
    const t = this.peek();
    if (t.kind !== 'end') throw new GenExprError(`unexpected '${t.text}' after the generator`, t.at, this.src.length - t.at, 'one generator per column');
    return e;
  }

  private call(): GenExpr {
    const name = this.take();
    if (name.kind !== 'word' || !(GENERATORS as readonly string[]).includes(name.text.toLowerCase())) {
      const shown = name.kind === 'end' ? 'nothing' : `'${name.text}'`;
      throw new GenExprError(`expected a generator, found ${shown}`, name.at, Math.max(1, name.text.length), `one of ${GENERATORS.join(', ')}`);
    }
    const fn = name.text.toLowerCase() as (typeof GENERATORS)[number];
    this.expect('(', `'(' after ${fn}`);
    if (fn === 'not_null') {
      const inner = this.call();
      this.expect(')', "')'");
      return { kind: 'not_null', inner, at: name.at };
    }
    const args: Array<{ values: Literal[]; tok: Token }> = [];
    if (this.peek().text !== ')' || this.peek().kind === 'string') {
      for (;;) {
        const a = this.take();
        if (a.kind !== 'word' && a.kind !== 'string') throw new GenExprError(`expected a value, found ${a.kind === 'end' ? 'the end' : `'${a.text}'`}`, a.at, Math.max(1, a.text.length));
        if (this.peek().kind === 'range') {
          this.take();
          const b = this.take();
          if (b.kind !== 'word') throw new GenExprError('expected the end of the range', b.at, Math.max(1, b.text.length), 'Sensor1..Sensor5');
          args.push({ values: expandRange(a, b), tok: a });
        } else args.push({ values: [literalOf(a)], tok: a });
        const sep = this.take();
        if (sep.text === ')' && sep.kind === 'punct') break;
        if (sep.text !== ',' || sep.kind !== 'punct') throw new GenExprError(`expected ',' or ')', found ${sep.kind === 'end' ? 'the end' : `'${sep.text}'`}`, sep.at, Math.max(1, sep.text.length));
      }
    } else this.take();
    return build(fn, args, name);
  }
}

function number(arg: { values: Literal[]; tok: Token } | undefined, fn: string, what: string, at: Token): number {
  const v = arg?.values.length === 1 ? arg.values[0] : undefined;
  if (typeof v !== 'number') {
    const t = arg?.tok ?? at;
    throw new GenExprError(`${fn} needs a number as its ${what}`, t.at, Math.max(1, t.text.length));
  }
  return v;
}

function build(fn: Exclude<(typeof GENERATORS)[number], 'not_null'>, args: Array<{ values: Literal[]; tok: Token }>, name: Token): GenExpr {
  const arity = (n: number, usage: string): void => {
    if (args.length !== n) throw new GenExprError(`${fn} takes ${n === 1 ? 'one argument' : `${n} arguments`}, got ${args.length}`, name.at, name.text.length, usage);
  };
  switch (fn) {
    case 'one_of': {
      const values = args.flatMap((a) => a.values);
      if (values.length === 0) throw new GenExprError('one_of needs at least one value', name.at, name.text.length, 'one_of(a, b, c) or one_of(Sensor1..Sensor5)');
      return { kind: 'one_of', values, at: name.at };
    }
    case 'between': {
      arity(2, 'between(0, 100)');
      const lo = number(args[0], fn, 'lower bound', name);
      const hi = number(args[1], fn, 'upper bound', name);
      if (hi < lo) throw new GenExprError(`between(${lo}, ${hi}) is empty`, args[0]!.tok.at, args[1]!.tok.at + args[1]!.tok.text.length - args[0]!.tok.at, 'write the lower bound first');
      return { kind: 'between', lo, hi, at: name.at };
    }
    case 'keys': {
      arity(1, 'keys(5): five distinct values');
      const n = number(args[0], fn, 'count', name);
      if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new GenExprError(`keys needs a whole number from 1 to 10000, got ${n}`, args[0]!.tok.at, args[0]!.tok.text.length);
      return { kind: 'keys', count: n, at: name.at };
    }
    case 'always':
      arity(1, 'always(x)');
      if (args[0]!.values.length !== 1) throw new GenExprError('always takes one value, not a range', args[0]!.tok.at, args[0]!.tok.text.length);
      return { kind: 'always', value: args[0]!.values[0]!, at: name.at };
  }
}

/** Parses one column's generator; throws GenExprError with the offending offset. */
export function parseGenExpr(src: string): GenExpr {
  return new Parser(tokenize(src), src).parseAll();
}
