// Binding UNION ALL: column counts and types checked by position with a caret and a hint, types
// widened as DuckDB widens them, names from the first query, the event-time column kept only
// where every query has it (a window after a union without one is refused with the reason), a
// union of changelogs is a changelog with no column key, provenance carried, and the plan's
// other readers (EXPLAIN, the Kafka sink key, scale-out, the oracle's SQL) know the node.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { typeToSql } from '../../../src/catalog/types.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { explainPlan } from '../../../src/plan/explain.js';
import { streamKey } from '../../../src/plan/stream-key.js';
import type { PhysicalPlan, UnionNode } from '../../../src/plan/physical.js';
import { SqlError } from '../../../src/sql/diagnostics.js';
import { scaleOutProblem } from '../../../src/exec/scale-out/runner.js';
import { defaultSinkKey } from '../../../src/connectors/kafka/sink-key.js';
import { translatePlan } from '../../../src/oracle/index.js';

const SOURCES = `CREATE SOURCE a (k VARCHAR, i INT, b BIGINT, d DOUBLE, ts TIMESTAMP, t2 TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'a.jsonl');
CREATE SOURCE b (k VARCHAR, i INT, b BIGINT, d DOUBLE, ts TIMESTAMP, flag BOOLEAN, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'b.jsonl', late = 'late.jsonl');
CREATE SOURCE c (k VARCHAR, d DOUBLE, ts TIMESTAMP) WITH (connector = 'file', path = 'c.jsonl');
`;

function plan(sql: string, provenance = false): PhysicalPlan {
  const s = loadScriptText(SOURCES + sql, 'job.sql', process.cwd(), new Catalog());
  return planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance });
}

function unionOf(p: PhysicalPlan): UnionNode {
  const u = p.nodes.find((n): n is UnionNode => n.kind === 'union');
  assert.ok(u, 'a union node');
  return u;
}

function diag(sql: string): { message: string; line: number; column: number; hint: string | undefined; expected: string | undefined; rendered: string } {
  try {
    plan(sql);
  } catch (e) {
    assert.ok(e instanceof SqlError, `expected a diagnostic, got ${String(e)}`);
    const d = e.diagnostics[0]!;
    return { message: d.message, line: d.span.start.line, column: d.span.start.column, hint: d.hint, expected: d.expected, rendered: e.render() };
  }
  assert.fail(`expected an error for: ${sql}`);
}

const types = (u: UnionNode) => u.schema.filter((c) => !c.hidden).map((c) => `${c.name} ${typeToSql(c.type)}`);

test('types widen as in DuckDB: INT+BIGINT is BIGINT, INT+DOUBLE and BIGINT+DOUBLE are DOUBLE, NULL takes the other', () => {
  const p = plan('CREATE SINK s AS SELECT i AS x, i AS y, b AS z, NULL AS n, k FROM a UNION ALL SELECT b, d, d, i, k FROM b;');
  assert.deepEqual(types(unionOf(p)), ['x BIGINT', 'y DOUBLE', 'z DOUBLE', 'n INT', 'k VARCHAR']);
  const three = plan('CREATE SINK s AS SELECT i FROM a UNION ALL SELECT i FROM b UNION ALL SELECT d FROM c;');
  assert.deepEqual(types(unionOf(three)), ['i DOUBLE']);
  assert.equal(unionOf(three).inputs.length, 3, 'a chain is one node');
});

test('names come from the first query', () => {
  const p = plan('CREATE SINK s AS SELECT k AS sensor, d AS value FROM a UNION ALL SELECT k AS name, d AS reading FROM b;');
  assert.deepEqual(types(unionOf(p)), ['sensor VARCHAR', 'value DOUBLE']);
});

test('incompatible types: a diagnostic at the column of the later query, with a cast hint', () => {
  const d = diag('CREATE SINK s AS SELECT k, d FROM a\nUNION ALL\nSELECT k, flag FROM b;');
  assert.equal(d.message, "column 2 of the UNION ALL ('d') is DOUBLE before the second query, which makes it BOOLEAN");
  assert.deepEqual([d.line, d.column], [6, 11]);
  assert.equal(d.expected, 'a DOUBLE column or another number');
  assert.match(d.hint!, /CAST\(flag AS DOUBLE\)/);
  assert.match(d.rendered, /6 \| SELECT k, flag FROM b;\n {2}\| {11}\^{4}\n/);
  const ts = diag('CREATE SINK s AS SELECT ts FROM a UNION ALL SELECT k FROM b;');
  assert.match(ts.message, /is TIMESTAMP before the second query, which makes it VARCHAR/);
});

test('a different number of columns: a diagnostic at the SELECT list, naming both', () => {
  const d = diag('CREATE SINK s AS SELECT k, d FROM a UNION ALL SELECT * FROM b;');
  assert.match(d.message, /^each query of a UNION ALL must select as many columns: the first selects 2 \(k, d\), the second 6 \(k, i, b, d, ts, flag\)$/);
  assert.deepEqual([d.line, d.column], [4, 54]);
  assert.match(d.hint!, /matched by position/);
});

test('the event-time column is kept where every query has it at the same position, and a window may follow', () => {
  const p = plan('CREATE SINK s AS SELECT k, COUNT(*) AS n FROM (SELECT k, ts FROM a UNION ALL SELECT k, ts FROM b) GROUP BY k, TUMBLE(ts, 10s);');
  const u = unionOf(p);
  assert.equal(u.timeColumn, 1);
  assert.ok(u.appendOnly);
  assert.ok(p.nodes.some((n) => n.kind === 'windowAgg' && n.inputs[0] === u.id));
});

test('otherwise the union has no event time, and a window after it says why', () => {
  const moved = diag('CREATE SINK s AS SELECT COUNT(*) FROM (SELECT t2, ts FROM a UNION ALL SELECT ts, ts FROM b) GROUP BY TUMBLE(ts, 10s);');
  assert.equal(moved.message, "'ts' is not an event-time column after the UNION ALL, so TUMBLE windows would never close");
  assert.match(moved.hint!, /the first query's is 'ts' \(column 2\), the second query's is 'ts' \(column 1\); select each query's event-time column/);
  const none = diag('CREATE VIEW v AS SELECT k, ts FROM a UNION ALL SELECT k, ts FROM c;\nCREATE SINK s AS SELECT k, COUNT(*) FROM v GROUP BY k, SESSION(ts, 5s);');
  assert.match(none.message, /'ts' is not an event-time column after the UNION ALL, so SESSION windows/);
  assert.match(none.hint!, /the first query's is 'ts' \(column 2\), the second query has none/);
  assert.deepEqual([none.line, none.column], [5, 64]);
});

test('a union of changelogs is a changelog whose key is not a column; windows over it are refused', () => {
  const p = plan('CREATE SINK s AS SELECT k, COUNT(*) AS n FROM a GROUP BY k UNION ALL SELECT k, COUNT(*) FROM b GROUP BY k;');
  const u = unionOf(p);
  assert.equal(u.appendOnly, false);
  assert.equal(streamKey(p, p.sinks[0]!), undefined, 'the same key is live once per branch');
  assert.match(explainPlan(p), /UnionAll #\d+ \(k VARCHAR, n BIGINT\) no event time, changelog/);
  const d = diag('CREATE SINK s AS SELECT window_start, COUNT(*) FROM TUMBLE((SELECT k, ts FROM a UNION ALL SELECT k, MAX(ts) FROM b GROUP BY k), ts, 10s) GROUP BY window_start;');
  assert.match(d.message, /TUMBLE needs an append-only input/);
});

test('provenance: every source of a union of several carries it, so late rows are told apart by source; $ref comes last', () => {
  const p = plan('CREATE SINK s AS SELECT k, ts FROM a UNION ALL SELECT k, ts FROM b;');
  const u = unionOf(p);
  assert.deepEqual(u.schema.map((c) => c.name), ['k', 'ts', '$ref']);
  assert.deepEqual(u.refInputs, [2, 2], 'a declares no late output, yet it is tracked');
  // An aggregate's rows carry none: the union gives them a NULL $ref.
  const agg = unionOf(plan('CREATE SINK s AS SELECT k, COUNT(*) AS n FROM a GROUP BY k UNION ALL SELECT k, 1 FROM b;'));
  assert.deepEqual(agg.refInputs, [undefined, 2]);
  // One source twice: nothing to tell apart, nothing added.
  const same = unionOf(plan('CREATE SINK s AS SELECT k FROM c UNION ALL SELECT k FROM c;'));
  assert.deepEqual(same.schema.map((c) => c.name), ['k']);
  // Without a union, plans are as before.
  const plain = plan('CREATE SINK s AS SELECT k FROM a;');
  assert.equal(plain.nodes[0]!.kind === 'source' && plain.nodes[0]!.refColumn, undefined);
});

test('EXPLAIN shows the union with its inputs', () => {
  const text = explainPlan(plan('CREATE SINK s AS SELECT k, ts FROM a UNION ALL SELECT k, ts FROM b;'));
  assert.match(text, /UnionAll #4 \(k VARCHAR, ts TIMESTAMP\) event time ts, watermark the minimum of the 2 inputs', append-only\n {3}├─ Project #1 k, ts\n {3}│  └─ Source #0 a/);
  assert.match(text, /\n {3}└─ Project #3 k, ts\n {6}└─ Source #2 b/);
});

test('the same source twice shares its source node', () => {
  const p = plan("CREATE SINK s AS SELECT k, d FROM a UNION ALL SELECT k, d FROM a WHERE k <> 'x';");
  assert.equal(p.nodes.filter((n) => n.kind === 'source').length, 1);
  assert.equal(unionOf(p).inputs.length, 2);
});

test('the default Kafka key: the common group key of append-only branches, none for changelogs', () => {
  const s = loadScriptText(SOURCES + 'CREATE SINK s AS SELECT k, window_start, COUNT(*) AS n FROM a GROUP BY k, TUMBLE(ts, 10s) UNION ALL SELECT k, window_start, COUNT(*) FROM b GROUP BY k, TUMBLE(ts, 10s);', 'job.sql', process.cwd(), new Catalog());
  const q = s.catalog.sinks.get('s')!.query;
  const columns = [{ name: 'k', type: { kind: 'varchar' } }, { name: 'window_start', type: { kind: 'timestamp' } }, { name: 'n', type: { kind: 'bigint' } }] as const;
  assert.deepEqual(defaultSinkKey(q, columns, false), [0]);
  assert.deepEqual(defaultSinkKey(q, columns, true), []);
});

test('scale-out refuses a union with a reason', () => {
  const p = plan("CREATE SOURCE ka (k VARCHAR) WITH (connector = 'kafka', topic = 'x'); CREATE SOURCE kb (k VARCHAR) WITH (connector = 'kafka', topic = 'y'); CREATE SINK s WITH (connector = 'kafka', topic = 'z') AS SELECT k FROM ka UNION ALL SELECT k FROM kb;");
  const problem = scaleOutProblem(p);
  assert.match(problem?.message ?? '', /cannot run a UNION ALL yet/);
  assert.match(problem?.hint ?? '', /without --scale-out/);
});

test("the oracle's SQL: a DuckDB UNION ALL with casts to the widened types, row ids unique across sources", () => {
  const p = plan('CREATE SINK s AS SELECT i, k FROM a UNION ALL SELECT d, k FROM b;', true);
  const sql = translatePlan(p, p.sinks[0]!);
  assert.match(sql, /SELECT CAST\(i\.c0 AS DOUBLE\) AS c0, i\.c1 AS c1, i\.c2 AS c2, i\.__seq AS __seq FROM n1 AS i\n {2}UNION ALL\n {2}SELECT i\.c0 AS c0/);
  assert.match(sql, /\(i\.__seq \* 2 \+ 0\) AS __seq FROM "src_0"/);
  assert.match(sql, /\(i\.__seq \* 2 \+ 1\) AS __seq FROM "src_2"/);
  const single = plan('CREATE SINK s AS SELECT k FROM a;', true);
  assert.match(translatePlan(single, single.sinks[0]!), /i\.__seq AS __seq FROM "src_0"/, 'no union: row ids as before');
});
