// Parse errors as diagnostics: exact position, expected words and hint, rendered with a caret.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqlError } from '../../../src/sql/diagnostics.js';
import type { Diagnostic } from '../../../src/sql/diagnostics.js';
import { parseExpression, parseScript, parseStatement } from '../../../src/sql/index.js';

function diagnose(text: string, file?: string): { d: Diagnostic; err: SqlError } {
  try {
    parseScript(text, file);
  } catch (e) {
    assert.ok(e instanceof SqlError, `expected a SqlError, got ${String(e)}`);
    assert.equal(e.diagnostics.length, 1);
    return { d: e.diagnostics[0]!, err: e };
  }
  assert.fail(`expected an error for: ${text}`);
}

function expectError(text: string, want: { message: string; line: number; column: number; width: number; expected?: string; hint?: string }): void {
  const { d } = diagnose(text);
  assert.deepEqual(
    {
      message: d.message,
      line: d.span.start.line,
      column: d.span.start.column,
      width: d.span.end.column - d.span.start.column,
      expected: d.expected,
      hint: d.hint,
    },
    { expected: undefined, hint: undefined, ...want },
  );
}

describe('parse errors', () => {
  it('WITHIN GROUP on anything but PERCENTILE_CONT(fraction)', () => {
    const { d } = diagnose('SELECT ABS(v) WITHIN GROUP (ORDER BY v) FROM t;');
    assert.equal(d.message, 'WITHIN GROUP (ORDER BY ...) goes with PERCENTILE_CONT(fraction) only');
    assert.equal(d.span.start.column, 38);
    assert.equal(diagnose('SELECT PERCENTILE_CONT(0.5, 1) WITHIN GROUP (ORDER BY v) FROM t;').d.message, 'WITHIN GROUP (ORDER BY ...) goes with PERCENTILE_CONT(fraction) only');
  });

  it('missing FROM item', () => {
    expectError('SELECT a FROM WHERE x > 1', {
      message: "unexpected 'WHERE'",
      line: 1,
      column: 15,
      width: 5,
      expected: "a source or view name, TUMBLE(...), HOP(...), CUMULATE(...) or '('",
    });
  });

  it('missing select item', () => {
    expectError('SELECT FROM t', { message: "unexpected 'FROM'", line: 1, column: 8, width: 4, expected: "a column name, '*' or an expression" });
  });

  it('misspelled keyword read as an alias', () => {
    expectError('SELECT sensor, value\nFORM raw', {
      message: "unexpected 'FORM'",
      line: 2,
      column: 1,
      width: 4,
      expected: "',' or FROM",
      hint: "did you mean FROM? 'FORM' was read as a name",
    });
  });

  it('misspelled keyword where a keyword must come', () => {
    expectError('SELECT * FORM raw', { message: "unexpected 'FORM'", line: 1, column: 10, width: 4, expected: "',' or FROM", hint: 'did you mean FROM?' });
    expectError('CREATE SORCE s WITH (a = 1)', { message: "unexpected 'SORCE'", line: 1, column: 8, width: 5, expected: 'SOURCE, TABLE, VIEW or SINK', hint: 'did you mean SOURCE?' });
  });

  it('missing comma in GROUP BY TUMBLE(ts 10s)', () => {
    expectError('SELECT a FROM t\nGROUP BY a, TUMBLE(ts 10s)', { message: "unexpected '10s'", line: 2, column: 23, width: 3, expected: "',' or ')'" });
  });

  it('unterminated string', () => {
    expectError("SELECT a FROM t\n  WHERE s = 'abc\n", {
      message: 'unterminated string',
      line: 2,
      column: 13,
      width: 4,
      expected: "a closing quote (')",
      hint: "close the string with '; write '' for a quote inside a string",
    });
  });

  it('bad type name', () => {
    expectError("CREATE SOURCE s (\n  a DOUBEL\n) WITH (connector = 'file')", {
      message: "unexpected 'DOUBEL'",
      line: 2,
      column: 5,
      width: 6,
      expected: 'a type (BOOLEAN, INT, BIGINT, DOUBLE, VARCHAR, TIMESTAMP or STRUCT<...>)',
      hint: 'did you mean DOUBLE?',
    });
  });

  it('stray token at the end', () => {
    expectError('SELECT a FROM t )', { message: "unexpected ')'", line: 1, column: 17, width: 1, expected: "';' or the end of the input" });
  });

  it('missing ; between statements', () => {
    expectError("SHOW SOURCES\nSELECT a FROM t", {
      message: "unexpected 'SELECT'",
      line: 2,
      column: 1,
      width: 6,
      expected: "';' or the end of the input",
      hint: "is a ';' missing before SELECT?",
    });
    expectError('CREATE VIEW v AS SELECT a FROM t WHERE a > 1\nCREATE VIEW w AS SELECT a FROM v', {
      message: "unexpected 'CREATE'",
      line: 2,
      column: 1,
      width: 6,
      expected: "';' or the end of the input",
      hint: "is a ';' missing before CREATE?",
    });
  });

  it('unsupported features say so', () => {
    expectError('SELECT a FROM t LIMIT 10', {
      message: "unexpected 'LIMIT'",
      line: 1,
      column: 17,
      width: 5,
      expected: "';' or the end of the input",
      hint: 'LIMIT is not supported on streams',
    });
    expectError('SELECT a FROM t JOIN u ON t.a = u.a JOIN v ON u.a = v.a', {
      message: 'a query block joins two relations; a third JOIN is not supported here',
      line: 1,
      column: 37,
      width: 4,
      hint: 'join two of them in a subquery, then join its result: SELECT ... FROM (SELECT ... FROM a JOIN b ON ...) ab JOIN c ON ...',
    });
  });

  it('unexpected end of input', () => {
    expectError('SELECT a FROM t WHERE (a', { message: 'unexpected end of input', line: 1, column: 25, width: 1, expected: "')'", hint: "a ')' may be missing" });
    expectError('SELECT a,', { message: 'unexpected end of input', line: 1, column: 10, width: 1, expected: "a column name, '*' or an expression" });
  });

  it('a statement keyword is expected at the start', () => {
    expectError('SELEC a FROM t', {
      message: "unexpected 'SELEC'",
      line: 1,
      column: 1,
      width: 5,
      expected: 'a statement (SELECT, CREATE, EXPLAIN, SET, SHOW, DESCRIBE or DROP)',
      hint: 'did you mean SELECT?',
    });
  });

  it('checks after parsing: one WATERMARK, TUMBLE/HOP arity, interval text', () => {
    expectError('CREATE SOURCE s (ts TIMESTAMP, WATERMARK FOR ts AS ts, WATERMARK FOR ts AS ts) WITH (a = 1)', {
      message: 'a source can have only one WATERMARK',
      line: 1,
      column: 56,
      width: 22,
      hint: "keep one, e.g. WATERMARK FOR ts AS ts - INTERVAL '1' SECOND",
    });
    expectError('SELECT * FROM TUMBLE(raw, ts, 1s, 2s, 3s)', {
      message: 'TUMBLE takes 3 or 4 arguments, got 5',
      line: 1,
      column: 15,
      width: 27,
      expected: 'TUMBLE(source, time_column, size [, offset])',
    });
    expectError("SELECT INTERVAL 'soon' FROM t", {
      message: "cannot read 'soon' as an interval",
      line: 1,
      column: 17,
      width: 6,
      expected: "a number and a unit, e.g. '10 seconds' or '10s'",
      hint: "write INTERVAL '10' SECOND or INTERVAL '10 seconds'",
    });
  });

  it('a statement is expected after a semicolon', () => {
    expectError('SHOW SOURCES; FROM t', {
      message: "unexpected 'FROM'",
      line: 1,
      column: 15,
      width: 4,
      expected: 'a statement (SELECT, CREATE, EXPLAIN, SET, SHOW, DESCRIBE or DROP)',
    });
  });

  it('lexer errors for stray characters', () => {
    expectError('SELECT a # b FROM t', { message: "unexpected character '#'", line: 1, column: 10, width: 1 });
  });
});

describe('rendering', () => {
  it('puts the caret under the offending token and names the file', () => {
    const { err } = diagnose('SELECT sensor\nFROM raw\nGROUP BY TUMBLE(ts 10s)', 'job.sql');
    assert.equal(
      err.render(),
      [
        "error: unexpected '10s'",
        ' --> job.sql:3:20',
        '  |',
        '3 | GROUP BY TUMBLE(ts 10s)',
        '  |                    ^^^',
        "  = expected: ',' or ')'",
      ].join('\n'),
    );
  });

  it('post-parse errors carry the file too', () => {
    const { err } = diagnose('SELECT * FROM HOP(raw, ts, 1s)', 'hop.sql');
    assert.equal(err.file, 'hop.sql');
    assert.match(err.render(), /^ --> hop\.sql:1:15$/m);
  });

  it('messages carry no Chevrotain internals', () => {
    const { err } = diagnose('SELECT a FROM t WHERE');
    assert.doesNotMatch(err.message, /Exception|Expecting|\[|token/i);
    assert.equal(err.message, 'unexpected end of input');
  });
});

describe('only SqlError for user input', () => {
  const script = `CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector = 'file', path = 'sensors.jsonl');
SELECT sensor, CASE WHEN value > 1 THEN 'hi' END AS c, CAST(value AS INT) FROM TUMBLE(raw, ts, 10s) WHERE value IN (1, 2) GROUP BY sensor EMIT FINAL;`;

  it('every prefix of a script either parses or throws a SqlError', () => {
    for (let i = 0; i <= script.length; i++) {
      try {
        parseScript(script.slice(0, i));
      } catch (e) {
        assert.ok(e instanceof SqlError, `prefix ${i} threw ${String(e)}`);
        const d = e.diagnostics[0]!;
        assert.ok(d.span.start.line >= 1 && d.span.start.column >= 1, `prefix ${i}: bad position`);
      }
    }
  });

  it('parseStatement wants exactly one statement; parseExpression the whole input', () => {
    assert.throws(() => parseStatement('SHOW SOURCES; SHOW SINKS'), (e: unknown) => e instanceof SqlError && e.message === 'expected a single statement');
    assert.throws(() => parseStatement('  '), (e: unknown) => e instanceof SqlError && e.message === 'empty input: expected a statement');
    assert.throws(
      () => parseExpression('a b'),
      (e: unknown) => e instanceof SqlError && e.diagnostics[0]?.expected === 'the end of the expression' && e.diagnostics[0]?.span.start.column === 3,
    );
  });
});
