// Binding the interval join: which ON conjunctions are keys, time bounds (inclusive and strict,
// either way round, BETWEEN) or the residual; refusals with position, caret and hint (no bound,
// cross joins, a third JOIN, a changelog or a side without event time, ambiguous columns,
// bounds that admit nothing, a window after a FULL JOIN); the output's columns and event time
// (RIGHT: the right's; FULL: none); EXPLAIN, round trip, scale-out refusal and the oracle's SQL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { explainPlan } from '../../../src/plan/explain.js';
import type { IntervalJoinNode, PhysicalPlan } from '../../../src/plan/physical.js';
import { SqlError } from '../../../src/sql/diagnostics.js';
import { parseScript, printStatement } from '../../../src/sql/index.js';
import { scaleOutProblem } from '../../../src/exec/scale-out/runner.js';
import { translatePlan } from '../../../src/oracle/index.js';

const SOURCES = `CREATE SOURCE a (k VARCHAR, v INT, ts TIMESTAMP, t2 TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'a.jsonl');
CREATE SOURCE b (k VARCHAR, v BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'b.jsonl');
CREATE SOURCE c (k VARCHAR, ts TIMESTAMP) WITH (connector = 'file', path = 'c.jsonl');
`;

// The join binder as written, without filter pushdown or column pruning (those: test/property/join-pushdown.test.ts).
function plan(sql: string, provenance = false): PhysicalPlan {
  const s = loadScriptText(SOURCES + sql, 'job.sql', process.cwd(), new Catalog());
  return planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance, pushdown: false });
}

function joinOf(p: PhysicalPlan): IntervalJoinNode {
  const j = p.nodes.find((n): n is IntervalJoinNode => n.kind === 'intervalJoin');
  assert.ok(j, 'a join node');
  return j;
}

const sink = (q: string) => `CREATE SINK o WITH (connector = 'stdout') AS ${q};`;

function bounds(on: string): [number, number] {
  const j = joinOf(plan(sink(`SELECT a.k FROM a JOIN b ON ${on}`)));
  return [j.lowerMicros, j.upperMicros];
}

/** The 1-based column of `fragment` in the sink statement (line 4). */
function col(q: string, fragment: string): number {
  return sink(q).indexOf(fragment) + 1;
}

function diag(sql: string): { message: string; line: number; column: number; width: number; hint: string | undefined; expected: string | undefined } {
  try {
    plan(sql);
  } catch (e) {
    assert.ok(e instanceof SqlError, `expected a diagnostic, got ${String(e)}`);
    const d = e.diagnostics[0]!;
    return { message: d.message, line: d.span.start.line, column: d.span.start.column, width: d.span.end.column - d.span.start.column, hint: d.hint, expected: d.expected };
  }
  assert.fail(`expected an error for: ${sql}`);
}

const S = 1_000_000;

test('time bounds: BETWEEN, >= / <= inclusive, > / < moved by 1 µs, either side first, constants on either side', () => {
  assert.deepEqual(bounds(`a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '5' MINUTE AND a.ts + INTERVAL '1' MINUTE`), [-300 * S, 60 * S]);
  assert.deepEqual(bounds(`a.k = b.k AND b.ts >= a.ts AND b.ts <= a.ts + INTERVAL '2' SECOND`), [0, 2 * S]);
  assert.deepEqual(bounds(`a.k = b.k AND b.ts > a.ts AND b.ts < a.ts + INTERVAL '2' SECOND`), [1, 2 * S - 1]);
  // Stated on a's time: a.ts BETWEEN b.ts + 1s AND b.ts + 3s  <=>  b.ts - a.ts in [-3s, -1s].
  assert.deepEqual(bounds(`b.k = a.k AND a.ts BETWEEN b.ts + INTERVAL '1' SECOND AND b.ts + INTERVAL '3' SECOND`), [-3 * S, -1 * S]);
  assert.deepEqual(bounds(`a.k = b.k AND a.ts + INTERVAL '1' SECOND > b.ts AND a.ts - INTERVAL '1' SECOND <= b.ts`), [-S, S - 1]);
  assert.deepEqual(bounds(`a.k = b.k AND b.ts = a.ts`), [0, 0]);
  // The tightest of several.
  assert.deepEqual(bounds(`a.k = b.k AND b.ts >= a.ts - INTERVAL '9' SECOND AND b.ts >= a.ts - INTERVAL '2' SECOND AND b.ts <= a.ts + 1s AND b.ts <= a.ts + 5s`), [-2 * S, S]);
});

test('keys, expressions as keys, types widened, and the residual', () => {
  const j = joinOf(plan(sink(`SELECT a.k FROM a JOIN b ON a.k || 'x' = b.k AND b.v = a.v AND b.ts BETWEEN a.ts AND a.ts + 1s AND a.v < b.v AND a.t2 > b.ts`)));
  assert.equal(j.leftKeys.length, 2);
  assert.equal(j.leftKeys[0]!.kind, 'concat');
  assert.deepEqual(j.rightKeys[0], { kind: 'column', index: 0, name: 'k', type: { kind: 'varchar' } });
  // INT = BIGINT: both compared as BIGINT.
  assert.equal(j.leftKeys[1]!.type.kind, 'bigint');
  assert.equal(j.rightKeys[1]!.type.kind, 'bigint');
  assert.ok(j.residual && j.residual.kind === 'logic' && j.residual.operands.length === 2, 'two residual conjunctions');
  // A comparison of a non-event-time column (t2) is residual, not a bound.
  assert.equal(j.lowerMicros, 0);
  assert.equal(j.upperMicros, S);
});

test('output: the visible columns of both sides, left event time kept so a window can follow; aliases and qualified stars', () => {
  // An expression in the SELECT list keeps its project: the join outputs both sides' visible columns.
  const raw = joinOf(plan(sink(`SELECT x.*, y.v + 1 AS bv FROM a AS x JOIN b y ON x.k = y.k AND y.ts BETWEEN x.ts AND x.ts + 1s`)));
  assert.deepEqual(raw.schema.map((c) => c.name), ['k', 'v', 'ts', 't2', 'k', 'v', 'ts']);
  assert.equal(raw.timeColumn, 2);
  // A pure column selection is folded into the join (plan/fold-project.ts): it outputs the selection.
  const p = plan(sink(`SELECT x.*, y.v AS bv FROM a AS x JOIN b y ON x.k = y.k AND y.ts BETWEEN x.ts AND x.ts + 1s`));
  const j = joinOf(p);
  assert.deepEqual(j.schema.map((c) => c.name), ['k', 'v', 'ts', 't2', 'bv']);
  assert.deepEqual(j.outputs, [[0, 0], [0, 1], [0, 2], [0, 3], [1, 1]]);
  assert.equal(j.timeColumn, 2);
  assert.equal(j.appendOnly, true);
  const w = plan(sink(`SELECT k, window_start, COUNT(*) AS n FROM (SELECT a.k, a.ts FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + 1s) GROUP BY k, TUMBLE(ts, 10s)`));
  assert.ok(w.nodes.some((n) => n.kind === 'windowAgg'));
});

test('a SELECT list that only picks columns is folded into the interval join (no project copies each pair); one with an expression, one dropping the event time, or one over another node is not', () => {
  const p = plan(sink(`SELECT b.v AS bv, a.ts, a.k FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + 1s`));
  const j = joinOf(p);
  assert.ok(!p.nodes.some((n) => n.kind === 'project'), 'no project left');
  assert.equal(p.nodes[p.sinks[0]!]!.inputs[0], j.id);
  assert.deepEqual(j.outputs, [[1, 1], [0, 2], [0, 0]]);
  assert.deepEqual(j.schema.map((c) => c.name), ['bv', 'ts', 'k']);
  assert.equal(j.timeColumn, 1);
  assert.match(explainPlan(p), /IntervalJoin #\d INNER .*append-only; output right\.v AS bv, left\.ts, left\.k\n/);
  // Kept: an expression, a selection without the join's event time, a filter in between.
  for (const q of [
    `SELECT a.k, b.v + 1 AS bv, a.ts FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + 1s`,
    `SELECT a.k, b.v FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + 1s`,
    `SELECT a.k, a.ts FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + 1s WHERE b.v > 1`,
  ]) {
    const k = plan(sink(q));
    assert.ok(k.nodes.some((n) => n.kind === 'project'), q);
    assert.equal(joinOf(k).outputs.length, 7, q);
    assert.doesNotMatch(explainPlan(k), /; output /, q);
  }
});

test('a join with one time bound, or a bound on another column, is a regular join; bounds that admit nothing are refused', () => {
  // A join without both bounds keeps every row: a regular join (test/unit/plan/regular-join.test.ts).
  for (const on of ['a.k = b.k', 'a.k = b.k AND b.ts >= a.ts', 'a.k = b.k AND b.ts <= a.ts', 'a.k = b.k AND b.ts BETWEEN a.t2 AND a.t2 + 1s']) {
    assert.ok(plan(sink(`SELECT a.k FROM a JOIN b ON ${on}`)).nodes.some((n) => n.kind === 'regularJoin'), on);
  }
  assert.match(diag(sink(`SELECT a.k FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts + 2s AND a.ts + 1s`)).message, /admit no pair/);
});

test('CROSS JOIN and JOIN without ON: refused with a caret on the join words', () => {
  const q = `SELECT a.k FROM a CROSS JOIN b`;
  const d = diag(sink(q));
  assert.equal(d.message, 'CROSS JOIN (every pair of rows, state without bound) is not supported; a JOIN needs an equality key between its two sides');
  assert.equal(d.column, col(q, 'CROSS JOIN'));
  assert.equal(d.width, 'CROSS JOIN'.length);
  assert.match(d.hint!, /write JOIN \.\.\. ON a\.k = b\.k \[AND \.\.\.\], or bound the two event times for an interval join: ON a\.k = b\.k AND b\.ts BETWEEN/);
  assert.match(diag(sink(`SELECT a.k FROM a JOIN b`)).message, /a JOIN needs ON with an equality key/);
  assert.match(diag(sink(`SELECT a.k FROM a FULL JOIN b`)).message, /a JOIN needs ON with an equality key/);
});

test('RIGHT [OUTER] JOIN: keeps the right event time, watermark min(left + lower, right); EXPLAIN says right rows are padded; the oracle drops late right rows in WHERE', () => {
  for (const words of ['RIGHT JOIN', 'RIGHT OUTER JOIN']) {
    const p = plan(sink(`SELECT a.k, a.ts AS ats, b.v, b.ts FROM a ${words} b ON a.k = b.k AND b.ts BETWEEN a.ts - 2s AND a.ts + 1s`), true);
    const j = joinOf(p);
    assert.equal(j.joinType, 'right');
    assert.equal(j.schema[j.timeColumn!]!.name, 'ts');
    // The SELECT list folded into the join: a.k, a.ts AS ats, b.v, b.ts.
    assert.equal(j.timeColumn, 3);
    assert.match(
      explainPlan(p),
      /IntervalJoin #\d RIGHT OUTER keys=\[left k = right k\]; bounds: right\.ts - left\.ts in \[-2s, \+1s\]; left rows kept until the watermark passes ts \+ 1s, right rows until it passes ts \(then, if unmatched, emitted with NULLs\); event time ts, watermark min\(left - 2s, right\), append-only/,
    );
    const sql = translatePlan(p, p.sinks[0]!, { source: (id) => `src_${id}`, late: (id) => (id === j.id ? `late_${id}` : undefined) });
    assert.match(sql, /SELECT .*, jr\.__seq AS __seq FROM n\d+ AS jl RIGHT JOIN n\d+ AS jr ON .* AND NOT EXISTS \(SELECT 1 FROM "late_\d+" AS l WHERE l\.seq = jl\.__seq\) WHERE NOT EXISTS \(SELECT 1 FROM "late_\d+" AS l WHERE l\.seq = jr\.__seq\)/);
  }
  // A window after a RIGHT JOIN windows the right side's time.
  const w = plan(sink(`SELECT COUNT(*) AS n FROM (SELECT a.k, b.ts FROM a RIGHT JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + 1s) GROUP BY TUMBLE(ts, 10s)`));
  assert.ok(w.nodes.some((n) => n.kind === 'windowAgg'));
});

test('FULL [OUTER] JOIN: no event time (a window after it is refused with a hint); EXPLAIN pads both sides; the oracle drops late rows of both before joining', () => {
  for (const words of ['FULL JOIN', 'FULL OUTER JOIN']) {
    const p = plan(sink(`SELECT a.k, a.ts, b.v, b.ts AS bts FROM a ${words} b ON a.k = b.k AND b.ts BETWEEN a.ts - 2s AND a.ts + 1s`), true);
    const j = joinOf(p);
    assert.equal(j.joinType, 'full');
    assert.equal(j.timeColumn, undefined);
    assert.match(
      explainPlan(p),
      /IntervalJoin #\d FULL OUTER keys=\[left k = right k\]; bounds: right\.ts - left\.ts in \[-2s, \+1s\]; left rows kept until the watermark passes ts \(then, if unmatched, emitted with NULLs\), right rows until it passes ts \+ 2s \(then, if unmatched, emitted with NULLs\); no event time \(either side may be NULL\), watermark min\(left, right - 1s\) for expiry only, append-only/,
    );
    const sql = translatePlan(p, p.sinks[0]!, { source: (id) => `src_${id}`, late: (id) => (id === j.id ? `late_${id}` : undefined) });
    assert.match(sql, /COALESCE\(jl\.__seq, jr\.__seq\) AS __seq FROM \(SELECT \* FROM n\d+ AS jl WHERE NOT EXISTS \(SELECT 1 FROM "late_\d+" AS l WHERE l\.seq = jl\.__seq\)\) AS jl FULL JOIN \(SELECT \* FROM n\d+ AS jr WHERE NOT EXISTS/);
  }
  const q = `SELECT COUNT(*) AS n FROM (SELECT a.k, a.ts FROM a FULL JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + 1s) GROUP BY TUMBLE(ts, 10s)`;
  const d = diag(sink(q));
  assert.equal(d.message, "'ts' is not an event-time column after the FULL JOIN, so TUMBLE windows would never close");
  assert.equal(d.column, col(q, 'ts, 10s'));
  assert.match(d.hint!, /^a FULL JOIN's rows keep no event time .*; window the rows before the join, or use a LEFT or RIGHT JOIN/);
});

test('sides a join cannot bound (no event time, a changelog) make a regular join; ambiguous unqualified columns', () => {
  for (const q of [`SELECT a.k FROM a JOIN c ON a.k = c.k AND c.ts BETWEEN a.ts AND a.ts + 1s`, `SELECT a.k FROM a JOIN (SELECT k, COUNT(*) AS n FROM b GROUP BY k) AS g ON a.k = g.k`]) {
    assert.ok(plan(sink(q)).nodes.some((n) => n.kind === 'regularJoin'), q);
  }
  const amb = diag(sink(`SELECT k FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + 1s`));
  assert.equal(amb.message, "column 'k' is ambiguous: both 'a' and 'b' have one");
  assert.equal(amb.hint, 'qualify it: a.k or b.k');
});

test('EXPLAIN names the join, keys, bounds, residual, how long rows wait and the watermark', () => {
  const text = explainPlan(plan(sink(`SELECT a.k, b.v FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '5' MINUTE AND a.ts + INTERVAL '1' MINUTE AND b.v > 0`)));
  assert.match(
    text,
    /IntervalJoin #\d INNER keys=\[left k = right k\]; bounds: right\.ts - left\.ts in \[-5m, \+1m\]; residual v > 0; left rows kept until the watermark passes ts, right rows until it passes ts \+ 5m; event time ts, watermark min\(left, right - 1m\), append-only/,
  );
  assert.match(text, /state rows: keyed \(join key → each side's waiting rows\), bounded/);
  // Strict bounds (stored 1 µs inside) read as open ends, and durations in seconds, not microseconds.
  const strict = explainPlan(plan(sink(`SELECT a.k FROM a JOIN b ON a.k = b.k AND b.ts > a.ts AND b.ts < a.ts + INTERVAL '2' MINUTE`)));
  assert.match(strict, /bounds: right\.ts - left\.ts in \(0, \+2m\);/);
  assert.match(strict, /watermark min\(left, right - 119\.999999s\)/);
  const mixed = explainPlan(plan(sink(`SELECT a.k FROM a JOIN b ON a.k = b.k AND b.ts >= a.ts - INTERVAL '1' SECOND AND b.ts < a.ts + INTERVAL '3' SECOND`)));
  assert.match(mixed, /bounds: right\.ts - left\.ts in \[-1s, \+3s\);/);
  assert.match(text, /state expiry: time-keyed \(expiry time × join key\), bounded/);
  assert.doesNotMatch(text, /warning/);
});

test('round trip: parse -> print -> parse keeps the join', () => {
  const q = `CREATE VIEW v AS SELECT x.k FROM a AS x LEFT JOIN b AS y ON x.k = y.k AND y.ts BETWEEN x.ts AND x.ts + INTERVAL '1' SECOND`;
  const printed = printStatement(parseScript(q).statements[0]!.statement);
  assert.match(printed, /FROM a AS x LEFT JOIN b AS y ON/);
  assert.equal(printStatement(parseScript(printed).statements[0]!.statement), printed);
});

test('scale-out refuses a join; the oracle joins the admitted rows minus the late ones of either side', () => {
  const p = plan(sink(`SELECT a.k, b.v FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + 1s`), true);
  assert.match(scaleOutProblem(p)!.message, /runs a JOIN only when both sides are Kafka topics keyed by the join key, .*declares no KEY column/);
  const j = joinOf(p);
  const sql = translatePlan(p, p.sinks[0]!, { source: (id) => `src_${id}`, late: (id) => (id === j.id ? `late_${id}` : undefined) });
  assert.match(sql, /FROM n\d+ AS jl JOIN n\d+ AS jr ON /);
  assert.match(sql, /NOT EXISTS \(SELECT 1 FROM "late_\d+" AS l WHERE l\.seq = jl\.__seq\)/);
  assert.match(sql, /NOT EXISTS \(SELECT 1 FROM "late_\d+" AS l WHERE l\.seq = jr\.__seq\)/);
});

test('LEFT [OUTER] JOIN: planned as a left interval join; EXPLAIN says unmatched left rows are padded; the oracle pads too and drops late left rows in WHERE', () => {
  for (const words of ['LEFT JOIN', 'LEFT OUTER JOIN']) {
    const p = plan(sink(`SELECT a.k, b.v FROM a ${words} b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + 1s`), true);
    const j = joinOf(p);
    assert.equal(j.joinType, 'left');
    assert.match(explainPlan(p), /IntervalJoin #\d LEFT OUTER keys=\[left k = right k\];.*left rows kept until the watermark passes ts \(then, if unmatched, emitted with NULLs\)/);
    const sql = translatePlan(p, p.sinks[0]!, { source: (id) => `src_${id}`, late: (id) => (id === j.id ? `late_${id}` : undefined) });
    assert.match(sql, /AS jl LEFT JOIN n\d+ AS jr ON .* AND NOT EXISTS \(SELECT 1 FROM "late_\d+" AS l WHERE l\.seq = jr\.__seq\) WHERE NOT EXISTS \(SELECT 1 FROM "late_\d+" AS l WHERE l\.seq = jl\.__seq\)/);
  }
});
