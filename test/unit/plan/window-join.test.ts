// Binding the window join: equal window_start and window_end of two windowed inputs (TVF rows,
// windowed aggregates, through views and subqueries) make one, with the rest of ON as keys and
// a residual; refusals with position and hint (one bound only, different windows, a window
// over its result); EXPLAIN; the oracle's SQL (late rows by window start).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { explainPlan } from '../../../src/plan/explain.js';
import type { PhysicalPlan, WindowJoinNode } from '../../../src/plan/physical.js';
import { SqlError } from '../../../src/sql/diagnostics.js';
import { scaleOutProblem } from '../../../src/exec/scale-out/runner.js';
import { translatePlan } from '../../../src/oracle/index.js';

const SOURCES = `CREATE SOURCE a (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'a.jsonl');
CREATE SOURCE b (k VARCHAR, v BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'b.jsonl');
CREATE VIEW wa AS SELECT k, window_start, window_end, COUNT(*) AS n FROM a GROUP BY k, TUMBLE(ts, 10s);
CREATE VIEW wb AS SELECT k, window_start, window_end, SUM(v) AS s FROM b GROUP BY k, TUMBLE(ts, 10s);
`;

function plan(sql: string, provenance = false): PhysicalPlan {
  const s = loadScriptText(SOURCES + sql, 'job.sql', process.cwd(), new Catalog());
  return planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance });
}

const sink = (q: string) => `CREATE SINK o WITH (connector = 'stdout') AS ${q};`;
const ON = `x.k = y.k AND x.window_start = y.window_start AND x.window_end = y.window_end`;

function joinOf(p: PhysicalPlan): WindowJoinNode {
  const j = p.nodes.find((n): n is WindowJoinNode => n.kind === 'windowJoin');
  assert.ok(j, 'a window join node');
  return j;
}

function diag(sql: string): { message: string; line: number; column: number; hint: string | undefined } {
  try {
    plan(sql);
  } catch (e) {
    assert.ok(e instanceof SqlError, `expected a diagnostic, got ${String(e)}`);
    const d = e.diagnostics[0]!;
    return { message: d.message, line: d.span.start.line, column: d.span.start.column, hint: d.hint };
  }
  assert.fail(`expected an error for: ${sql}`);
}

test('views over windowed aggregates on equal window bounds: a window join; the key and a residual from the rest of ON', () => {
  const p = plan(sink(`SELECT x.k, x.window_start, x.n, y.s FROM wa x JOIN wb y ON ${ON} AND x.n < y.s`));
  const j = joinOf(p);
  assert.equal(j.joinType, 'inner');
  assert.deepEqual(j.window, { kind: 'tumble', sizeMicros: 10_000_000 });
  assert.equal(j.leftKeys.length, 1);
  assert.ok(j.residual);
  assert.equal(j.timeColumn, undefined);
  assert.ok(!p.nodes.some((n) => n.kind === 'intervalJoin'));
  assert.match(
    explainPlan(p),
    /WindowJoin #\d+ INNER TUMBLE\(10s\) keys=\[left window_start = right window_start, left window_end = right window_end, left k = right k\]; residual n < s; each side's rows kept per window until the watermark \(the minimum of both inputs'\) passes window_end, then the window's pairs emitted; no event time, append-only/,
  );
  assert.match(explainPlan(p), /state windows: time-keyed \(window end × window start and join key → each side's rows\), bounded/);
  assert.match(scaleOutProblem(p)!.message, /cannot run a window JOIN yet/);
});

test('TVF rows (TUMBLE, HOP) join the same way; outer joins say what they pad; the oracle excludes late rows by window start', () => {
  for (const [words, pad] of [
    ['LEFT JOIN', 'unmatched left rows with NULLs'],
    ['RIGHT JOIN', 'unmatched right rows with NULLs'],
    ['FULL OUTER JOIN', 'unmatched rows of both sides with NULLs'],
  ] as const) {
    const p = plan(sink(`SELECT x.k, x.v, y.v AS yv FROM HOP(a, ts, 5s, 10s) AS x ${words} HOP(b, ts, 5s, 10s) y ON ${ON}`), true);
    const j = joinOf(p);
    assert.equal(j.window.kind, 'hop');
    assert.ok(explainPlan(p).includes(`HOP(5s, 10s) keys=`));
    assert.ok(explainPlan(p).includes(`pairs emitted (${pad})`));
    const sql = translatePlan(p, p.sinks[0]!, { source: (id) => `src_${id}`, late: (id) => (id === j.id ? `late_${id}` : undefined) });
    assert.match(sql, /l\.seq = jl\.__seq AND \(l\.window_start IS NULL OR l\.window_start = epoch_us\(jl\.c\d+\)\)/);
    assert.match(sql, /l\.seq = jr\.__seq AND \(l\.window_start IS NULL OR l\.window_start = epoch_us\(jr\.c\d+\)\)/);
  }
});

test('refused: only one window bound equal, different windows, a window over the result', () => {
  const one = diag(sink(`SELECT x.k FROM wa x JOIN wb y ON x.k = y.k AND x.window_end = y.window_end`));
  assert.match(one.message, /a window join needs both window_start and window_end equal on the two sides; this ON equates only window_end/);
  assert.equal(one.line, 5);
  assert.match(one.hint!, /l\.window_start = r\.window_start AND l\.window_end = r\.window_end/);
  const differ = diag(sink(`SELECT x.k FROM TUMBLE(a, ts, 10s) x JOIN TUMBLE(b, ts, 5s) y ON ${ON}`));
  assert.match(differ.message, /the same windows on both sides: TUMBLE\(10s\) and TUMBLE\(5s\) differ/);
  const over = diag(sink(`SELECT COUNT(*) AS c FROM (SELECT x.k, x.window_end FROM wa x JOIN wb y ON ${ON}) GROUP BY TUMBLE(window_end, 1m)`));
  assert.equal(over.message, "'window_end' is not an event-time column after the window JOIN, so TUMBLE windows would never close");
});
