// The shape of the AST: precedence, predicates, casts, types, intervals, names.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Expr, Statement } from '../../../src/sql/ast.js';
import { parseExpression, parseScript, parseStatement } from '../../../src/sql/index.js';
import { stripSpans } from './helpers.js';

const col = (...path: string[]): unknown => ({ kind: 'column', path: path.map((name) => ({ name })) });
const num = (text: string): unknown => ({ kind: 'number', text, value: Number(text), integral: /^\d+$/.test(text) });
const shape = (sql: string): unknown => stripSpans(parseExpression(sql));

describe('expression precedence', () => {
  it('a OR b AND NOT c = 1', () => {
    assert.deepEqual(shape('a OR b AND NOT c = 1'), {
      kind: 'binary',
      op: 'OR',
      left: col('a'),
      right: {
        kind: 'binary',
        op: 'AND',
        left: col('b'),
        right: { kind: 'unary', op: 'NOT', operand: { kind: 'binary', op: '=', left: col('c'), right: num('1') } },
      },
    });
  });

  it('x BETWEEN 1 AND 2 AND y', () => {
    assert.deepEqual(shape('x BETWEEN 1 AND 2 AND y'), {
      kind: 'binary',
      op: 'AND',
      left: { kind: 'between', operand: col('x'), low: num('1'), high: num('2'), negated: false },
      right: col('y'),
    });
  });

  it('-a * b binds the minus first', () => {
    assert.deepEqual(shape('-a * b'), { kind: 'binary', op: '*', left: { kind: 'unary', op: '-', operand: col('a') }, right: col('b') });
  });

  it('arithmetic is left-associative and * binds tighter than + and ||', () => {
    assert.deepEqual(shape('a - b - c * d'), {
      kind: 'binary',
      op: '-',
      left: { kind: 'binary', op: '-', left: col('a'), right: col('b') },
      right: { kind: 'binary', op: '*', left: col('c'), right: col('d') },
    });
    assert.deepEqual(shape("a || b + 1 = 'x'"), {
      kind: 'binary',
      op: '=',
      left: { kind: 'binary', op: '||', left: col('a'), right: { kind: 'binary', op: '+', left: col('b'), right: num('1') } },
      right: { kind: 'string', value: 'x' },
    });
  });

  it('!= is <>', () => {
    assert.deepEqual(shape('a != 1'), { kind: 'binary', op: '<>', left: col('a'), right: num('1') });
  });

  it('IN lists, NOT IN, IS NOT NULL, NOT ILIKE', () => {
    assert.deepEqual(shape("a NOT IN (1, 'x', b + 1)"), {
      kind: 'in',
      operand: col('a'),
      list: [num('1'), { kind: 'string', value: 'x' }, { kind: 'binary', op: '+', left: col('b'), right: num('1') }],
      negated: true,
    });
    assert.deepEqual(shape('a IS NOT NULL'), { kind: 'isNull', operand: col('a'), negated: true });
    assert.deepEqual(shape("a NOT ILIKE 'x%'"), { kind: 'like', operand: col('a'), pattern: { kind: 'string', value: 'x%' }, negated: true, caseInsensitive: true });
  });

  it(':: casts bind tighter than unary minus and chain', () => {
    assert.deepEqual(shape('-x::int::varchar'), {
      kind: 'unary',
      op: '-',
      operand: {
        kind: 'cast',
        syntax: 'colons',
        type: { kind: 'simple', name: 'VARCHAR' },
        operand: { kind: 'cast', syntax: 'colons', type: { kind: 'simple', name: 'INT' }, operand: col('x') },
      },
    });
    assert.deepEqual(shape('CAST(x AS float)'), { kind: 'cast', syntax: 'cast', type: { kind: 'simple', name: 'DOUBLE' }, operand: col('x') });
  });

  it('calls: COUNT(*), COUNT(DISTINCT x), OVER', () => {
    assert.deepEqual(shape('COUNT(*)'), { kind: 'call', name: { name: 'count' }, args: [], distinct: false, star: true });
    assert.deepEqual(shape('count(DISTINCT x)'), { kind: 'call', name: { name: 'count' }, args: [col('x')], distinct: true, star: false });
    assert.deepEqual(shape('lag(v) OVER (PARTITION BY k ORDER BY ts ASC)'), {
      kind: 'call',
      name: { name: 'lag' },
      args: [col('v')],
      distinct: false,
      star: false,
      over: { partitionBy: [col('k')], orderBy: [col('ts')] },
    });
  });

  it('CASE with and without operand, STRUCT values', () => {
    assert.deepEqual(shape('CASE x WHEN 1 THEN a ELSE b END'), {
      kind: 'case',
      whens: [{ when: num('1'), then: col('a') }],
      operand: col('x'),
      else: col('b'),
    });
    assert.deepEqual(shape('CASE WHEN p THEN 1 END'), { kind: 'case', whens: [{ when: col('p'), then: num('1') }] });
    assert.deepEqual(shape('STRUCT(a AS X, 1 AS "Y")'), {
      kind: 'struct',
      fields: [
        { name: { name: 'x' }, value: col('a') },
        { name: { name: 'Y' }, value: num('1') },
      ],
    });
  });

  it('literals', () => {
    assert.deepEqual(shape('1.5e3'), { kind: 'number', text: '1.5e3', value: 1500, integral: false });
    assert.deepEqual(shape("'it''s'"), { kind: 'string', value: "it's" });
    assert.deepEqual(shape('NULL'), { kind: 'null' });
    assert.deepEqual(shape('false'), { kind: 'boolean', value: false });
  });
});

describe('intervals in micros', () => {
  const micros = (sql: string): number => {
    const e = parseExpression(sql);
    assert.equal(e.kind, 'interval');
    return e.kind === 'interval' ? e.micros : NaN;
  };
  it('INTERVAL n UNIT', () => {
    assert.equal(micros("INTERVAL '1' SECOND"), 1_000_000);
    assert.equal(micros("INTERVAL '10' SECONDS"), 10_000_000);
    assert.equal(micros("interval '500' millisecond"), 500_000);
    assert.equal(micros("INTERVAL '2' MINUTES"), 120_000_000);
    assert.equal(micros("INTERVAL '1' HOUR"), 3_600_000_000);
    assert.equal(micros("INTERVAL '2' DAYS"), 172_800_000_000);
  });
  it("INTERVAL '10 seconds' and INTERVAL '10s'", () => {
    assert.equal(micros("INTERVAL '10 seconds'"), 10_000_000);
    assert.equal(micros("INTERVAL '10s'"), 10_000_000);
  });
  it('duration literals', () => {
    assert.equal(micros('500ms'), 500_000);
    assert.equal(micros('10s'), 10_000_000);
    assert.equal(micros('5m'), 300_000_000);
    assert.equal(micros('1h'), 3_600_000_000);
    assert.equal(micros('1d'), 86_400_000_000);
    assert.equal(micros('2.5s'), 2_500_000);
  });
  it('keeps the written text for printing', () => {
    const e = parseExpression("interval '1' second");
    assert.equal(e.kind === 'interval' ? e.text : '', "INTERVAL '1' SECOND");
    const d = parseExpression('10S');
    assert.equal(d.kind === 'interval' ? d.text : '', '10s');
  });
});

describe('names', () => {
  it('lower-cases unquoted identifiers and keeps quoted ones', () => {
    const e = parseExpression('T.MetaData."Page"');
    assert.ok(e.kind === 'column');
    assert.deepEqual(
      e.path.map((p) => [p.name, p.quoted]),
      [
        ['t', false],
        ['metadata', false],
        ['Page', true],
      ],
    );
    const q = parseExpression('"a""b"');
    assert.ok(q.kind === 'column');
    assert.equal(q.path[0]?.name, 'a"b');
  });

  it('common column names stay usable', () => {
    const s = parseStatement('SELECT value, timestamp, key, second, MIN(value) AS min FROM t');
    assert.ok(s.kind === 'query' && s.query.kind === 'select');
    assert.deepEqual(
      s.query.items.map((i) => (i.expr.kind === 'column' ? i.expr.path[0]?.name : i.alias?.name)),
      ['value', 'timestamp', 'key', 'second', 'min'],
    );
  });
});

describe('statements', () => {
  const strip = (s: Statement): unknown => stripSpans(s);

  it('CREATE SOURCE with a struct type, KEY, watermark among columns and dotted options', () => {
    const s = parseStatement(
      "CREATE SOURCE IF NOT EXISTS Clicks (id BIGINT KEY, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND, meta STRUCT<Page VARCHAR, tags STRUCT<n INT>>, ts TIMESTAMP) WITH (Connector = 'kafka', SASL.Mechanism = PLAIN, count = 100, quoted = '100')",
    );
    assert.deepEqual(strip(s), {
      kind: 'createSource',
      name: { name: 'clicks' },
      ifNotExists: true,
      columns: [
        { name: { name: 'id' }, type: { kind: 'simple', name: 'BIGINT' }, key: true },
        {
          name: { name: 'meta' },
          type: {
            kind: 'struct',
            fields: [
              { name: { name: 'page' }, type: { kind: 'simple', name: 'VARCHAR' } },
              { name: { name: 'tags' }, type: { kind: 'struct', fields: [{ name: { name: 'n' }, type: { kind: 'simple', name: 'INT' } }] } },
            ],
          },
          key: false,
        },
        { name: { name: 'ts' }, type: { kind: 'simple', name: 'TIMESTAMP' }, key: false },
      ],
      options: [
        { key: 'connector', value: 'kafka', quoted: true },
        { key: 'sasl.mechanism', value: 'plain', quoted: false },
        { key: 'count', value: '100', quoted: false },
        { key: 'quoted', value: '100', quoted: true },
      ],
      watermark: {
        column: { name: 'ts' },
        expr: {
          kind: 'binary',
          op: '-',
          left: col('ts'),
          right: { kind: 'interval', micros: 2_000_000, text: "INTERVAL '2' SECOND" },
        },
      },
    });
  });

  it('CREATE SOURCE without columns (datagen)', () => {
    const s = parseStatement("CREATE SOURCE g WITH (connector = 'datagen', rows = 10)");
    assert.ok(s.kind === 'createSource');
    assert.deepEqual(s.columns, []);
    assert.equal(s.watermark, undefined);
  });

  it('window table functions in FROM', () => {
    const s = parseStatement('SELECT * FROM HOP(raw, ts, 2s, 10s) AS w');
    assert.ok(s.kind === 'query' && s.query.kind === 'select');
    assert.deepEqual(stripSpans(s.query.from), {
      kind: 'windowTvf',
      fn: 'HOP',
      input: { kind: 'table', name: { name: 'raw' } },
      timeCol: { name: 'ts' },
      args: [
        { kind: 'interval', micros: 2_000_000, text: '2s' },
        { kind: 'interval', micros: 10_000_000, text: '10s' },
      ],
      alias: { name: 'w' },
    });
  });

  it('query clauses', () => {
    const s = parseStatement('SELECT DISTINCT t.*, a x FROM t WHERE a > 1 GROUP BY a, TUMBLE(ts, 1m) HAVING COUNT(*) > 1 EMIT FINAL');
    assert.ok(s.kind === 'query' && s.query.kind === 'select');
    const q = s.query;
    assert.equal(q.distinct, true);
    assert.deepEqual(stripSpans(q.items), [{ expr: { kind: 'star', qualifier: { name: 't' } } }, { expr: col('a'), alias: { name: 'x' } }]);
    assert.equal(q.groupBy.length, 2);
    assert.equal(q.groupBy[1]?.kind, 'call');
    assert.equal(q.emit?.mode, 'final');
    assert.ok(q.having);
  });

  it('other statements', () => {
    const kinds = (sql: string): unknown => stripSpans(parseStatement(sql));
    assert.deepEqual(kinds('EXPLAIN agg'), { kind: 'explain', target: { kind: 'sinkRef', name: { name: 'agg' } } });
    assert.deepEqual(kinds("SET Checkpoint.Interval = '10s'"), { kind: 'set', key: 'checkpoint.interval', value: '10s' });
    assert.deepEqual(kinds('SET parallelism = 4'), { kind: 'set', key: 'parallelism', value: '4' });
    assert.deepEqual(kinds('show state'), { kind: 'show', what: 'state' });
    assert.deepEqual(kinds('DESCRIBE "Raw"'), { kind: 'describe', name: { name: 'Raw' } });
    assert.deepEqual(kinds('DROP SINK IF EXISTS agg'), { kind: 'drop', what: 'sink', name: { name: 'agg' }, ifExists: true });
  });
});

describe('scripts and spans', () => {
  it('splits statements, keeps their text and spans against the script', () => {
    const text = "-- job\nSHOW SOURCES;\n\n  SELECT a\n  FROM t ;;DESCRIBE t";
    const { statements } = parseScript(text);
    assert.deepEqual(
      statements.map((s) => [s.statement.kind, s.text, s.span.start.line, s.span.start.column, s.span.end.line, s.span.end.column]),
      [
        ['show', 'SHOW SOURCES', 2, 1, 2, 13],
        ['query', 'SELECT a\n  FROM t', 4, 3, 5, 9],
        ['describe', 'DESCRIBE t', 5, 12, 5, 22],
      ],
    );
    const q = statements[1]?.statement;
    assert.ok(q?.kind === 'query' && q.query.kind === 'select');
    const a: Expr | undefined = q.query.items[0]?.expr;
    assert.deepEqual(a?.span, { start: { offset: 31, line: 4, column: 10 }, end: { offset: 32, line: 4, column: 11 } });
  });

  it('an empty script has no statements', () => {
    assert.deepEqual(parseScript('  -- nothing\n;').statements, []);
  });
});
