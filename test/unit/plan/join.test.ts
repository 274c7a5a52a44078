// Binding the interval join: which ON conjunctions are keys, time bounds (inclusive and strict,
// either way round, BETWEEN) or the residual; refusals with position, caret and hint (no bound,
// outer and cross joins, a third JOIN, a changelog or a side without event time, ambiguous
// columns, bounds that admit nothing); the output's columns and event time; EXPLAIN, round
// trip, scale-out refusal and the oracle's SQL.

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

function plan(sql: string, provenance = false): PhysicalPlan {
  const s = loadScriptText(SOURCES + sql, 'job.sql', process.cwd(), new Catalog());
  return planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance });
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
  const p = plan(sink(`SELECT x.*, y.v AS bv FROM a AS x JOIN b y ON x.k = y.k AND y.ts BETWEEN x.ts AND x.ts + 1s`));
  const j = joinOf(p);
  assert.deepEqual(j.schema.map((c) => c.name), ['k', 'v', 'ts', 't2', 'k', 'v', 'ts']);
  assert.equal(j.timeColumn, 2);
  assert.equal(j.appendOnly, true);
  const w = plan(sink(`SELECT k, window_start, COUNT(*) AS n FROM (SELECT a.k, a.ts FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + 1s) GROUP BY k, TUMBLE(ts, 10s)`));
  assert.ok(w.nodes.some((n) => n.kind === 'windowAgg'));
});

test('a join without a time bound is refused at ON, naming the columns and the form', () => {
  const q0 = `SELECT a.k FROM a JOIN b ON a.k = b.k`;
  const d = diag(sink(q0));
  assert.match(d.message, /^this JOIN has no time bound: ON needs a lower and an upper bound on b\.ts relative to a\.ts/);
  assert.equal(d.line, 4);
  assert.equal(d.column, col(q0, 'a.k = b.k'));
  assert.equal(d.width, 'a.k = b.k'.length);
  assert.match(d.hint!, /BETWEEN a\.ts - INTERVAL '5' MINUTE AND a\.ts \+ INTERVAL '1' MINUTE/);
  assert.match(diag(sink(`SELECT a.k FROM a JOIN b ON a.k = b.k AND b.ts >= a.ts`)).message, /needs an upper bound/);
  assert.match(diag(sink(`SELECT a.k FROM a JOIN b ON a.k = b.k AND b.ts <= a.ts`)).message, /needs a lower bound/);
  // A bound on a column other than the event time does not count.
  assert.match(diag(sink(`SELECT a.k FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.t2 AND a.t2 + 1s`)).message, /no time bound/);
  assert.match(diag(sink(`SELECT a.k FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts + 2s AND a.ts + 1s`)).message, /admit no pair/);
});

test('RIGHT, FULL, CROSS, JOIN without ON: refused with a caret on the join words', () => {
  for (const [words, what] of [
    ['RIGHT JOIN', 'RIGHT OUTER JOIN'],
    ['RIGHT OUTER JOIN', 'RIGHT OUTER JOIN'],
    ['FULL JOIN', 'FULL OUTER JOIN'],
  ] as const) {
    const q = `SELECT a.k FROM a ${words} b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + 1s`;
    const d = diag(sink(q));
    assert.equal(d.message, `${what} is not supported; only an INNER or LEFT [OUTER] interval join is`);
    assert.equal(d.column, col(q, words));
    assert.equal(d.width, words.length);
    assert.match(d.hint!, /swap the two sides of a LEFT JOIN/);
  }
  assert.match(diag(sink(`SELECT a.k FROM a CROSS JOIN b`)).message, /^CROSS JOIN .* is not supported/);
  assert.match(diag(sink(`SELECT a.k FROM a JOIN b`)).message, /a JOIN needs ON with a time bound/);
});

test('sides a join cannot bound: no event time, a changelog; ambiguous unqualified columns', () => {
  const q = `SELECT a.k FROM a JOIN c ON a.k = c.k AND c.ts BETWEEN a.ts AND a.ts + 1s`;
  const d = diag(sink(q));
  assert.match(d.message, /the right side of the JOIN has no event-time column/);
  assert.equal(d.column, col(q, 'c ON'));
  assert.match(diag(sink(`SELECT a.k FROM a JOIN (SELECT k, COUNT(*) AS n FROM b GROUP BY k) AS g ON a.k = g.k`)).message, /the right side of the JOIN is a changelog/);
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
