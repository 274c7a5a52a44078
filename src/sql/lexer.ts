// The Sluice lexer: an ordered token vocabulary for Chevrotain. Keywords are case-insensitive and
// fall back to identifiers (`longer_alt`); only a small set is reserved, the rest stay usable as
// names (`value`, `timestamp`, `key`, `second`). Comments go to a group so highlighting sees them.

import { createToken, Lexer } from 'chevrotain';
import type { IToken, TokenType } from 'chevrotain';

// ---------------------------------------------------------------------------------------------
// Categories

/** Every keyword token carries this category (for highlighting and completion). */
export const Keyword = createToken({ name: 'Keyword', pattern: Lexer.NA });
/** Keywords that may also be used as names: the parser's `identifier` rule accepts them. */
export const NonReserved = createToken({ name: 'NonReserved', pattern: Lexer.NA });
/** Keywords that are never names, except as parts of option keys (`checkpoint.interval`). */
export const Reserved = createToken({ name: 'Reserved', pattern: Lexer.NA });

// ---------------------------------------------------------------------------------------------
// Trivia

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED, line_breaks: true });
export const LineComment = createToken({ name: 'LineComment', pattern: /--[^\n\r]*/, group: 'comments' });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: 'comments', line_breaks: true });
/**
 * A `/*` that is never closed: the rest of the text. A token of its own (highlighted as a comment)
 * rather than `/` and `*`, so that the parser reports an unterminated comment at the `/*`.
 */
export const UnterminatedComment = createToken({ name: 'UnterminatedComment', pattern: /\/\*[\s\S]*/, group: 'comments', line_breaks: true });

// ---------------------------------------------------------------------------------------------
// Literals and names

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });
export const QuotedIdentifier = createToken({ name: 'QuotedIdentifier', pattern: /"(?:[^"]|"")*"/, line_breaks: true });
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /'(?:[^']|'')*'/, line_breaks: true });

const DURATION_RE = /\d+(?:\.\d+)?(?:ms|s|m|h|d)(?![A-Za-z0-9_])/iy;

/** `500ms`, `10s`, `5m`, `1h`, `1d`; `10sensors` is a number followed by a name. */
export const Duration = createToken({
  name: 'Duration',
  pattern: {
    exec: (text: string, offset: number): RegExpExecArray | null => {
      DURATION_RE.lastIndex = offset;
      return DURATION_RE.exec(text);
    },
  },
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  line_breaks: false,
});
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?/ });

// ---------------------------------------------------------------------------------------------
// Operators and punctuation (longest first where one is a prefix of another)

export const Concat = createToken({ name: 'Concat', pattern: '||', label: "'||'" });
export const DoubleColon = createToken({ name: 'DoubleColon', pattern: '::', label: "'::'" });
export const NotEq = createToken({ name: 'NotEq', pattern: /<>|!=/, label: "'<>'" });
export const LtEq = createToken({ name: 'LtEq', pattern: '<=', label: "'<='" });
export const GtEq = createToken({ name: 'GtEq', pattern: '>=', label: "'>='" });
export const Lt = createToken({ name: 'Lt', pattern: '<', label: "'<'" });
export const Gt = createToken({ name: 'Gt', pattern: '>', label: "'>'" });
export const Eq = createToken({ name: 'Eq', pattern: '=', label: "'='" });
export const Plus = createToken({ name: 'Plus', pattern: '+', label: "'+'" });
export const Minus = createToken({ name: 'Minus', pattern: '-', label: "'-'" });
export const Star = createToken({ name: 'Star', pattern: '*', label: "'*'" });
export const Slash = createToken({ name: 'Slash', pattern: '/', label: "'/'" });
export const Percent = createToken({ name: 'Percent', pattern: '%', label: "'%'" });
export const LParen = createToken({ name: 'LParen', pattern: '(', label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: ')', label: "')'" });
export const Comma = createToken({ name: 'Comma', pattern: ',', label: "','" });
export const Dot = createToken({ name: 'Dot', pattern: '.', label: "'.'" });
export const Semicolon = createToken({ name: 'Semicolon', pattern: ';', label: "';'" });

// ---------------------------------------------------------------------------------------------
// Keywords

const keywordTokens: TokenType[] = [];
const reservedWords: string[] = [];

function keyword(word: string, reserved: boolean): TokenType {
  const tok = createToken({
    name: word,
    label: word,
    pattern: new RegExp(word.toLowerCase(), 'i'),
    longer_alt: Identifier,
    categories: reserved ? [Keyword, Reserved] : [Keyword, NonReserved],
  });
  keywordTokens.push(tok);
  if (reserved) reservedWords.push(word);
  return tok;
}

const r = (w: string): TokenType => keyword(w, true);
const n = (w: string): TokenType => keyword(w, false);

// Reserved: clause starters, operators, literals, statement starters, and words of unsupported
// features (ORDER, LIMIT, CROSS and outer JOINs) so that they fail with a clear message instead of being
// taken for an alias.
export const SELECT = r('SELECT');
export const FROM = r('FROM');
export const WHERE = r('WHERE');
export const GROUP = r('GROUP');
export const BY = r('BY');
export const HAVING = r('HAVING');
export const EMIT = r('EMIT');
export const AS = r('AS');
export const AND = r('AND');
export const OR = r('OR');
export const NOT = r('NOT');
export const IS = r('IS');
export const IN = r('IN');
export const BETWEEN = r('BETWEEN');
export const LIKE = r('LIKE');
export const ILIKE = r('ILIKE');
export const CASE = r('CASE');
export const WHEN = r('WHEN');
export const THEN = r('THEN');
export const ELSE = r('ELSE');
export const END = r('END');
export const NULL = r('NULL');
export const TRUE = r('TRUE');
export const FALSE = r('FALSE');
export const DISTINCT = r('DISTINCT');
export const CAST = r('CAST');
export const INTERVAL = r('INTERVAL');
export const STRUCT = r('STRUCT');
export const WITH = r('WITH');
export const OVER = r('OVER');
export const ORDER = r('ORDER');
export const CREATE = r('CREATE');
export const DROP = r('DROP');
export const EXPLAIN = r('EXPLAIN');
export const SET = r('SET');
export const SHOW = r('SHOW');
export const DESCRIBE = r('DESCRIBE');
export const JOIN = r('JOIN');
export const INNER = r('INNER');
export const LEFT = r('LEFT');
export const RIGHT = r('RIGHT');
export const FULL = r('FULL');
export const OUTER = r('OUTER');
export const CROSS = r('CROSS');
export const ON = r('ON');
export const UNION = r('UNION');
export const LIMIT = r('LIMIT');
// FOR SYSTEM_TIME AS OF (temporal join): reserved, so `JOIN t FOR` is never taken for an alias.
export const SYSTEM_TIME = r('SYSTEM_TIME');

// Non-reserved.
export const ALL = n('ALL');
export const SOURCE = n('SOURCE');
export const SOURCES = n('SOURCES');
export const VIEW = n('VIEW');
export const VIEWS = n('VIEWS');
export const SINK = n('SINK');
export const SINKS = n('SINKS');
export const TABLE = n('TABLE');
export const TABLES = n('TABLES');
export const PRIMARY = n('PRIMARY');
export const OF = n('OF');
export const STATE = n('STATE');
export const IF = n('IF');
export const EXISTS = n('EXISTS');
export const WATERMARK = n('WATERMARK');
export const FOR = n('FOR');
export const KEY = n('KEY');
export const FINAL = n('FINAL');
export const CHANGES = n('CHANGES');
export const PARTITION = n('PARTITION');
export const ASC = n('ASC');
export const DESC = n('DESC');
export const TUMBLE = n('TUMBLE');
export const HOP = n('HOP');
export const CUMULATE = n('CUMULATE');
export const GROUPING = n('GROUPING');
export const SETS = n('SETS');
export const ROLLUP = n('ROLLUP');
export const CUBE = n('CUBE');
export const WITHIN = n('WITHIN');
export const BOOLEAN = n('BOOLEAN');
export const INT = n('INT');
export const INTEGER = n('INTEGER');
export const BIGINT = n('BIGINT');
export const DOUBLE = n('DOUBLE');
export const FLOAT = n('FLOAT');
export const VARCHAR = n('VARCHAR');
export const STRING = n('STRING');
export const TEXT = n('TEXT');
export const TIMESTAMP = n('TIMESTAMP');
export const DATE = n('DATE');
export const MILLISECOND = n('MILLISECOND');
export const MILLISECONDS = n('MILLISECONDS');
export const SECOND = n('SECOND');
export const SECONDS = n('SECONDS');
export const MINUTE = n('MINUTE');
export const MINUTES = n('MINUTES');
export const HOUR = n('HOUR');
export const HOURS = n('HOURS');
export const DAY = n('DAY');
export const DAYS = n('DAYS');
// Window frames: `ROWS BETWEEN 4 PRECEDING AND CURRENT ROW`, `RANGE INTERVAL '30' SECOND PRECEDING`.
export const ROWS = n('ROWS');
export const RANGE = n('RANGE');
export const UNBOUNDED = n('UNBOUNDED');
export const PRECEDING = n('PRECEDING');
export const FOLLOWING = n('FOLLOWING');
export const CURRENT = n('CURRENT');
export const ROW = n('ROW');

/** Every keyword, upper-case, in declaration order. */
export const KEYWORDS: string[] = keywordTokens.map((t) => t.name);
/** Keywords that cannot be used as unquoted names. */
export const RESERVED_KEYWORDS: ReadonlySet<string> = new Set(reservedWords);

// A keyword that is a prefix of another (IN / INT / INTEGER / INTERVAL) must come after it.
const keywordsLongestFirst = [...keywordTokens].sort((a, b) => b.name.length - a.name.length);

/** The ordered vocabulary the lexer tries, and the parser's token set. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  Keyword,
  NonReserved,
  Reserved,
  ...keywordsLongestFirst,
  Identifier,
  QuotedIdentifier,
  StringLiteral,
  Duration,
  NumberLiteral,
  Concat,
  DoubleColon,
  NotEq,
  LtEq,
  GtEq,
  Lt,
  Gt,
  Eq,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  LParen,
  RParen,
  Comma,
  Dot,
  Semicolon,
];

/**
 * The lexer; `validate` runs Chevrotain's token validations (about 25 ms of every start-up), done
 * once in a unit test (test/unit/sql/grammar-valid.test.ts) since the tokens are fixed at build time.
 */
export function makeLexer(validate = false): Lexer {
  return new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: true, skipValidations: !validate });
}

export const sqlLexer = makeLexer();

// ---------------------------------------------------------------------------------------------
// Tokens for highlighting

export type TokenCategory = 'keyword' | 'identifier' | 'string' | 'number' | 'duration' | 'operator' | 'punctuation' | 'comment';

export interface HighlightToken {
  readonly image: string;
  readonly category: TokenCategory;
  /** 0-based offset, exclusive end. */
  readonly start: number;
  readonly end: number;
}

const PUNCTUATION: ReadonlySet<TokenType> = new Set([LParen, RParen, Comma, Dot, Semicolon]);

function categoryOf(t: IToken): TokenCategory {
  const type = t.tokenType;
  if (type === LineComment || type === BlockComment || type === UnterminatedComment) return 'comment';
  if (type === Identifier || type === QuotedIdentifier) return 'identifier';
  if (type === StringLiteral) return 'string';
  if (type === NumberLiteral) return 'number';
  if (type === Duration) return 'duration';
  if (PUNCTUATION.has(type)) return 'punctuation';
  if (type.CATEGORIES?.includes(Keyword)) return 'keyword';
  return 'operator';
}

/**
 * Every token of `text` with its category, comments included, in source order. Never throws:
 * characters the lexer cannot read are skipped (the parser reports them).
 */
export function tokenize(text: string): HighlightToken[] {
  const result = sqlLexer.tokenize(text);
  const all = [...result.tokens, ...(result.groups['comments'] ?? [])];
  all.sort((a, b) => a.startOffset - b.startOffset);
  return all.map((t) => ({
    image: t.image,
    category: categoryOf(t),
    start: t.startOffset,
    end: t.startOffset + t.image.length,
  }));
}
