// The kafka sink against a real broker: messages keyed by the group key, JSON values, an
// updating result as an upsert stream with tombstones, `key = '...'`, and the honest refusal
// of exactly-once until checkpoints commit Kafka transactions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { broker, createTopic, produceMessages, readAll, unique } from './broker.js';
import { runSql } from './job.js';
import { commitGroups, kafkaSinkGuarantee } from '../../src/connectors/kafka/sink.js';
import type { SinkDef, SourceDef } from '../../src/catalog/catalog.js';

const BASE = Date.parse('2024-05-20T10:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '');

test('a windowed aggregate is written as JSON messages keyed by the group key', async () => {
  await broker();
  const input = unique('sink-in');
  const output = unique('sink-out');
  await createTopic(input);
  await produceMessages(
    input,
    Array.from({ length: 40 }, (_, i) => ({ key: `Sensor${i % 2}`, value: JSON.stringify({ ts: iso(BASE + i * 500), value: i }) })),
  );
  const { summary } = await runSql(`
    CREATE SOURCE raw (sensor VARCHAR KEY, value INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
    WITH (connector = 'kafka', topic = '${input}', bounded = 'latest');
    CREATE SINK agg WITH (connector = 'kafka', topic = '${output}', format = 'json') AS
    SELECT sensor, window_end AS time, STRUCT(COUNT(*) AS count, MIN(value) AS min, MAX(value) AS max) AS temperature
    FROM raw GROUP BY sensor, TUMBLE(ts, 10s);`);
  assert.equal(summary.metrics.sinks[0]!.rowsOut, 4);
  const out = await readAll(output);
  assert.equal(out.length, 4);
  const byKey = out.map((m) => [m.key?.toString(), JSON.parse(m.value!.toString()) as Record<string, unknown>] as const);
  assert.deepEqual(
    byKey.map(([k, v]) => [k, v['sensor'], v['time'], v['temperature']]).sort((a, b) => String(a[0]).localeCompare(String(b[0])) || String(a[2]).localeCompare(String(b[2]))),
    [
      ['Sensor0', 'Sensor0', '2024-05-20T10:00:10.000Z', { count: 10, min: 0, max: 18 }],
      ['Sensor0', 'Sensor0', '2024-05-20T10:00:20.000Z', { count: 10, min: 20, max: 38 }],
      ['Sensor1', 'Sensor1', '2024-05-20T10:00:10.000Z', { count: 10, min: 1, max: 19 }],
      ['Sensor1', 'Sensor1', '2024-05-20T10:00:20.000Z', { count: 10, min: 21, max: 39 }],
    ],
  );
});

test('an updating result is an upsert stream: the last message per key is the final row, a tombstone deletes', async () => {
  await broker();
  const input = unique('sink-up-in');
  const output = unique('sink-up-out');
  await createTopic(input);
  // Key a is seen twice, b once: the count-of-counts group n = 1 first holds a, then loses it.
  // One send per message and a tiny fetch size: each message is its own batch, so that the
  // engine emits every intermediate change rather than a batch's net result.
  for (const key of ['a', 'b', 'a', 'b']) await produceMessages(input, [{ key, value: '{"v":1}' }]);
  await runSql(`
    CREATE SOURCE raw (k VARCHAR KEY, v INT) WITH (connector = 'kafka', topic = '${input}', bounded = 'latest', fetch_max_bytes = '1');
    CREATE SINK counts WITH (connector = 'kafka', topic = '${output}') AS
    SELECT n, COUNT(*) AS keys FROM (SELECT k, COUNT(*) AS n FROM raw GROUP BY k) GROUP BY n;`);
  const out = await readAll(output);
  assert.ok(out.some((m) => m.value === null), 'a tombstone for the group that emptied');
  const table = new Map<string, unknown>();
  for (const m of out) {
    const key = m.key!.toString();
    if (m.value === null) table.delete(key);
    else table.set(key, JSON.parse(m.value.toString()));
  }
  assert.deepEqual([...table], [['2', { n: 2, keys: 2 }]]);
});

test("key = 'a, b' keys messages by a JSON object of those columns", async () => {
  await broker();
  const input = unique('sink-key-in');
  const output = unique('sink-key-out');
  await createTopic(input);
  await produceMessages(input, [{ value: '{"a":"x","b":1,"c":true}' }]);
  await runSql(`
    CREATE SOURCE raw (a VARCHAR, b INT, c BOOLEAN) WITH (connector = 'kafka', topic = '${input}', bounded = 'latest');
    CREATE SINK s WITH (connector = 'kafka', topic = '${output}', key = 'a, b') AS SELECT a, b, c FROM raw;`);
  const out = await readAll(output);
  assert.deepEqual(out.map((m) => [m.key?.toString(), m.value?.toString()]), [['{"a":"x","b":1}', '{"a":"x","b":1,"c":true}']]);
});

test("guarantee = 'exactly_once' is refused without checkpoints, and with a source that is not Kafka", async () => {
  const input = unique('sink-eo');
  await assert.rejects(
    runSql(`
      CREATE SOURCE raw (a VARCHAR) WITH (connector = 'kafka', topic = '${input}', bounded = 'latest');
      CREATE SINK s WITH (connector = 'kafka', topic = 'never', guarantee = 'exactly_once') AS SELECT a FROM raw;`),
    (e: Error & { hint?: string }) => {
      assert.match(e.message, /exactly_once.*commits output at checkpoints, and this job takes none/);
      assert.match(e.hint ?? '', /sluice run/);
      return true;
    },
  );
  const source = { name: 'gen', options: { connector: 'datagen' } } as unknown as SourceDef;
  const sink = { name: 's', options: { connector: 'kafka', topic: 'never', guarantee: 'exactly_once' } } as unknown as SinkDef;
  assert.throws(() => kafkaSinkGuarantee(sink, { job: 'j', sources: [source], checkpoints: true }), /source 'gen' is not a Kafka source/);
  const kafkaSrc = { name: 'raw', options: { connector: 'kafka', topic: 't' } } as unknown as SourceDef;
  const plain = { name: 's', options: { connector: 'kafka', topic: 'never' } } as unknown as SinkDef;
  assert.equal(kafkaSinkGuarantee(plain, { job: 'j', sources: [kafkaSrc], checkpoints: true }), 'exactly_once');
  assert.equal(kafkaSinkGuarantee(plain, { job: 'j', sources: [kafkaSrc, source], checkpoints: true }), 'at_least_once');
  assert.equal(kafkaSinkGuarantee(plain, { job: 'j', sources: [kafkaSrc], checkpoints: false }), 'at_least_once');
});

test('an updating result without a key is refused with a hint', async () => {
  await assert.rejects(
    runSql(`
      CREATE SOURCE raw (a VARCHAR) WITH (connector = 'kafka', topic = 'never', bounded = 'latest');
      CREATE SINK s WITH (connector = 'kafka', topic = 'never') AS SELECT COUNT(*) AS n FROM raw;`),
    (e: Error & { hint?: string }) => {
      assert.match(e.message, /upsert stream and needs a message key/);
      assert.match(e.hint ?? '', /key = /);
      return true;
    },
  );
});

test('each exactly-once sink of a source commits its markers to a group of its own: the first to the source\'s group, the others to <group>.sink-<name>', () => {
  const src = (name: string, topic: string, group: string): SourceDef => ({ name, options: { connector: 'kafka', topic, group } }) as unknown as SourceDef;
  const sink = (name: string, extra: Record<string, string> = {}): SinkDef => ({ name, options: { connector: 'kafka', topic: `${name}-out`, ...extra } }) as unknown as SinkDef;
  const [a, b] = [src('a', 'ta', 'g'), src('b', 'tb', 'g')];
  const ctx = (sources: SourceDef[], earlier: Array<{ def: SinkDef; sources: SourceDef[] }>) => ({ job: 'j', sources, checkpoints: true, earlier });
  // The only sink: the source's group, as before.
  assert.deepEqual(commitGroups(sink('agg'), ctx([a], [])), new Map([['a', 'g']]));
  // A second sink on source a: a group of its own; on source b (another topic of group g) the first.
  assert.deepEqual(commitGroups(sink('low'), ctx([a, b], [{ def: sink('agg'), sources: [a] }])), new Map([['a', 'g.sink-low'], ['b', 'g']]));
  // Earlier sinks that commit no offsets (at least once, a file) take no group.
  const earlier = [
    { def: sink('alo', { guarantee: 'at_least_once' }), sources: [a] },
    { def: { name: 'f', options: { connector: 'file', path: 'x' } } as unknown as SinkDef, sources: [a] },
  ];
  assert.deepEqual(commitGroups(sink('agg'), ctx([a], earlier)), new Map([['a', 'g']]));
});
