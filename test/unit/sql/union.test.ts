// UNION in the grammar: UNION ALL chains parse flat into one union of SELECT blocks (each with
// its own clauses), anywhere a query may stand; UNION and UNION DISTINCT parse as distinct
// unions and print back; a misplaced UNION ALL is a parse error.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqlError } from '../../../src/sql/diagnostics.js';
import { parseScript, parseStatement, printStatement } from '../../../src/sql/index.js';

function diagnose(text: string): { message: string; line: number; column: number; width: number; expected: string | undefined; hint: string | undefined; rendered: string } {
  try {
    parseScript(text, 'job.sql');
  } catch (e) {
    assert.ok(e instanceof SqlError, `expected a SqlError, got ${String(e)}`);
    const d = e.diagnostics[0]!;
    return { message: d.message, line: d.span.start.line, column: d.span.start.column, width: d.span.end.column - d.span.start.column, expected: d.expected, hint: d.hint, rendered: e.render() };
  }
  assert.fail(`expected an error for: ${text}`);
}

describe('UNION ALL parses', () => {
  it('a chain is one flat union of SELECT blocks, each with its own clauses', () => {
    const s = parseStatement("SELECT a FROM t WHERE a > 1 UNION ALL SELECT b FROM u GROUP BY b UNION ALL SELECT c FROM v EMIT CHANGES");
    assert.ok(s.kind === 'query' && s.query.kind === 'union');
    assert.equal(s.query.branches.length, 3);
    assert.ok(s.query.branches[0]!.where);
    assert.equal(s.query.branches[1]!.groupBy.length, 1);
    assert.equal(s.query.branches[2]!.emit?.mode, 'changes');
    assert.deepEqual(
      s.query.operators.map((o) => [o.start.column, o.end.column]),
      [
        [29, 38],
        [66, 75],
      ],
    );
  });
  it('in views, sinks, subqueries and EXPLAIN; printing is canonical', () => {
    const s = parseStatement("create view v as select a from t union all select a from u");
    assert.equal(printStatement(s), 'CREATE VIEW v AS SELECT a FROM t UNION ALL SELECT a FROM u');
    const sub = parseStatement('SELECT a FROM (SELECT a FROM t UNION ALL SELECT a FROM u) AS x');
    assert.ok(sub.kind === 'query' && sub.query.kind === 'select' && sub.query.from.kind === 'subquery');
    assert.equal(sub.query.from.query.kind, 'union');
    assert.equal(parseStatement('EXPLAIN SELECT a FROM t UNION ALL SELECT a FROM u').kind, 'explain');
  });
  it('ALL is not reserved: it is still a name', () => {
    const s = parseStatement('SELECT all FROM t');
    assert.ok(s.kind === 'query' && s.query.kind === 'select');
    assert.equal(s.query.items.length, 1);
  });
});

describe('UNION errors', () => {
  it('UNION and UNION DISTINCT parse as distinct unions, per operator, and print back', () => {
    const s = parseStatement('SELECT a FROM t UNION ALL SELECT a FROM u UNION DISTINCT SELECT a FROM v UNION SELECT a FROM w');
    assert.ok(s.kind === 'query' && s.query.kind === 'union');
    assert.deepEqual(s.query.distinct, [false, true, true]);
    const printed = printStatement(s);
    assert.match(printed, /FROM t UNION ALL SELECT .* FROM u UNION SELECT .* FROM v UNION SELECT/);
    assert.equal(printStatement(parseStatement(printed)), printed);
    const all = parseStatement('SELECT a FROM t UNION ALL SELECT a FROM u');
    assert.ok(all.kind === 'query' && all.query.kind === 'union' && all.query.distinct === undefined);
  });
  it('a UNION ALL with nothing after it, or in a WHERE, is a parse error', () => {
    const end = diagnose('SELECT a FROM t UNION ALL');
    assert.equal(end.message, 'unexpected end of input');
    assert.match(end.expected!, /SELECT/);
    const misplaced = diagnose('CREATE SOURCE s (a INT) WITH (connector = \'file\') UNION ALL SELECT a FROM t');
    assert.equal(misplaced.message, "unexpected 'UNION'");
  });
});
