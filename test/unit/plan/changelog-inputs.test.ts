// What the planner does with an updating input: filters and aggregates take it (and keep its
// changelog well formed at run time); operators that cannot retract (windows, window table
// functions, LAG) refuse it at plan time with a position and a hint.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { SqlError } from '../../../src/sql/diagnostics.js';

const SOURCE = `CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'x.jsonl');
CREATE VIEW latest AS SELECT sensor, MAX(ts) AS ts, COUNT(*) AS n FROM raw GROUP BY sensor;
`;

function plan(sql: string) {
  const s = loadScriptText(SOURCE + sql, 'job.sql', process.cwd(), new Catalog());
  return planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false });
}

function refusal(sql: string): { message: string; line: number; column: number; hint: string | undefined } {
  try {
    plan(sql);
  } catch (e) {
    assert.ok(e instanceof SqlError, `expected a diagnostic, got ${String(e)}`);
    const d = e.diagnostics[0]!;
    return { message: d.message, line: d.span.start.line, column: d.span.start.column, hint: d.hint };
  }
  assert.fail(`expected an error for: ${sql}`);
}

test('filters and aggregates over an updating result plan as changelogs', () => {
  for (const q of ['SELECT * FROM latest WHERE n < 3', 'SELECT n, COUNT(*) AS c FROM latest GROUP BY n HAVING COUNT(*) < 2', 'SELECT DISTINCT n FROM latest']) {
    const p = plan(`CREATE SINK s AS ${q};`);
    const sink = p.nodes[p.sinks[0]!]!;
    assert.equal(sink.appendOnly, false, q);
  }
});

test('LAG over an updating result is refused with a hint', () => {
  const d = refusal('CREATE SINK s AS SELECT sensor, LAG(n) OVER (PARTITION BY sensor ORDER BY ts) AS prev FROM latest;');
  assert.equal(d.message, 'LAG needs an append-only input, and this input is a changelog');
  assert.equal(d.line, 3);
  assert.equal(d.column, 33);
  assert.match(d.hint ?? '', /apply LAG to the raw events/);
});

test('a window table function or a windowed GROUP BY over an updating result is refused with a hint', () => {
  const tvf = refusal('CREATE SINK s AS SELECT * FROM TUMBLE(latest, ts, 10s);');
  assert.equal(tvf.message, 'TUMBLE needs an append-only input, and this input is a changelog');
  assert.equal(tvf.column, 32);
  assert.match(tvf.hint ?? '', /window the raw events instead/);
  const grouped = refusal('CREATE SINK s AS SELECT sensor, COUNT(*) FROM latest GROUP BY sensor, TUMBLE(ts, 10s);');
  assert.equal(grouped.message, 'windows need an append-only input, and this input is a changelog');
});
