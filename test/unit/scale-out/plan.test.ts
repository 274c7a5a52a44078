// The planning side of scale-out: which stateful operators are keyed by the message key (and so
// can run one task per partition), how a plan is cut in two stages around a repartition, and how
// partitions are spread over processes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { statefulKeying } from '../../../src/exec/scale-out/partitioning.js';
import { splitForRepartition, REPARTITION_SINK } from '../../../src/exec/scale-out/repartition.js';
import { assignTasks } from '../../../src/exec/scale-out/assigner.js';
import { ConnectorError } from '../../../src/connectors/connector.js';

const SOURCE = `CREATE SOURCE ev (sensor VARCHAR KEY, site VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '2' SECOND)
  WITH (connector = 'kafka', topic = 'in', group = 'g', bounded = 'latest', rate = '10', brokers = 'b:9092');
`;

function plan(sql: string) {
  const s = loadScriptText(SOURCE + sql, 'job.sql', process.cwd(), new Catalog());
  return planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false });
}

test('an aggregate keyed by the KEY column is partition-local, through views, renames and filters', () => {
  const p = plan(`CREATE VIEW hot AS SELECT sensor AS s, v, ts FROM ev WHERE v > 3;
CREATE SINK o WITH (connector = 'kafka', topic = 'o') AS SELECT s, COUNT(*) AS n FROM hot GROUP BY s, TUMBLE(ts, 10s);`);
  assert.deepEqual(
    statefulKeying(p).map((k) => [k.kind, k.partitionLocal]),
    [['windowAgg', true]],
  );
  assert.equal(splitForRepartition(p, 'rep', 'g2'), undefined);
});

test('an aggregate by another column, or by an expression of the key, is not partition-local', () => {
  for (const by of ['site', 'UPPER(sensor)', 'site, v']) {
    const p = plan(`CREATE SINK o WITH (connector = 'kafka', topic = 'o') AS SELECT ${by.split(',')[0]} AS x, COUNT(*) AS n FROM ev GROUP BY ${by}, TUMBLE(ts, 10s);`);
    const k = statefulKeying(p);
    assert.equal(k.length, 1);
    assert.equal(k[0]!.partitionLocal, false, by);
    assert.match(k[0]!.reason!, /does not group by ev\.sensor \(a KEY column\) unchanged/);
  }
  const lag = plan(`CREATE SINK o WITH (connector = 'kafka', topic = 'o') AS SELECT sensor, v - LAG(v) OVER (PARTITION BY sensor ORDER BY ts) AS d FROM ev;`);
  assert.deepEqual(statefulKeying(lag).map((k) => [k.kind, k.partitionLocal]), [['lag', true]]);
  const over = plan(`CREATE SINK o WITH (connector = 'kafka', topic = 'o') AS SELECT sensor, AVG(v) OVER (PARTITION BY sensor ORDER BY ts ROWS 4 PRECEDING) AS a FROM ev;`);
  assert.deepEqual(statefulKeying(over).map((k) => [k.kind, k.partitionLocal]), [['overWindow', true]]);
  const bySite = plan(`CREATE SINK o WITH (connector = 'kafka', topic = 'o') AS SELECT site, LEAD(v) OVER (PARTITION BY site ORDER BY ts) AS nx FROM ev;`);
  assert.deepEqual(statefulKeying(bySite).map((k) => [k.kind, k.partitionLocal]), [['overWindow', false]]);
  assert.equal(bySite.nodes[splitForRepartition(bySite, 'rep', 'g2')!.operator]!.kind, 'overWindow');
});

test('a repartitioned plan: stage 1 is the stateless prefix writing to the topic, stage 2 reads it with the watermark from marks', () => {
  const p = plan(`CREATE SINK o WITH (connector = 'kafka', topic = 'o') AS
  SELECT site, window_start, COUNT(*) AS n, MAX(v) AS hi FROM ev WHERE v >= 0 GROUP BY site, TUMBLE(ts, 10s) HAVING COUNT(*) > 1;`);
  const s = splitForRepartition(p, 'g-repartition', 'g-stage2')!;
  assert.ok(s);
  const agg = p.nodes[s.operator]!;
  assert.equal(agg.kind, 'windowAgg');
  // Stage 1: every node before the aggregate, then the repartition sink in its place.
  assert.deepEqual(s.first.nodes.map((n) => n.kind), [...p.nodes.slice(0, s.operator).map((n) => n.kind), 'sink']);
  const sink = s.first.nodes.at(-1)!;
  assert.ok(sink.kind === 'sink' && sink.sink.name === REPARTITION_SINK && sink.sink.options['topic'] === 'g-repartition');
  assert.deepEqual(sink.inputs, agg.inputs);
  assert.deepEqual(sink.schema.map((c) => c.name), p.nodes[agg.inputs[0]!]!.schema.map((c) => c.name));
  // Stage 2: a source over the topic with the aggregate's input columns, then the rest, renumbered.
  const src = s.second.nodes[0]!;
  assert.ok(src.kind === 'source');
  assert.equal(src.source.options['topic'], 'g-repartition');
  assert.equal(src.source.options['group'], 'g-stage2');
  assert.equal(src.source.options['brokers'], 'b:9092', 'client options carry over');
  for (const gone of ['bounded', 'rate', 'startup']) assert.equal(src.source.options[gone], undefined, gone);
  assert.ok(src.source.columns.every((c) => !c.key), 'stage 2 reads every column from the value');
  assert.deepEqual(src.watermark, { column: src.schema.findIndex((c) => c.name === 'ts'), delayMicros: 0, fromMarkers: true });
  assert.deepEqual(s.second.nodes.map((n) => n.kind), ['source', ...p.nodes.slice(s.operator).map((n) => n.kind)]);
  s.second.nodes.forEach((n, i) => {
    assert.equal(n.id, i);
    for (const j of n.inputs) assert.ok(j < i);
  });
  assert.deepEqual(s.second.nodes[1]!.inputs, [0]);
  assert.deepEqual(s.second.sinks, [s.second.nodes.length - 1]);
});

test('plans that cannot be cut once are refused', () => {
  const two = plan(`CREATE VIEW per_site AS SELECT site, window_start AS ws, COUNT(*) AS n FROM ev GROUP BY site, TUMBLE(ts, 10s);
CREATE SINK o WITH (connector = 'kafka', topic = 'o') AS SELECT n, COUNT(*) AS c FROM per_site GROUP BY n;`);
  assert.throws(() => splitForRepartition(two, 't', 'g2'), (e: unknown) => e instanceof ConnectorError && /repartitions once/.test(e.message));
  const side = plan(`CREATE SINK raw WITH (connector = 'kafka', topic = 'r') AS SELECT * FROM ev;
CREATE SINK o WITH (connector = 'kafka', topic = 'o') AS SELECT site, COUNT(*) AS n FROM ev GROUP BY site, TUMBLE(ts, 10s);`);
  assert.throws(() => splitForRepartition(side, 't', 'g2'), (e: unknown) => e instanceof ConnectorError && /one pipeline through operator/.test(e.message));
});

test('partitions spread evenly over the processes, the same answer on every member', () => {
  assert.deepEqual([...assignTasks(['b', 'a'], 4)], [['a', [0, 2]], ['b', [1, 3]]]);
  assert.deepEqual([...assignTasks(['m1'], 3)], [['m1', [0, 1, 2]]]);
  const three = assignTasks(['z', 'y', 'x'], 8);
  assert.deepEqual([...three.values()].map((ps) => ps.length), [3, 3, 2]);
  assert.deepEqual([...three.values()].flat().sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
});
