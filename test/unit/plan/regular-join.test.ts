// Binding the regular join: which joins become one (no time bound, one bound, a changelog side,
// a side without event time; RIGHT and FULL too), its keys and residual, append-only only for an
// INNER join of streams; the refusal of a join without an equality key (position, caret, hint);
// SET state_ttl checked and shown; EXPLAIN; scale-out refusal and the oracle's SQL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { explainPlan } from '../../../src/plan/explain.js';
import type { PhysicalPlan, RegularJoinNode } from '../../../src/plan/physical.js';
import { SqlError } from '../../../src/sql/diagnostics.js';
import { scaleOutProblem } from '../../../src/exec/scale-out/runner.js';
import { translatePlan } from '../../../src/oracle/index.js';

const SOURCES = `CREATE SOURCE a (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'a.jsonl');
CREATE SOURCE b (k VARCHAR, v BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'b.jsonl');
`;
const sink = (q: string) => `CREATE SINK o WITH (connector = 'stdout') AS ${q};`;

// The join binder as written, without filter pushdown or column pruning (those: test/property/join-pushdown.test.ts).
function plan(sql: string): PhysicalPlan {
  const s = loadScriptText(SOURCES + sql, 'job.sql', process.cwd(), new Catalog());
  return planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false, pushdown: false });
}

function joinOf(p: PhysicalPlan): RegularJoinNode {
  const j = p.nodes.find((n): n is RegularJoinNode => n.kind === 'regularJoin');
  assert.ok(j, 'a regular join node');
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

test('every join kind without a time bound is a regular join: keys (cast to one type), residual, output', () => {
  for (const [words, kind] of [['JOIN', 'inner'], ['LEFT JOIN', 'left'], ['RIGHT OUTER JOIN', 'right'], ['FULL JOIN', 'full']] as const) {
    const j = joinOf(plan(sink(`SELECT a.k, b.v FROM a ${words} b ON a.k = b.k AND a.v = b.v AND b.v > a.v + 1`)));
    assert.equal(j.joinType, kind);
    assert.equal(j.leftKeys.length, 2);
    assert.equal(j.rightKeys[1]!.type.kind, 'bigint');
    assert.equal(j.leftKeys[1]!.kind, 'cast', 'INT key widened to BIGINT');
    assert.ok(j.residual, 'the comparison is the residual');
    assert.equal(j.appendOnly, kind === 'inner');
    assert.equal(j.timeColumn, undefined);
    assert.deepEqual(j.schema.map((c) => c.name), ['k', 'v', 'ts', 'k', 'v', 'ts']);
  }
  // A changelog side makes the output a changelog, even for an INNER join; an interval join stays one.
  const g = joinOf(plan(sink(`SELECT a.k, g.n FROM a JOIN (SELECT k, COUNT(*) AS n FROM b GROUP BY k) AS g ON a.k = g.k`)));
  assert.equal(g.appendOnly, false);
  assert.ok(plan(sink(`SELECT a.k FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '1' SECOND`)).nodes.some((n) => n.kind === 'intervalJoin'));
});

test('a join without an equality key is refused at ON with a hint', () => {
  const q = 'SELECT a.k FROM a JOIN b ON a.k <> b.k AND b.ts >= a.ts';
  const d = diag(sink(q));
  assert.match(d.message, /^this JOIN has no equality key between its two sides/);
  assert.equal(d.line, 3);
  assert.equal(d.column, sink(q).indexOf('a.k <> b.k') + 1);
  assert.match(d.hint!, /join on a key: ON a\.k = b\.k/);
  // An equality within one side is not a key.
  assert.match(diag(sink('SELECT a.k FROM a FULL JOIN b ON a.k = a.k')).message, /no equality key/);
});

test('EXPLAIN says the state is unbounded, or what state_ttl does; a bad state_ttl is refused', () => {
  const text = explainPlan(plan(sink(`SELECT a.k, b.v FROM a LEFT JOIN b ON a.k = b.k AND b.v > 0`)));
  assert.match(
    text,
    /RegularJoin #\d LEFT OUTER keys=\[left k = right k\]; residual right\.v > 0; every row of both sides kept per key for as long as the job runs \(no time bound: state grows with the distinct keys\); no event time, changelog \(\+I\/-U\/\+U\/-D\)/,
  );
  assert.match(text, /state rows: keyed \(join key → each side's rows with their counts and match counts\), UNBOUNDED/);
  assert.match(text, /warning: RegularJoin #\d keeps state that grows with its keys and never expires \(rows\)/);
  const ttl = explainPlan(plan(`SET state_ttl = '1h';\n` + sink(`SELECT a.k, b.v FROM a JOIN b ON a.k = b.k`)));
  assert.match(ttl, /a key's rows kept until the watermark is more than state_ttl 1h past its last row, then dropped \(later rows no longer join them: results may differ from a join of all rows\); no event time, append-only/);
  assert.match(ttl, /state idle: time-keyed \(watermark at last touch × join key\), bounded/);
  assert.doesNotMatch(ttl, /warning/);
  assert.throws(() => plan(`SET state_ttl = 'soon';\n`), /state_ttl 'soon' is not a positive duration/);
});

test('scale-out refuses a regular join; the oracle is the same SQL join', () => {
  const p = plan(sink(`SELECT a.k, b.v FROM a FULL JOIN b ON a.k = b.k AND b.v > 0`));
  assert.match(scaleOutProblem(p)!.message, /cannot run a regular \(unbounded\) JOIN yet/);
  const j = joinOf(p);
  assert.match(translatePlan(p, p.sinks[0]!), new RegExp(`FROM n${j.inputs[0]} AS jl FULL JOIN n${j.inputs[1]} AS jr ON \\(+jl\\.c0 = jr\\.c0`));
});
