// The binder's side of the aggregates of issue 13: what each takes (order key, constant
// separator or fraction), what is refused and why (diagnostics with a position and a hint), and
// EXPLAIN's note on the state they keep.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { explainPlan } from '../../../src/plan/explain.js';
import { SqlError } from '../../../src/sql/diagnostics.js';

const SOURCE = `CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'x.jsonl', format = 'jsonl');
CREATE VIEW counts AS SELECT sensor, COUNT(*) AS n, MAX(value) AS top FROM raw GROUP BY sensor;
`;

function plan(sql: string): string {
  const s = loadScriptText(SOURCE + sql, 'job.sql', process.cwd(), new Catalog());
  return explainPlan(planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false }));
}

function diag(sql: string): { message: string; column: number; hint: string | undefined; expected: string | undefined } {
  try {
    plan(sql);
  } catch (e) {
    assert.ok(e instanceof SqlError, `expected a diagnostic, got ${String(e)}`);
    assert.match(e.render(), /\^/);
    const d = e.diagnostics[0]!;
    return { message: d.message, column: d.span.start.column, hint: d.hint, expected: d.expected };
  }
  assert.fail(`expected an error for: ${sql}`);
}

test('every new aggregate plans in a window and in an updating GROUP BY', () => {
  const aggs = `FIRST_VALUE(value), LAST_VALUE(value), LATEST_BY_OFFSET(value), ARG_MIN(sensor, value), MAX_BY(ts, value),
    STRING_AGG(sensor, ', '), LISTAGG(sensor, '|'), ARRAY_AGG(value), BOOL_AND(value > 1), BOOL_OR(value > 1), VAR_POP(value),
    VAR_SAMP(value), VARIANCE(value), STDDEV_POP(value), APPROX_COUNT_DISTINCT(sensor), MEDIAN(value), QUANTILE_CONT(value, 0.9),
    APPROX_QUANTILE(value, 0.99)`;
  const windowed = plan(`CREATE SINK s AS SELECT sensor, window_start, ${aggs} FROM raw GROUP BY sensor, HOP(ts, 5s, 10s);`);
  assert.match(windowed, /every value of string_agg\(sensor, ', '\), listagg\(sensor, '\|'\), array_agg\(value\), median\(value\), quantile_cont\(value, 0\.9\)/);
  assert.match(windowed, /approx_count_distinct\(sensor\): exact to 1024 values, then 4096 registers/);
  assert.match(windowed, /approx_quantile\(value, 0\.99\): exact to 256 values, then a 1% DDSketch/);
  plan(`CREATE SINK s AS SELECT sensor, ${aggs} FROM raw GROUP BY sensor;`);
  plan(`CREATE SINK s AS SELECT sensor, window_start, ${aggs} FROM raw GROUP BY sensor, SESSION(ts, 10s) EMIT CHANGES;`);
});

test('over a changelog: value-ordered aggregates retract (keeping every entry), arrival-ordered ones and the HyperLogLog are refused', () => {
  const ok = plan('CREATE SINK s AS SELECT ARG_MIN(sensor, n) AS a, MEDIAN(n) AS m, BOOL_OR(top > 3) AS b, APPROX_QUANTILE(top, 0.5) AS q FROM counts;');
  assert.match(ok, /every value of arg_min\(sensor, n\), median\(n\)/);
  const hll = diag('CREATE SINK s AS SELECT APPROX_COUNT_DISTINCT(n) FROM counts;');
  assert.equal(hll.message, 'APPROX_COUNT_DISTINCT cannot take back a retracted row (a HyperLogLog only grows), and this input is a changelog');
  assert.equal(hll.hint, 'use COUNT(DISTINCT x), which keeps every value and retracts exactly');
  const latest = diag('CREATE SINK s AS SELECT LATEST_BY_OFFSET(n) FROM counts;');
  assert.match(latest.message, /^LATEST_BY_OFFSET follows arrival order/);
  assert.equal(latest.hint, 'use ARG_MAX(x, y) with the column that orders the rows');
  const first = diag('CREATE SINK s AS SELECT FIRST_VALUE(n) FROM counts;');
  assert.equal(first.message, 'FIRST_VALUE orders rows by event time, and this input has no event-time column');
  assert.match(first.hint ?? '', /LATEST_BY_OFFSET/);
});

test('arguments: arity, constant separator and fraction, orderable keys, DISTINCT', () => {
  assert.equal(diag('CREATE SINK s AS SELECT ARG_MIN(sensor) FROM raw GROUP BY sensor;').message, 'ARG_MIN takes 2 arguments');
  assert.equal(diag('CREATE SINK s AS SELECT MEDIAN(value, 0.5) FROM raw GROUP BY sensor;').message, 'MEDIAN takes one argument');
  const pct = diag('CREATE SINK s AS SELECT PERCENTILE_CONT(value, 0.5) FROM raw GROUP BY sensor;');
  assert.equal(pct.message, 'PERCENTILE_CONT takes its value in WITHIN GROUP');
  assert.equal(pct.expected, 'PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY x)');
  assert.equal(diag('CREATE SINK s AS SELECT PERCENTILE_CONT(2) WITHIN GROUP (ORDER BY value) FROM raw GROUP BY sensor;').message, 'the fraction of PERCENTILE_CONT must be a number from 0 to 1');
  assert.match(plan('CREATE SINK s AS SELECT PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY value DESC) AS p FROM raw GROUP BY sensor;'), /percentile_cont\(0\.9\) within group \(order by value desc\)/);
  const sep = diag('CREATE SINK s AS SELECT STRING_AGG(sensor, sensor) FROM raw GROUP BY sensor;');
  assert.equal(sep.message, 'the separator of STRING_AGG must be a constant');
  assert.equal(sep.expected, "STRING_AGG(x, ', ')");
  assert.equal(diag('CREATE SINK s AS SELECT QUANTILE_CONT(value, 1.5) FROM raw GROUP BY sensor;').message, 'the fraction of QUANTILE_CONT must be a number from 0 to 1');
  assert.equal(diag("CREATE SINK s AS SELECT APPROX_QUANTILE(value, 'x') FROM raw GROUP BY sensor;").message, 'the fraction of APPROX_QUANTILE must be a number from 0 to 1');
  assert.equal(diag('CREATE SINK s AS SELECT STRING_AGG(value, \',\') FROM raw GROUP BY sensor;').message, 'STRING_AGG expects a VARCHAR (CAST it), got DOUBLE');
  assert.equal(diag('CREATE SINK s AS SELECT BOOL_AND(value) FROM raw GROUP BY sensor;').message, 'BOOL_AND expects a BOOLEAN, got DOUBLE');
  const d = diag('CREATE SINK s AS SELECT FIRST_VALUE(DISTINCT value) FROM raw GROUP BY sensor;');
  assert.equal(d.message, 'FIRST_VALUE(DISTINCT ...) is not supported');
  assert.equal(diag('CREATE SINK s AS SELECT APPROX_COUNT_DISTINCT(DISTINCT value) FROM raw GROUP BY sensor;').hint, 'APPROX_COUNT_DISTINCT already counts distinct values: drop DISTINCT');
  plan('CREATE SINK s AS SELECT MEDIAN(DISTINCT value), VAR_SAMP(DISTINCT value), BOOL_OR(DISTINCT value > 2) FROM raw GROUP BY sensor;');
});
