// Binding Top-N: the pattern's three modes (window, keep first, updating) chosen from the input
// and the ORDER BY, the bound taken from rn <= N / rn < N / rn = N (other conjuncts kept as a
// filter), the rank column output only when read, EXPLAIN's words, and every other use of
// ROW_NUMBER/RANK/DENSE_RANK refused with a caret and the supported pattern.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { explainPlan } from '../../../src/plan/explain.js';
import type { PhysicalPlan, TopNNode } from '../../../src/plan/physical.js';
import { SqlError } from '../../../src/sql/diagnostics.js';
import { translatePlan } from '../../../src/oracle/index.js';
import { parseStatement } from '../../../src/sql/index.js';
import { printStatement } from '../../../src/sql/print.js';

const SOURCES = `CREATE SOURCE a (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'a.jsonl');
CREATE SOURCE c (k VARCHAR, v INT, ts TIMESTAMP) WITH (connector = 'file', path = 'c.jsonl');
`;

function plan(sql: string): PhysicalPlan {
  const s = loadScriptText(SOURCES + sql, 'job.sql', process.cwd(), new Catalog());
  return planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false });
}

function topN(p: PhysicalPlan): TopNNode {
  const n = p.nodes.find((x): x is TopNNode => x.kind === 'topN');
  assert.ok(n, 'a topN node');
  return n;
}

function diag(sql: string): { message: string; line: number; column: number; hint: string | undefined; rendered: string } {
  try {
    plan(sql);
  } catch (e) {
    assert.ok(e instanceof SqlError, `expected a diagnostic, got ${String(e)}`);
    const d = e.diagnostics[0]!;
    return { message: d.message, line: d.span.start.line, column: d.span.start.column, hint: d.hint, rendered: e.render() };
  }
  assert.fail(`expected an error for: ${sql}`);
}

const rank = (over: string, where: string, fn = 'ROW_NUMBER', from = 'a', select = '*') => `CREATE SINK s AS SELECT ${select} FROM (SELECT *, ${fn}() OVER (${over}) AS rn FROM ${from}) WHERE ${where};`;

test('window Top-N over a window table function and over a windowed aggregate: final, append-only, state bounded', () => {
  const tvf = topN(plan(rank('PARTITION BY window_start, window_end ORDER BY v DESC', 'rn <= 3', 'ROW_NUMBER', 'TUMBLE(a, ts, 10s)')));
  assert.equal(tvf.mode, 'window');
  assert.equal(tvf.limit, 3);
  assert.equal(tvf.appendOnly, true);
  assert.deepEqual(tvf.orderBy.map((o) => o.desc), [true]);
  assert.ok(tvf.state.every((s) => s.bounded));
  const agg = plan(rank('PARTITION BY window_start, window_end ORDER BY n DESC', 'rn < 4', 'RANK', '(SELECT k, window_start, window_end, COUNT(*) AS n FROM a GROUP BY k, TUMBLE(ts, 10s))'));
  assert.equal(topN(agg).mode, 'window');
  assert.equal(topN(agg).limit, 3);
  assert.equal(topN(agg).fn, 'rank');
  const text = explainPlan(agg);
  assert.match(text, /TopN #\d+ RANK\(\) partition=\[window_start, window_end\] order=\[n DESC\] rn <= 3 \(as rn\); ties: .*window Top-N: each window's rows kept until the watermark passes window_end, then its top 3 emitted once and dropped/);
  assert.doesNotMatch(text, /warning/);
});

test('keep first: rn = 1 by the event time ascending over a stream; keep last (DESC) and other orders are updating', () => {
  const first = topN(plan(rank('PARTITION BY k ORDER BY ts', 'rn = 1', 'ROW_NUMBER', 'a', 'k, v')));
  assert.equal(first.mode, 'first');
  assert.equal(first.appendOnly, true);
  assert.equal(first.rankColumn, false, 'rn is not read: not output');
  assert.match(explainPlan(plan(rank('PARTITION BY k ORDER BY ts', 'rn = 1'))), /deduplication, keep first: a partition's first row emitted once the watermark passes its ts/);
  const last = topN(plan(rank('PARTITION BY k ORDER BY ts DESC', 'rn = 1')));
  assert.equal(last.mode, 'updating');
  assert.equal(last.appendOnly, false);
  const byValue = plan(rank('PARTITION BY k ORDER BY v DESC', '1 >= rn'));
  assert.equal(topN(byValue).mode, 'updating');
  assert.equal(topN(byValue).limit, 1);
  assert.match(explainPlan(byValue), /updating Top-N over an unbounded input: the top 1 of each partition kept for as long as the job runs; no event time, changelog/);
  assert.match(explainPlan(byValue), /warning: TopN #\d+ keeps state that grows with its keys/);
  // No watermark: ordering by ts is just a column.
  assert.equal(topN(plan(rank('PARTITION BY k ORDER BY ts', 'rn = 1', 'ROW_NUMBER', 'c'))).mode, 'updating');
});

test('over a changelog: updating, every live row kept', () => {
  const p = plan(rank('ORDER BY n DESC', 'rn <= 2', 'DENSE_RANK', '(SELECT k, COUNT(*) AS n FROM a GROUP BY k)'));
  assert.equal(topN(p).mode, 'updating');
  assert.equal(topN(p).inputAppendOnly, false);
  assert.match(explainPlan(p), /updating Top-N over a changelog: every live row of each partition kept/);
});

test('the bound: the smallest of several, other conjuncts (and rn = N > 1) kept as a filter after the operator', () => {
  const p = plan(rank('PARTITION BY k ORDER BY v', 'rn <= 5 AND v > 0 AND rn < 3'));
  const n = topN(p);
  assert.equal(n.limit, 2);
  assert.ok(p.nodes.some((x) => x.kind === 'filter' && x.id > n.id), 'v > 0 filters after the Top-N');
  const eq = plan(rank('PARTITION BY k ORDER BY v', 'rn = 2', 'ROW_NUMBER', 'a', 'k, v'));
  assert.equal(topN(eq).limit, 2);
  assert.equal(topN(eq).rankColumn, true, 'rn = 2 filters on rn');
  const sql = translatePlan(eq, eq.sinks[0]!);
  assert.match(sql, /row_number\(\) OVER \(PARTITION BY i\.c0 ORDER BY i\.c1 ASC NULLS LAST, i\.c0 ASC NULLS LAST/);
  assert.match(sql, /WHERE r\.__rn <= 2/);
});

test('the rank column is output when the outer query reads it, by name or *', () => {
  assert.equal(topN(plan(rank('PARTITION BY k ORDER BY v', 'rn <= 2', 'ROW_NUMBER', 'a', 'k, rn'))).rankColumn, true);
  assert.equal(topN(plan(rank('PARTITION BY k ORDER BY v', 'rn <= 2'))).rankColumn, true);
  assert.equal(topN(plan(rank('PARTITION BY k ORDER BY v', 'rn <= 2', 'ROW_NUMBER', 'a', 'k'))).rankColumn, false);
  const p = plan('CREATE SINK s AS SELECT t.k, t.rn FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v) AS rn FROM a) AS t WHERE t.rn <= 2;');
  assert.equal(topN(p).limit, 2);
  assert.deepEqual(p.nodes[p.sinks[0]!]!.schema.filter((c) => !c.hidden).map((c) => c.name), ['k', 'rn']);
});

test('a view holds the pattern', () => {
  const p = plan('CREATE VIEW top AS SELECT k, v FROM (SELECT k, v, RANK() OVER (PARTITION BY k ORDER BY v DESC) AS r FROM a) WHERE r <= 2;\nCREATE SINK s AS SELECT * FROM top;');
  assert.equal(topN(p).fn, 'rank');
});

test('refused forms: a caret and the supported pattern', () => {
  const plain = diag('CREATE SINK s AS SELECT k, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v) AS rn FROM a;');
  assert.match(plain.message, /ROW_NUMBER\(\) is supported only in the Top-N pattern/);
  assert.match(plain.hint!, /WHERE rn <= 3/);
  assert.deepEqual([plain.line, plain.column], [3, 28]);
  assert.match(plain.rendered, /\^/);
  const noBound = diag(rank('PARTITION BY k ORDER BY v', 'v > 1'));
  assert.match(noBound.message, /needs a bound on its result in the outer WHERE: rn <= N/);
  const zero = diag(rank('PARTITION BY k ORDER BY v', 'rn < 1'));
  assert.match(zero.message, /rn is at least 1, so this keeps no row/);
  const noOrder = diag(rank('PARTITION BY k', 'rn <= 1'));
  assert.match(noOrder.message, /needs an ORDER BY/);
  const agg = diag('CREATE SINK s AS SELECT * FROM (SELECT k, COUNT(*) AS n, ROW_NUMBER() OVER (ORDER BY COUNT(*)) AS rn FROM a GROUP BY k) WHERE rn <= 1;');
  assert.match(agg.message, /a Top-N subquery cannot aggregate/);
  assert.match(agg.hint!, /one level further down/);
  const nested = diag('CREATE SINK s AS SELECT * FROM (SELECT k, ROW_NUMBER() OVER (ORDER BY v) + 1 AS rn FROM a) WHERE rn <= 1;');
  assert.match(nested.message, /must be a SELECT item of its own/);
  const noAlias = diag('CREATE SINK s AS SELECT * FROM (SELECT k, ROW_NUMBER() OVER (ORDER BY v) FROM a) WHERE k = 1;');
  assert.match(noAlias.message, /name the ROW_NUMBER\(\) column with AS/);
  // DESC outside the ranking functions: LAG/LEAD take it (bind-over.ts), a framed SUM does not.
  plan('CREATE SINK s AS SELECT k, LAG(v) OVER (PARTITION BY k ORDER BY ts DESC) AS p FROM a;');
  const sumDesc = diag('CREATE SINK s AS SELECT k, SUM(v) OVER (PARTITION BY k ORDER BY ts DESC) AS p FROM a;');
  assert.match(sumDesc.message, /SUM OVER \(\.\.\. ORDER BY ts DESC\) is not supported/);
  const inWhere = diag('CREATE SINK s AS SELECT k FROM a WHERE RANK() OVER (ORDER BY v) <= 2;');
  assert.match(inWhere.message, /RANK\(\) is supported only in the Top-N pattern/);
});

test('OVER (... ORDER BY x DESC) parses, prints and parses back', () => {
  const sql = 'CREATE SINK s AS SELECT * FROM (SELECT k, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC, ts) AS rn FROM a) WHERE rn <= 1;';
  const printed = printStatement(parseStatement(sql));
  assert.match(printed, /ORDER BY v DESC, ts\)/);
  assert.equal(printStatement(parseStatement(printed)), printed);
});

test('SELECT DISTINCT with a window\'s bounds is bounded: a windowed GROUP BY over a window table function, a distinct node timed by window_end over windowed results', () => {
  const tvf = plan('CREATE SINK s AS SELECT DISTINCT k, window_start, window_end FROM TUMBLE(a, ts, 10s);');
  assert.ok(tvf.nodes.some((n) => n.kind === 'windowAgg' && n.aggs.length === 0 && n.emit === 'final'));
  assert.doesNotMatch(explainPlan(tvf), /UNBOUNDED|warning/);
  const agg = plan('CREATE VIEW w AS SELECT k, window_start, window_end, COUNT(*) AS n FROM a GROUP BY k, TUMBLE(ts, 10s);\nCREATE SINK s AS SELECT DISTINCT window_start, window_end, n FROM w;');
  const d = agg.nodes.find((n) => n.kind === 'distinct');
  assert.ok(d && d.kind === 'distinct' && d.timeInput === 1);
  assert.match(explainPlan(agg), /a row kept until the watermark passes its window_end/);
  assert.doesNotMatch(explainPlan(agg), /UNBOUNDED|warning/);
  // Without the window's bounds: a distinct row is kept for good, and EXPLAIN warns.
  assert.match(explainPlan(plan('CREATE SINK s AS SELECT DISTINCT k FROM a;')), /warning: GroupAggregate/);
  assert.match(explainPlan(plan('CREATE SINK s AS SELECT DISTINCT k, window_start FROM TUMBLE(a, ts, 10s);')), /WindowAggregate/);
});
