// How deep SQL may nest, and literals out of range: each shape a user (or a generator) can write
// is refused at its position with the limit, never a RangeError; right under the limit it parses.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqlError } from '../../../src/sql/diagnostics.js';
import type { Diagnostic } from '../../../src/sql/diagnostics.js';
import { parseExpression, parseScript, printStatement } from '../../../src/sql/index.js';
import { MAX_EXPRESSION_DEPTH, MAX_NESTING } from '../../../src/sql/limits.js';

function diagnose(text: string): Diagnostic {
  try {
    parseScript(text);
  } catch (e) {
    assert.ok(e instanceof SqlError, `expected a SqlError, got ${String(e)}`);
    return e.diagnostics[0]!;
  }
  assert.fail(`expected an error for: ${text.slice(0, 80)}`);
}

/** The four shapes of the issue, `n` deep. */
const SHAPES = {
  parentheses: (n: number) => `SELECT ${'('.repeat(n)}v${')'.repeat(n)} FROM t`,
  case: (n: number) => `SELECT ${'CASE WHEN v > 0 THEN '.repeat(n)}1${' ELSE 0 END'.repeat(n)} FROM t`,
  subqueries: (n: number) => `SELECT v FROM ${'(SELECT v FROM '.repeat(n)}t${')'.repeat(n)}`,
  plus: (n: number) => `SELECT ${Array.from({ length: n }, () => 'v').join(' + ')} FROM t`,
};

describe('nesting limits', () => {
  it('parentheses, CASE and subqueries: the limit parses, one more is refused at the token that opens it', () => {
    for (const [name, shape] of Object.entries(SHAPES).filter(([k]) => k !== 'plus')) {
      assert.doesNotThrow(() => parseScript(shape(MAX_NESTING)), name);
      const over = shape(MAX_NESTING + 1);
      const d = diagnose(over);
      assert.match(d.message, new RegExp(`nests too deeply: more than ${MAX_NESTING} levels`), name);
      const opener = name === 'case' ? 'CASE' : '(';
      // The (MAX_NESTING + 1)th opener: where the statement goes one level too deep.
      let at = -1;
      for (let i = 0; i <= MAX_NESTING; i++) at = over.indexOf(opener, at + 1);
      assert.equal(d.span.start.offset, at, name);
      assert.equal(d.span.start.column, at + 1, name);
    }
  });

  it('the sizes of the issue (150 parentheses, 2,000 CASE, 500 subqueries, 10,000 +) are diagnostics, not RangeErrors', () => {
    for (const [name, n] of [['parentheses', 150], ['case', 2000], ['subqueries', 500], ['plus', 10_000]] as const) {
      const d = diagnose(SHAPES[name](n));
      assert.match(d.message, /nests too deeply/, name);
      assert.ok(d.hint, name);
    }
  });

  it('a chain of operators counts one level per operator: 256 levels parse and print, 257 are refused', () => {
    // `v + v + ... + v` with k terms is k - 1 binary nodes over a column: k levels.
    const ok = SHAPES.plus(MAX_EXPRESSION_DEPTH);
    const [st] = parseScript(ok).statements;
    assert.ok(printStatement(st!.statement).startsWith('SELECT v + v'));
    const d = diagnose(SHAPES.plus(MAX_EXPRESSION_DEPTH + 1));
    assert.equal(d.message, `the expression nests too deeply: more than ${MAX_EXPRESSION_DEPTH} levels`);
    assert.match(d.expected ?? '', /each operator of a chain/);
    assert.throws(() => parseExpression(Array.from({ length: 300 }, () => '1').join(' * ')), /nests too deeply/);
  });

  it('STRUCT<...> types nest too, and their > closes the type, not a comparison', () => {
    const type = (n: number) => `${'STRUCT<a '.repeat(n)}INT${'>'.repeat(n)}`;
    const ddl = (n: number) => `CREATE SOURCE s (x ${type(n)}) WITH (connector = 'file', path = 'x.jsonl'); SELECT a > 1 FROM t`;
    assert.doesNotThrow(() => parseScript(ddl(MAX_NESTING - 1)), 'the column list is one level');
    const d = diagnose(ddl(2000));
    assert.match(d.message, /nests too deeply: more than 64 levels/);
    assert.equal(d.span.start.offset, ddl(2000).indexOf('STRUCT') + 'STRUCT<a '.length * (MAX_NESTING - 1));
  });

  it('called with little stack left, a parse ends in a tree or a diagnostic, never a RangeError', () => {
    const sql = SHAPES.case(MAX_NESTING);
    let reached = false;
    const outcomes = { parsed: 0, diagnostic: 0 };
    const callAt = (frames: number): void => {
      if (frames > 0) return callAt(frames - 1);
      reached = true;
      try {
        parseScript(sql);
        outcomes.parsed++;
      } catch (e) {
        assert.ok(e instanceof SqlError, `a parse with little stack left threw ${String(e)}`);
        assert.match(e.message, /nests too deeply to parse/);
        outcomes.diagnostic++;
      }
    };
    for (let frames = 0; ; frames += 25) {
      reached = false;
      try {
        callAt(frames);
      } catch (e) {
        if (reached || !(e instanceof RangeError)) throw e;
        break; // the test's own recursion used the whole stack: every depth was tried
      }
    }
    assert.ok(outcomes.parsed > 0 && outcomes.diagnostic > 0, JSON.stringify(outcomes));
    // The one reused parser is whole again after an overflow inside it.
    assert.equal(parseScript(sql).statements.length, 1);
    assert.throws(() => parseScript('SELECT FROM t'), /unexpected 'FROM'/);
  });

  it('a run of prefix operators nests like parentheses', () => {
    assert.doesNotThrow(() => parseExpression(`${'NOT '.repeat(MAX_NESTING)}TRUE`));
    assert.throws(() => parseExpression(`${'NOT '.repeat(MAX_NESTING + 1)}TRUE`), /nests too deeply/);
    assert.throws(() => parseExpression(`${'- '.repeat(10_000)}1`), /nests too deeply/);
  });
});

describe('literals out of range', () => {
  it('a DOUBLE literal that overflows, at its position', () => {
    const d = diagnose('SELECT amount * 1e400 FROM t');
    assert.equal(d.message, 'numeric literal 1e400 is out of range for DOUBLE');
    assert.equal(d.span.start.column, 17);
    assert.equal(d.span.end.column - d.span.start.column, 5);
    assert.doesNotThrow(() => parseExpression('1.7976931348623157e308'));
    assert.doesNotThrow(() => parseExpression('1e-400'), 'underflow to 0 is a number, as in DuckDB');
  });

  it('an integer literal beyond 2^53 - 1 (where BIGINT stops being exact); 5,000 digits are beyond DOUBLE too', () => {
    assert.doesNotThrow(() => parseExpression('9007199254740991'));
    const d = diagnose('SELECT 9007199254740992 FROM t');
    assert.equal(d.message, 'integer literal 9007199254740992 is out of range for BIGINT');
    assert.equal(d.hint, 'write it as a DOUBLE if an approximate value will do, e.g. 9.007199254740992e15');
    assert.doesNotThrow(() => parseExpression('9.007199254740992e15'));
    const long = '7'.repeat(5000);
    const e = diagnose(`SELECT ${long} FROM t`);
    assert.equal(e.message, 'numeric literal 77777777777777777777… (5,000 characters) is out of range for DOUBLE');
    assert.equal(e.hint, undefined);
    assert.equal(diagnose(`SELECT ${long}.5 FROM t`).message, 'numeric literal 77777777777777777777… (5,002 characters) is out of range for DOUBLE');
  });

  it('durations past 100 years: literals and INTERVALs', () => {
    assert.doesNotThrow(() => parseExpression('36500d'));
    for (const [text, what] of [
      ['99999999999999999999d', 'duration 99999999999999999999d'],
      ['36501d', 'duration 36501d'],
      ["INTERVAL '36501' DAY", "duration INTERVAL '36501' DAY"],
      ["INTERVAL '100000 days'", "duration INTERVAL '100000 days'"],
    ]) {
      const d = diagnose(`SELECT TUMBLE(ts, ${text}) FROM t`);
      assert.equal(d.message, `${what} is out of range`);
      assert.equal(d.span.start.column, 19);
      assert.match(d.expected ?? '', /at most 36500d \(100 years\)/);
    }
  });
});

describe('typed literals and intervals', () => {
  it("DuckDB's INTERVAL 5 MINUTE is read; a bare number needs its unit", () => {
    const e = parseExpression('INTERVAL 5 MINUTE');
    assert.deepEqual(e.kind === 'interval' ? e.micros : undefined, 300_000_000);
    const d = diagnose('SELECT TUMBLE(ts, INTERVAL 5) FROM t');
    assert.equal(d.message, 'INTERVAL 5 needs a unit');
    assert.equal(d.span.start.column, 28);
  });

  it('a word before a string is told which typed literals exist; calendar units say why not', () => {
    const time = diagnose("SELECT a FROM t WHERE ts > TIME '10:00'");
    assert.equal(time.hint, "'TIME' was read as a name; the typed literals are TIMESTAMP '...', DATE '...' and INTERVAL '...'");
    const week = diagnose("SELECT TUMBLE(ts, INTERVAL '1' WEEK) FROM t");
    assert.equal(week.message, "unexpected 'WEEK'");
    assert.match(week.hint ?? '', /a week is INTERVAL '7' DAY/);
  });
});

describe('lexical diagnostics', () => {
  it('an unterminated /* comment is reported at the /*', () => {
    const d = diagnose('SELECT a\nFROM t /* the rest\nof the script');
    assert.equal(d.message, 'unterminated comment');
    assert.deepEqual([d.span.start.line, d.span.start.column, d.span.end.column], [2, 8, 10]);
    assert.match(d.hint ?? '', /\*\//);
  });

  it('a name with non-ASCII letters: a hint to quote the whole word', () => {
    const d = diagnose('SELECT amount AS 客户 FROM t');
    assert.equal(d.message, "unexpected character '客'");
    assert.equal(d.hint, 'a name with letters outside A-Z must be quoted: "客户"');
    assert.equal(d.span.start.column, 18);
    const e = diagnose('SELECT café FROM t');
    assert.equal(e.hint, 'a name with letters outside A-Z must be quoted: "café"');
    assert.equal(e.span.start.column, 8);
    assert.doesNotThrow(() => parseScript('SELECT amount AS "客户" FROM t'));
  });
});
