// Binding GROUPING SETS, ROLLUP and CUBE: one aggregate node with its sets (the window in each,
// keys a set lacks NULL, a hidden GROUPING bit per key), GROUPING()/GROUPING_ID() over the bits,
// refused forms with a caret and a hint, and the plan's other readers (EXPLAIN, the stream key,
// the Kafka sink key, scale-out's keying, the oracle's SQL) know the sets.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { explainPlan } from '../../../src/plan/explain.js';
import { streamKey } from '../../../src/plan/stream-key.js';
import type { GroupAggNode, PhysicalPlan, WindowAggNode } from '../../../src/plan/physical.js';
import { SqlError } from '../../../src/sql/diagnostics.js';
import { statefulKeying } from '../../../src/exec/scale-out/partitioning.js';
import { defaultSinkKey } from '../../../src/connectors/kafka/sink-key.js';
import { translatePlan } from '../../../src/oracle/index.js';
import { parseStatement } from '../../../src/sql/index.js';
import type { Query } from '../../../src/sql/ast.js';

const SOURCES = `CREATE SOURCE r (sensor VARCHAR KEY, site VARCHAR, v DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'r.jsonl');
CREATE SOURCE nw (sensor VARCHAR, v DOUBLE, ts TIMESTAMP) WITH (connector = 'file', path = 'nw.jsonl');
`;

function plan(sql: string): PhysicalPlan {
  const s = loadScriptText(SOURCES + sql, 'job.sql', process.cwd(), new Catalog());
  return planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false });
}

const sink = (q: string) => `CREATE SINK o WITH (connector = 'file', path = 'o.jsonl') AS ${q};`;

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

const agg = (p: PhysicalPlan) => p.nodes.find((n): n is WindowAggNode | GroupAggNode => n.kind === 'windowAgg' || n.kind === 'groupAgg')!;
const setNames = (n: WindowAggNode | GroupAggNode) => n.groupingSets!.map((s) => s.map((k) => (n.keys[k]!.kind === 'column' ? (n.keys[k] as { name: string }).name : '?')).join(','));

test('window outside the sets: one WindowAggregate with every set, bits hidden after the keys', () => {
  const p = plan(sink('SELECT sensor, site, COUNT(*) AS n FROM r GROUP BY TUMBLE(ts, 10s), GROUPING SETS ((sensor, site), (site), ())'));
  const n = agg(p) as WindowAggNode;
  assert.equal(n.kind, 'windowAgg');
  assert.deepEqual(setNames(n), ['sensor,site', 'site', '']);
  assert.deepEqual(n.schema.map((c) => `${c.name}${c.hidden ? '(hidden)' : ''}`), ['sensor', 'site', '$grouping.sensor(hidden)', '$grouping.site(hidden)', 'window_start', 'window_end', 'window_time', 'count(*)']);
  assert.deepEqual(streamKey(p, n.id), [0, 1, 2, 3, 4, 5]);
  assert.equal(p.nodes.filter((x) => x.kind === 'windowAgg').length, 1, 'one aggregate, not a union of one per set');
});

test('ROLLUP and CUBE expand as in DuckDB, crossed with each other and the plain items', () => {
  assert.deepEqual(setNames(agg(plan(sink('SELECT COUNT(*) FROM r GROUP BY HOP(ts, 5s, 10s), ROLLUP(site, sensor)')))), ['site,sensor', 'site', '']);
  assert.deepEqual(setNames(agg(plan(sink('SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, 10s), CUBE(site, sensor)')))), ['site,sensor', 'site', 'sensor', '']);
  assert.deepEqual(setNames(agg(plan(sink('SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, 10s), site, ROLLUP(sensor)')))), ['site,sensor', 'site']);
});

test('the window inside every set, and the table-function form', () => {
  const a = agg(plan(sink('SELECT COUNT(*) FROM r GROUP BY GROUPING SETS ((TUMBLE(ts, 10s), sensor), (TUMBLE(ts, 10s)))')));
  assert.equal(a.kind, 'windowAgg');
  assert.deepEqual(setNames(a), ['sensor', '']);
  const t = agg(plan(sink('SELECT window_start, site, COUNT(*) FROM TUMBLE(r, ts, 10s) GROUP BY window_start, window_end, GROUPING SETS ((site), ())')));
  assert.equal(t.kind, 'windowAgg');
  assert.deepEqual(setNames(t), ['site', '']);
});

test('GROUPING and GROUPING_ID read the bits, first argument most significant; 0 without grouping sets', () => {
  const p = plan(sink('SELECT GROUPING(sensor) AS g1, GROUPING_ID(sensor, site) AS g2 FROM r GROUP BY TUMBLE(ts, 10s), CUBE(sensor, site)'));
  const text = explainPlan(p);
  assert.match(text, /\$grouping\.sensor AS g1, \(\$grouping\.sensor \* 2\) \+ \$grouping\.site AS g2/);
  assert.match(explainPlan(plan(sink('SELECT sensor, GROUPING(sensor) AS g FROM r GROUP BY sensor'))), /0 AS g/);
});

test('unwindowed: a GroupAggregate with the sets, updating; its Kafka sink key is none (a key column is NULL in rolled-up rows)', () => {
  const p = plan(sink('SELECT site, sensor, COUNT(*) FROM r GROUP BY ROLLUP(site, sensor)'));
  const n = agg(p) as GroupAggNode;
  assert.equal(n.kind, 'groupAgg');
  assert.deepEqual(streamKey(p, n.id), [0, 1, 2, 3]);
  const q = (parseStatement('SELECT site, sensor, COUNT(*) FROM r GROUP BY ROLLUP(site, sensor)') as { query: Query }).query;
  assert.deepEqual(defaultSinkKey(q, [{ name: 'site' }, { name: 'sensor' }, { name: 'count' }] as never, true), []);
});

test('EXPLAIN lists the sets and the state per set', () => {
  const text = explainPlan(plan(sink('SELECT sensor, site, COUNT(*) FROM r GROUP BY TUMBLE(ts, 10s), GROUPING SETS ((sensor, site), (site), ())')));
  assert.match(text, /keys=\[sensor, site\] sets=\[\(sensor, site\), \(site\), \(\)\] \(one group per set per row\)/);
  assert.match(text, /window end × grouping set × key → accumulators \(3 sets\)/);
});

test("the oracle uses DuckDB's GROUPING SETS with the window in each set and grouping() for the bits", () => {
  const p = plan(sink('SELECT sensor, COUNT(*) FROM r GROUP BY TUMBLE(ts, 10s), ROLLUP(sensor)'));
  const sql = translatePlan(p, p.sinks[0]!);
  assert.match(sql, /GROUP BY GROUPING SETS \(\(__k0, __ws\), \(__ws\)\) HAVING count\(\*\) > 0/);
  assert.match(sql, /grouping\(__k0\) AS c1/);
});

test('scale-out: only a key in every set pins a group to a partition', () => {
  const whole = statefulKeying(plan(sink('SELECT sensor, COUNT(*) FROM r GROUP BY TUMBLE(ts, 10s), sensor, ROLLUP(site)')));
  assert.equal(whole[0]!.partitionLocal, true);
  const rolled = statefulKeying(plan(sink('SELECT sensor, COUNT(*) FROM r GROUP BY TUMBLE(ts, 10s), ROLLUP(sensor, site)')));
  assert.equal(rolled[0]!.partitionLocal, false);
});

test('refused: a set without the window, with a caret on the set and a hint', () => {
  const d = diag(sink('SELECT COUNT(*) FROM r GROUP BY GROUPING SETS ((TUMBLE(ts, 10s), sensor), (sensor))'));
  assert.match(d.message, /this grouping set has no window: every set of a windowed aggregate must hold TUMBLE\(ts, 10s\)/);
  assert.equal(d.line, 3);
  assert.equal(d.column, 1 + sink('SELECT COUNT(*) FROM r GROUP BY GROUPING SETS ((TUMBLE(ts, 10s), sensor), (sensor))').indexOf('(sensor))'));
  assert.match(d.hint ?? '', /GROUP BY TUMBLE\(ts, 10s\), GROUPING SETS/);
  assert.match(d.rendered, /\^/);
});

test('refused: a set listed twice, SESSION windows, windows without a watermark, CUBE of too many columns, GROUPING of a non-key', () => {
  assert.match(diag(sink('SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, 10s), GROUPING SETS ((sensor, site), (site, sensor))')).message, /listed twice/);
  assert.match(diag(sink('SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, 10s), GROUPING SETS ((sensor), ()), ROLLUP(sensor)')).message, /listed twice/);
  const s = diag(sink('SELECT COUNT(*) FROM r GROUP BY SESSION(ts, 10s), ROLLUP(sensor)'));
  assert.match(s.message, /not supported over SESSION windows/);
  assert.match(s.hint ?? '', /TUMBLE or HOP/);
  assert.match(diag(sink('SELECT COUNT(*) FROM nw GROUP BY TUMBLE(ts, 10s), ROLLUP(sensor)')).message, /not supported over a window without a watermark/);
  assert.match(diag(sink('SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, 10s), CUBE(sensor, site, v, sensor || site, v + 1, v * 2, site || sensor)')).message, /CUBE of 7 columns makes 128 grouping sets/);
  const g = diag(sink('SELECT GROUPING(v) FROM r GROUP BY TUMBLE(ts, 10s), ROLLUP(sensor)'));
  assert.match(g.message, /GROUPING takes grouping columns, and this is not one/);
  assert.match(diag(sink('SELECT DISTINCT sensor FROM r GROUP BY ROLLUP(sensor)')).message, /SELECT DISTINCT cannot be combined with GROUP BY/);
});

test('refused with the reason: GROUPING outside SELECT and HAVING of a GROUP BY, an empty ROLLUP', () => {
  const w = diag(sink('SELECT sensor FROM r WHERE GROUPING(sensor) = 0 GROUP BY ROLLUP(sensor)'));
  assert.match(w.message, /GROUPING\(\) is only allowed in the SELECT list and HAVING of a GROUP BY query/);
  assert.match(diag(sink('SELECT GROUPING(sensor) FROM r')).message, /only allowed in the SELECT list and HAVING/);
  const r = diag(sink('SELECT COUNT(*) FROM r GROUP BY TUMBLE(ts, 10s), ROLLUP()'));
  assert.match(r.message, /ROLLUP\(\.\.\.\) is a GROUP BY item with at least one column/);
  assert.match(r.hint ?? '', /GROUP BY TUMBLE\(ts, 10s\), ROLLUP\(site, sensor\)/);
});

test('a CUMULATE table function: window_end in every set', () => {
  const d = diag(sink('SELECT COUNT(*) FROM CUMULATE(r, ts, 1s, 4s) GROUP BY GROUPING SETS ((window_start, window_end, site), (window_start))'));
  assert.match(d.message, /every grouping set over a CUMULATE table function must hold window_end/);
  assert.equal(agg(plan(sink('SELECT site, COUNT(*) FROM CUMULATE(r, ts, 1s, 4s) GROUP BY window_start, window_end, ROLLUP(site)'))).kind, 'windowAgg');
});
