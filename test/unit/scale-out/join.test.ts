// Scale-out of interval joins (join-keying.ts): a join of two Kafka sources keyed by their KEY
// columns on the join key runs one task per partition, and so does an aggregate after it keyed
// by either side's key; any other join is refused with the reason, before the job starts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { statefulKeying } from '../../../src/exec/scale-out/partitioning.js';
import { scaleOutLayout, scaleOutProblem } from '../../../src/exec/scale-out/runner.js';

const WITH = (topic: string) => `WITH (connector = 'kafka', topic = '${topic}', group = 'g', bounded = 'latest', brokers = 'b:9092')`;
const SOURCES = `CREATE SOURCE o (id VARCHAR KEY, amount INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) ${WITH('orders')};
CREATE SOURCE p (id VARCHAR KEY, paid INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) ${WITH('payments')};
CREATE SOURCE q (n BIGINT KEY, id VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) ${WITH('q')};
CREATE SOURCE r (n INT KEY, id VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) ${WITH('r')};
CREATE SOURCE u (id VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) ${WITH('u')};
CREATE SOURCE o2 (id VARCHAR KEY, amount INT, ts TIMESTAMP, WATERMARK FOR ts AS ts) ${WITH('orders')};
`;
const BOUND = 'AND p.ts BETWEEN o.ts AND o.ts + INTERVAL \'1\' MINUTE';

function plan(query: string) {
  const s = loadScriptText(`${SOURCES}CREATE SINK s WITH (connector = 'kafka', topic = 'out') AS ${query};`, 'job.sql', process.cwd(), new Catalog());
  return planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false });
}

test('a join on both sources\' KEY columns runs per partition, with no repartition', () => {
  const p = plan(`SELECT o.id, o.amount, p.paid, o.ts FROM o JOIN p ON o.id = p.id ${BOUND}`);
  assert.equal(scaleOutProblem(p), undefined);
  assert.deepEqual(statefulKeying(p).map((k) => [k.kind, k.partitionLocal]), [['intervalJoin', true]]);
  assert.equal(scaleOutLayout(p).stages, undefined);
  // Keys written the other way round, a residual, a LEFT JOIN, a self-join: the same.
  for (const q of [
    `SELECT o.id FROM o JOIN p ON p.id = o.id AND p.paid > o.amount ${BOUND}`,
    `SELECT o.id, p.paid FROM o LEFT JOIN p ON o.id = p.id ${BOUND}`,
    `SELECT o.id FROM o JOIN o AS p ON o.id = p.id ${BOUND}`,
  ]) assert.equal(scaleOutProblem(plan(q)), undefined, q);
});

test('a window after a co-partitioned join keyed by either side\'s key stays in the task; by another column it is refused', () => {
  for (const k of ['o.id', 'p.id', 'pid']) {
    const p = plan(`SELECT ${k === 'pid' ? 'pid' : 'id'}, window_start, SUM(paid) AS s FROM (SELECT o.id, p.id AS pid, p.paid, o.ts FROM o JOIN p ON o.id = p.id ${BOUND}) GROUP BY ${k === 'pid' ? 'pid' : 'id'}, TUMBLE(ts, 10s)`);
    assert.equal(scaleOutProblem(p), undefined, k);
    assert.deepEqual(statefulKeying(p).map((x) => x.partitionLocal), [true, true], k);
    assert.equal(scaleOutLayout(p).stages, undefined, k);
  }
  const p = plan(`SELECT paid, COUNT(*) AS n FROM (SELECT p.paid, o.ts FROM o JOIN p ON o.id = p.id ${BOUND}) GROUP BY paid, TUMBLE(ts, 10s)`);
  assert.throws(() => scaleOutLayout(p), /repartitions once, before its first stateful operator, and node \d+ \(intervalJoin\) keeps state/);
});

test('other joins are refused with the reason and a hint', () => {
  const cases: Array<[string, RegExp]> = [
    [`SELECT o.id FROM o JOIN p ON o.amount = p.paid ${BOUND}`, /does not join o\.id = p\.id \(KEY column 1 of each side\) unchanged/],
    [`SELECT o.id FROM o JOIN p ON UPPER(o.id) = UPPER(p.id) ${BOUND}`, /does not join o\.id = p\.id/],
    [`SELECT o.id FROM o JOIN u AS p ON o.id = p.id ${BOUND}`, /source 'u' declares no KEY column/],
    [`SELECT q.id FROM q JOIN r AS p ON q.n = p.n AND p.ts BETWEEN q.ts AND q.ts + 1s`, /does not join q\.n = r\.n|is BIGINT and r\.n is INT/],
    [`SELECT o.id FROM o JOIN o2 AS p ON o.id = p.id ${BOUND}`, /both sides read topic 'orders' through two sources/],
  ];
  for (const [q, reason] of cases) {
    const e = scaleOutProblem(plan(q));
    assert.ok(e, q);
    assert.match(e.message, /a scaled-out job runs a JOIN only when both sides are Kafka topics keyed by the join key/);
    assert.match(e.message, reason, q);
    assert.match(e.hint ?? '', /KEY column of both sources/);
  }
});
