// Over-window binding: which calls go to the OverWindow operator, LAG/LEAD under DESC, frames
// and their EXPLAIN text and state bound, and the refused forms (FOLLOWING, no ORDER BY, an
// ORDER BY that is not the event time, mixed OVERs, a changelog input) with position and hint.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { explainPlan } from '../../../src/plan/explain.js';
import { SqlError } from '../../../src/sql/diagnostics.js';
import type { PhysicalPlan } from '../../../src/plan/physical.js';

const SOURCE = `CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, n INT, at TIMESTAMP, ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'x.jsonl', format = 'jsonl');
`;
const W = 'PARTITION BY sensor ORDER BY ts';

function physical(sql: string): PhysicalPlan {
  const s = loadScriptText(SOURCE + sql, 'job.sql', process.cwd(), new Catalog());
  return planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false });
}

function diag(sql: string): { message: string; line: number; column: number; text: string; hint: string | undefined } {
  try {
    physical(sql);
  } catch (e) {
    assert.ok(e instanceof SqlError, `expected a diagnostic, got ${String(e)}`);
    const d = e.diagnostics[0]!;
    return { message: d.message, line: d.span.start.line, column: d.span.start.column, text: e.render(), hint: d.hint };
  }
  assert.fail(`expected an error for: ${sql}`);
}

test('plain LAG keeps the Lag operator; LEAD, DESC, frames and framed aggregates share one OverWindow', () => {
  assert.ok(physical(`CREATE SINK s AS SELECT LAG(value) OVER (${W}) FROM raw;`).nodes.some((n) => n.kind === 'lag'));
  const p = physical(`CREATE SINK s AS SELECT LAG(value) OVER (${W}) AS p, LEAD(value, 2, 0) OVER (${W}) AS nx, AVG(value) OVER (${W} ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) AS a5,
    COUNT(*) OVER (${W} RANGE BETWEEN INTERVAL '30' SECOND PRECEDING AND CURRENT ROW) AS c, FIRST_VALUE(n) OVER (${W}) AS f FROM raw;`);
  const over = p.nodes.filter((n) => n.kind === 'overWindow');
  assert.equal(over.length, 1);
  const text = explainPlan(p);
  assert.match(text, /OverWindow #1 partition=\[sensor\] order=ts lag\(value\), lead\(value, 2\), avg\(value\) ROWS 4 PRECEDING, count\(\*\) RANGE 30s PRECEDING, first_value\(n\) RANGE UNBOUNDED PRECEDING/);
  assert.match(text, /state partitions: keyed \(partition → the last 4 rows, the rows of the last 30s, running accumulators \(UNBOUNDED PRECEDING\), up to 2 released rows waiting for LEAD/);
  assert.match(text, /the output keeps no event time/);
});

test('LAG over ORDER BY ts DESC is LEAD over ts ascending, and the reverse', () => {
  const p = physical(`CREATE SINK s AS SELECT LAG(value) OVER (PARTITION BY sensor ORDER BY ts DESC) AS a, LEAD(value, 3) OVER (PARTITION BY sensor ORDER BY ts DESC) AS b FROM raw;`);
  const n = p.nodes.find((x) => x.kind === 'overWindow');
  assert.ok(n && n.kind === 'overWindow');
  assert.deepEqual(n.functions.map((f) => f.fn), ['lead', 'lag']);
});

test('without LEAD the output keeps its event time, so a window can follow', () => {
  assert.doesNotThrow(() =>
    physical(`CREATE SINK s AS SELECT sensor, window_start, MAX(a5) FROM (SELECT sensor, ts, AVG(value) OVER (${W} ROWS 4 PRECEDING) AS a5 FROM raw) GROUP BY sensor, TUMBLE(ts, 10s);`),
  );
  const d = diag(`CREATE SINK s AS SELECT sensor, window_start, MAX(nx) FROM (SELECT sensor, ts, LEAD(value) OVER (${W}) AS nx FROM raw) GROUP BY sensor, TUMBLE(ts, 10s);`);
  assert.match(d.message, /not an event-time column after the LEAD/);
});

test('refused frames and orders: position, caret and hint', () => {
  const following = diag(`CREATE SINK s AS SELECT SUM(value) OVER (${W} ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM raw;`);
  assert.equal(following.message, 'a frame that reaches FOLLOWING rows is not supported');
  assert.match(following.hint ?? '', /LEAD/);
  assert.match(following.text, /\^/);
  assert.equal(following.column, 103);
  const unboundedFollowing = diag(`CREATE SINK s AS SELECT SUM(value) OVER (${W} RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM raw;`);
  assert.equal(unboundedFollowing.message, 'a frame that reaches FOLLOWING rows is not supported');
  const noOrder = diag('CREATE SINK s AS SELECT SUM(value) OVER (PARTITION BY sensor) FROM raw;');
  assert.equal(noOrder.message, 'SUM needs ORDER BY the event-time column');
  assert.match(noOrder.hint ?? '', /ORDER BY ts/);
  const nonTime = diag('CREATE SINK s AS SELECT SUM(value) OVER (PARTITION BY sensor ORDER BY value) FROM raw;');
  assert.match(nonTime.message, /ordered by the event-time column, and 'value' is not one/);
  const otherTime = diag('CREATE SINK s AS SELECT SUM(value) OVER (PARTITION BY sensor ORDER BY at) FROM raw;');
  assert.match(otherTime.message, /'at' has no watermark/);
  const two = diag('CREATE SINK s AS SELECT SUM(value) OVER (PARTITION BY sensor ORDER BY ts, value) FROM raw;');
  assert.equal(two.message, 'window functions must be ordered by the event-time column alone');
  const rangeRows = diag(`CREATE SINK s AS SELECT SUM(value) OVER (${W} RANGE BETWEEN 5 PRECEDING AND CURRENT ROW) FROM raw;`);
  assert.equal(rangeRows.message, 'a RANGE frame over the event time needs an INTERVAL offset');
  const rowsTime = diag(`CREATE SINK s AS SELECT SUM(value) OVER (${W} ROWS BETWEEN 5s PRECEDING AND CURRENT ROW) FROM raw;`);
  assert.equal(rowsTime.message, 'a ROWS frame counts rows: its offset must be a non-negative integer');
  const endBefore = diag(`CREATE SINK s AS SELECT SUM(value) OVER (${W} ROWS BETWEEN 5 PRECEDING AND 1 PRECEDING) FROM raw;`);
  assert.equal(endBefore.message, 'a frame must end at CURRENT ROW');
  const mixed = diag(`CREATE SINK s AS SELECT SUM(value) OVER (${W}), LAG(value) OVER (PARTITION BY n ORDER BY ts) FROM raw;`);
  assert.equal(mixed.message, 'all window functions of a SELECT must share one PARTITION BY and ORDER BY');
  const changelog = diag(`CREATE SINK s AS SELECT SUM(c) OVER (ORDER BY ts) FROM (SELECT sensor, COUNT(*) AS c, MAX(ts) AS ts FROM raw GROUP BY sensor);`);
  assert.match(changelog.message, /append-only input/);
  const distinct = diag(`CREATE SINK s AS SELECT COUNT(DISTINCT value) OVER (${W}) FROM raw;`);
  assert.match(distinct.message, /DISTINCT/);
  const noOver = diag('CREATE SINK s AS SELECT LEAD(value) FROM raw;');
  assert.equal(noOver.message, 'LEAD needs an OVER clause');
});
