// Binder and planner diagnostics and plan shapes: every name and type error a user can make
// is reported at the right position with a useful hint, and valid queries plan to the
// expected operators.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { explainPlan } from '../../../src/plan/explain.js';
import { SqlError } from '../../../src/sql/diagnostics.js';

const SOURCE = `CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, meta STRUCT<page VARCHAR, n INT>,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'x.jsonl', format = 'jsonl');
CREATE SOURCE plain (sensor VARCHAR, value DOUBLE, ts TIMESTAMP) WITH (connector = 'file', path = 'y.jsonl');
`;

function plan(sql: string) {
  const s = loadScriptText(SOURCE + sql, 'job.sql', process.cwd(), new Catalog());
  return planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false });
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

test('unknown column: position, caret and nearest-name hint', () => {
  const d = diag('CREATE SINK s AS SELECT sensor, AVG(vlaue) FROM raw GROUP BY sensor, TUMBLE(ts, 10s);');
  assert.equal(d.message, "unknown column 'vlaue'");
  assert.equal(d.line, 4);
  assert.equal(d.column, 37);
  assert.equal(d.hint, "did you mean 'value'?");
  assert.match(d.rendered, /job\.sql:4:37/);
  assert.match(d.rendered, /\n4 \| CREATE SINK s AS SELECT sensor, AVG\(vlaue\)/);
  assert.match(d.rendered, /\n {2}\| {37}\^{5}\n/);
});

test('TUMBLE ... EMIT FINAL on a column without a watermark says how to declare one', () => {
  const d = diag('CREATE SINK s AS SELECT COUNT(*) FROM plain GROUP BY TUMBLE(ts, 10s) EMIT FINAL;');
  assert.match(d.message, /EMIT FINAL needs a watermark, and 'ts' has none/);
  assert.match(d.hint ?? '', /WATERMARK FOR ts AS ts - INTERVAL '1' SECOND/);
});

test('a non-grouped column in an aggregate query is rejected with a hint', () => {
  const d = diag('CREATE SINK s AS SELECT sensor, value FROM raw GROUP BY sensor, TUMBLE(ts, 10s);');
  assert.equal(d.message, "column 'value' must appear in GROUP BY or be used in an aggregate");
  assert.match(d.hint ?? '', /MAX\(value\)/);
});

test('window size must be a duration; number gets a unit hint', () => {
  const d = diag('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY TUMBLE(ts, 10);');
  assert.equal(d.message, 'the window size must be a duration');
  assert.equal(d.hint, 'add a unit: 10s for 10 seconds');
});

test('EMIT FINAL without a window is rejected', () => {
  const d = diag('CREATE SINK s AS SELECT sensor, COUNT(*) FROM raw GROUP BY sensor EMIT FINAL;');
  assert.match(d.message, /EMIT FINAL needs a window/);
});

test('unknown struct field suggests the nearest field', () => {
  const d = diag('CREATE SINK s AS SELECT meta.pgae FROM raw;');
  assert.equal(d.message, "unknown field 'pgae'");
  assert.equal(d.hint, "did you mean 'page'?");
});

test('unknown source suggests the nearest relation', () => {
  const d = diag('CREATE SINK s AS SELECT * FROM rwa;');
  assert.equal(d.message, "unknown source or view 'rwa'");
  assert.equal(d.hint, "did you mean 'raw'?");
});

test('type errors: text compared with a number, WHERE not boolean', () => {
  assert.match(diag("CREATE SINK s AS SELECT * FROM raw WHERE sensor > 5;").message, /cannot compare VARCHAR > INT/);
  assert.match(diag('CREATE SINK s AS SELECT * FROM raw WHERE value;').message, /WHERE needs a boolean condition, got DOUBLE/);
});

test('unknown connector option is reported with the accepted ones', () => {
  try {
    loadScriptText("CREATE SOURCE q (a INT) WITH (connector = 'file', pth = 'a.jsonl');", 'job.sql', process.cwd(), new Catalog());
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof SqlError);
    assert.equal(e.diagnostics[0]!.message, "unknown option 'pth' for the file source");
    assert.equal(e.diagnostics[0]!.hint, "did you mean 'path'?");
  }
});

test('LAG must be ordered by the event-time column', () => {
  const d = diag('CREATE SINK s AS SELECT LAG(value) OVER (PARTITION BY sensor ORDER BY value) AS p FROM raw;');
  assert.match(d.message, /TIMESTAMP event-time column|has no watermark/);
});

test('plans: tumble with filter, view and struct output', () => {
  const p = plan(`CREATE VIEW hot AS SELECT sensor, value, ts FROM raw WHERE value > 50;
CREATE SINK s AS SELECT sensor, window_end AS time, STRUCT(COUNT(*) AS count, MAX(value) AS max) AS t FROM hot GROUP BY sensor, TUMBLE(ts, 10s);`);
  const kinds = p.nodes.map((n) => n.kind);
  assert.deepEqual(kinds, ['source', 'filter', 'project', 'windowAgg', 'project', 'sink']);
  const text = explainPlan(p);
  assert.match(text, /WindowAggregate #3 TUMBLE\(ts, 10s\) keys=\[sensor\] aggs=\[count\(\*\), max\(value\)\] emit=FINAL/);
  assert.match(text, /state windows: time-keyed .* bounded: expires behind the watermark/);
});

test('plans: GROUP BY without a window is a changelog with unbounded state, flagged by EXPLAIN', () => {
  const p = plan('CREATE SINK s AS SELECT sensor, COUNT(*) AS n FROM raw GROUP BY sensor;');
  const sink = p.nodes[p.sinks[0]!]!;
  assert.equal(sink.appendOnly, false);
  assert.match(explainPlan(p), /warning: GroupAggregate #1 keeps state that grows with its keys/);
});

test('plans: two sinks share one source node', () => {
  const p = plan(`CREATE SINK a AS SELECT * FROM raw; CREATE SINK b AS SELECT sensor FROM raw WHERE value > 1;`);
  assert.equal(p.nodes.filter((n) => n.kind === 'source').length, 1);
  assert.equal(p.sinks.length, 2);
});

test('table-function window with GROUP BY window_start plans a window aggregate', () => {
  const p = plan('CREATE SINK s AS SELECT sensor, window_start, COUNT(*) AS n FROM TUMBLE(raw, ts, 5s) GROUP BY sensor, window_start, window_end;');
  assert.ok(p.nodes.some((n) => n.kind === 'windowAgg'));
  assert.ok(!p.nodes.some((n) => n.kind === 'windowExpand'));
  const q = plan('CREATE SINK s AS SELECT sensor, window_start FROM HOP(raw, ts, 5s, 10s);');
  assert.ok(q.nodes.some((n) => n.kind === 'windowExpand'));
});

test('a SELECT list that is its input as it is adds no project node; a rename, a reorder or a subset keeps one', () => {
  const kinds = (sql: string): string[] => plan(sql).nodes.map((n) => n.kind);
  assert.deepEqual(kinds('CREATE SINK s AS SELECT * FROM raw;'), ['source', 'sink']);
  assert.deepEqual(kinds('CREATE SINK s AS SELECT sensor, value, ts, meta FROM raw;'), ['source', 'sink']);
  assert.deepEqual(
    kinds('CREATE SINK s AS SELECT * FROM (SELECT sensor, window_start, COUNT(*) AS n FROM raw GROUP BY sensor, TUMBLE(ts, 10s));'),
    ['source', 'windowAgg', 'project', 'sink'],
  );
  assert.deepEqual(kinds('CREATE SINK s AS SELECT sensor AS s, value, ts, meta FROM raw;'), ['source', 'project', 'sink'], 'a rename');
  assert.deepEqual(kinds('CREATE SINK s AS SELECT value, sensor, ts, meta FROM raw;'), ['source', 'project', 'sink'], 'a reorder');
  assert.deepEqual(kinds('CREATE SINK s AS SELECT sensor, value, ts FROM raw;'), ['source', 'project', 'sink'], 'a subset');
  assert.deepEqual(kinds('CREATE SINK s AS SELECT sensor, value, CAST(ts AS VARCHAR) AS ts, meta FROM raw;'), ['source', 'project', 'sink'], 'a computed column');
  // The sink still names the columns as the SELECT list does.
  assert.deepEqual(plan('CREATE SINK s AS SELECT * FROM raw;').nodes.at(-1)!.schema.map((c) => c.name), ['sensor', 'value', 'ts', 'meta']);
});
