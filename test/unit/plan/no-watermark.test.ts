// Windows over a source without a WATERMARK (issue 12 §3.4): planned as an updating result
// (WindowExpand, then a GroupAggregate keyed by the window bounds, state UNBOUNDED in EXPLAIN);
// SESSION and EMIT FINAL refused with a position and a hint; the union and other-column cases
// keep their refusals.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { explainPlan } from '../../../src/plan/explain.js';
import { translatePlan } from '../../../src/oracle/translate.js';
import { SqlError } from '../../../src/sql/diagnostics.js';

const SOURCES = `CREATE SOURCE plain (sensor VARCHAR, value DOUBLE, ts TIMESTAMP) WITH (connector = 'file', path = 'y.jsonl');
CREATE SOURCE timed (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, other TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'x.jsonl');
`;

function plan(sql: string) {
  const s = loadScriptText(SOURCES + sql, 'job.sql', process.cwd(), new Catalog());
  return planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false });
}

function diag(sql: string) {
  try {
    plan(sql);
  } catch (e) {
    assert.ok(e instanceof SqlError, `expected a diagnostic, got ${String(e)}`);
    const d = e.diagnostics[0]!;
    return { message: d.message, line: d.span.start.line, column: d.span.start.column, hint: d.hint ?? '', rendered: e.render() };
  }
  assert.fail(`expected an error for: ${sql}`);
}

test('TUMBLE in GROUP BY without a watermark: WindowExpand then an updating GroupAggregate, UNBOUNDED in EXPLAIN', () => {
  const p = plan('CREATE SINK s AS SELECT sensor, window_start, window_end, window_time, COUNT(*) AS n FROM plain GROUP BY sensor, TUMBLE(ts, 10s);');
  assert.deepEqual(p.nodes.map((n) => n.kind), ['source', 'windowExpand', 'groupAgg', 'project', 'sink']);
  const sink = p.nodes[p.sinks[0]!]!;
  assert.equal(sink.appendOnly, false);
  assert.equal(sink.timeColumn, undefined);
  const text = explainPlan(p);
  assert.match(text, /GroupAggregate #2 keys=\[sensor, window_start, window_end, window_end - 1ms\] aggs=\[count\(\*\)\] emit=CHANGES/);
  assert.match(text, /no watermark, so no window ever closes\), UNBOUNDED/);
  assert.match(text, /WindowExpand #1 TUMBLE\(ts, 10s\)/);
  assert.match(text, /warning: GroupAggregate #2 keeps state that grows/);
  assert.match(text, /changelog \(\+I\/-U\/\+U\/-D\)/);
});

test('HOP, CUMULATE and the table-function forms without a watermark plan the same way', () => {
  for (const q of [
    'SELECT window_start, COUNT(*) FROM plain GROUP BY HOP(ts, 5s, 10s)',
    'SELECT sensor, window_end, MAX(value) FROM plain GROUP BY sensor, CUMULATE(ts, 1h, 1d)',
    'SELECT window_start, window_end, COUNT(*) FROM TUMBLE(plain, ts, 10s, 2s) GROUP BY window_start, window_end',
    'SELECT window_start, window_end, COUNT(*) FROM HOP(plain, ts, 5s, 10s) GROUP BY window_start, window_end',
    'SELECT window_start, window_end, COUNT(*) FROM CUMULATE(plain, ts, 5s, 10s) GROUP BY window_start, window_end',
    'SELECT sensor, window_start, COUNT(*) FROM plain GROUP BY sensor, TUMBLE(ts, 10s) EMIT CHANGES',
  ]) {
    const p = plan(`CREATE SINK s AS ${q};`);
    assert.deepEqual(p.nodes.filter((n) => n.kind === 'windowExpand' || n.kind === 'groupAgg' || n.kind === 'windowAgg').map((n) => n.kind), ['windowExpand', 'groupAgg'], q);
  }
  // The table function alone labels rows (stateless), as over a source with a watermark.
  const p = plan('CREATE SINK s AS SELECT sensor, window_start FROM TUMBLE(plain, ts, 10s);');
  assert.deepEqual(p.nodes.map((n) => n.kind), ['source', 'windowExpand', 'project', 'sink']);
});

test('EMIT FINAL without a watermark is refused at EMIT with a hint', () => {
  const d = diag('CREATE SINK s AS SELECT COUNT(*) FROM plain GROUP BY TUMBLE(ts, 10s) EMIT FINAL;');
  assert.equal(d.message, "EMIT FINAL needs a watermark, and 'ts' has none: without one no window ever closes");
  assert.equal(d.line, 3);
  assert.equal(d.column, 70);
  assert.match(d.hint, /WATERMARK FOR ts AS ts - INTERVAL '1' SECOND/);
  assert.match(d.hint, /drop EMIT FINAL/);
  assert.match(d.rendered, /\^/);
});

test('SESSION without a watermark is refused at the window with a hint', () => {
  const d = diag('CREATE SINK s AS SELECT sensor, COUNT(*) FROM plain GROUP BY sensor, SESSION(ts, 30s);');
  assert.match(d.message, /'ts' has no watermark, and a SESSION window needs one/);
  assert.equal(d.column, 70);
  assert.match(d.hint, /WATERMARK FOR ts/);
  assert.match(d.hint, /TUMBLE, HOP or CUMULATE/);
});

test('a window on another TIMESTAMP column beside the event time, or after a union that lost it, stays refused', () => {
  assert.equal(diag('CREATE SINK s AS SELECT COUNT(*) FROM timed GROUP BY TUMBLE(other, 10s);').message, "'other' has no watermark, so TUMBLE windows would never close");
  const u = diag('CREATE SINK s AS SELECT COUNT(*) FROM (SELECT ts FROM timed UNION ALL SELECT ts FROM plain) GROUP BY TUMBLE(ts, 10s);');
  assert.match(u.message, /not an event-time column after the UNION ALL/);
  // LAG still needs the event time.
  assert.match(diag('CREATE SINK s AS SELECT LAG(value) OVER (PARTITION BY sensor ORDER BY ts) AS p FROM plain;').message, /has no watermark/);
});

test('the oracle groups by the window bounds and window_time, rows with a NULL time in no window', () => {
  const p = plan('CREATE SINK s AS SELECT sensor, window_start, window_time, COUNT(*) AS n FROM plain GROUP BY sensor, TUMBLE(ts, 10s);');
  const sql = translatePlan(p, p.sinks[0]!);
  assert.match(sql, /WHERE i\.c2 IS NOT NULL/);
  assert.match(sql, /GROUP BY __k0, __k1, __k2, __k3/);
});
