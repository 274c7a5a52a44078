// Kafka-shaped inputs without a broker: message keys (KEY columns), headers, partitions and
// their offsets through the Kafka decoder; per-partition watermarks moved by `idle` markers and
// `watermark:` steps, which change what is late; dead letters with their Kafka position.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTestFile } from '../../../src/testkit/runner.js';
import { PLAIN, renderFile } from '../../../src/testkit/report-text.js';
import { InMemoryReader, Arrival } from '../../../src/testkit/reader.js';
import { KafkaRecord } from '../../../src/connectors/kafka/record.js';
import type { SourceRecord } from '../../../src/connectors/connector.js';
import { loadTestFile } from '../../../src/testkit/load.js';
import { fixture, KAFKA_JOB, WINDOW_JOB } from './helpers.js';

async function pass(sql: string, yaml: string): Promise<void> {
  const r = await runTestFile(fixture(sql, yaml));
  assert.equal(r.error, undefined, r.error);
  for (const c of r.cases) assert.ok(c.pass, renderFile(r, PLAIN).join('\n'));
}

test('KEY columns come from the message key, _partition from the partition; dead letters carry topic, partition, offset', async () => {
  await pass(
    KAFKA_JOB,
    `cases:
  - name: keys and partitions
    sources:
      raw:
        - {sensor: a, value: 1, ts: 2024-05-20T10:00:01Z, _partition: 1, _headers: {source: plant-7}}
        - {_key: b, value: 2, ts: 2024-05-20T10:00:02Z}
        - {raw: '{"value": oops', _key: c, _partition: 1}
        - {sensor: d, value: 4, ts: 2024-05-20T10:00:03Z, _partition: 1}
    expect:
      seen:
        - {sensor: a, value: 1, p: 1}
        - {sensor: b, value: 2, p: 0}
        - {sensor: d, value: 4, p: 1}
      raw.dead_letter:
        - {position: {topic: readings, partition: 1, offset: 1}, at: partition 1 offset 1}
`,
  );
});

test('the in-memory Kafka reader builds messages with key, headers, partition and offsets per partition', async () => {
  const file = fixture(
    KAFKA_JOB,
    `cases:
  - name: m
    sources:
      raw:
        - {sensor: a, value: 1, ts: 2024-05-20T10:00:01Z, _partition: 2, _headers: {source: plant-7}}
        - {sensor: b, value: 2, ts: 2024-05-20T10:00:02Z, _partition: 2, _timestamp: 1716199999000}
    expect:
      seen: []
`,
  );
  const tf = loadTestFile(file);
  const node = tf.plan.nodes.find((n) => n.kind === 'source')!;
  assert.equal(node.kind, 'source');
  if (node.kind !== 'source') return;
  const reader = new InMemoryReader(node.source, tf.cases[0]!.inputs[0]!, new Arrival(tf.cases[0]!.inputs), true, 1_000_000);
  const got: SourceRecord[] = [];
  reader.watchPartitions!({ assigned: () => {}, idle: () => {} });
  await reader.run((recs) => void got.push(...recs), new AbortController().signal);
  const [m1, m2] = got as KafkaRecord[];
  assert.ok(m1 instanceof KafkaRecord && m2 instanceof KafkaRecord);
  assert.equal(m1.key?.toString(), 'a');
  assert.equal(m1.partition, 2);
  assert.equal(m1.offset, 0);
  assert.equal(m2.offset, 1);
  assert.equal((m1.headers?.['source'] as Buffer).toString(), 'plant-7');
  assert.equal(JSON.parse(m1.value).value, 1);
  assert.equal(m1.timestamp, Date.parse('2024-05-20T10:00:01Z'));
  assert.equal(m2.timestamp, 1716199999000);
});

const PARTITIONS = (idle: string) => `cases:
  - name: partitions
    sources:
      raw:
        - {sensor: a, value: 1, ts: 2024-05-20T10:00:02Z, _partition: 1}
        - {sensor: a, value: 2, ts: 2024-05-20T10:00:20Z, _partition: 0}
${idle}        - {sensor: a, value: 3, ts: 2024-05-20T10:00:05Z, _partition: 0}
    expect:
`;

test('a lagging partition holds the watermark back; marking it idle lets the others move it, and a row becomes late', async () => {
  await pass(
    KAFKA_JOB,
    `${PARTITIONS('')}      agg:
        - {sensor: a, window_start: 2024-05-20T10:00:00Z, n: 2}
        - {sensor: a, window_start: 2024-05-20T10:00:20Z, n: 1}
      raw.late: []
`,
  );
  await pass(
    KAFKA_JOB,
    `${PARTITIONS('        - idle: 1\n')}      agg:
        - {sensor: a, window_start: 2024-05-20T10:00:00Z, n: 1}
        - {sensor: a, window_start: 2024-05-20T10:00:20Z, n: 1}
      raw.late:
        - {event_time: 2024-05-20T10:00:05Z, watermark: 2024-05-20T10:00:19Z, at: partition 0 offset 1}
`,
  );
});

test('a watermark step closes windows without a row, so a row after it is late', async () => {
  const yaml = (step: string) => `cases:
  - name: step
    sources:
      raw:
        - {sensor: a, value: 1, ts: 2024-05-20T10:00:01Z}
${step}        - {sensor: a, value: 2, ts: 2024-05-20T10:00:15Z}
    expect:
      agg:
        - {sensor: a, window_start: 2024-05-20T10:00:00Z, n: 1, mean: 1}
${step ? '' : '        - {sensor: a, window_start: 2024-05-20T10:00:10Z, n: 1, mean: 2}\n'}      raw.late:
${step ? '        - {event_time: 2024-05-20T10:00:15Z, watermark: 2024-05-20T10:00:30Z}\n' : '        []\n'}`;
  await pass(WINDOW_JOB, yaml(''));
  await pass(WINDOW_JOB, yaml('        - watermark: 2024-05-20T10:00:30Z\n'));
});

test('a Kafka table: rows upsert by the message key, `raw: null` is a tombstone deleting its key from its record timestamp', async () => {
  const sql = `CREATE SOURCE readings (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'r.jsonl');
CREATE TABLE rates (k VARCHAR, rate DOUBLE, ts TIMESTAMP, PRIMARY KEY (k), WATERMARK FOR ts AS ts) WITH (connector = 'kafka', topic = 'rates', bounded = 'latest');
CREATE SINK out WITH (connector = 'file', path = 'o.jsonl') AS SELECT r.k, r.ts, t.rate FROM readings AS r LEFT JOIN rates FOR SYSTEM_TIME AS OF r.ts AS t ON r.k = t.k;
`;
  // the same messages and readings as test/kafka/table.test.ts, which runs them on a broker
  await pass(
    sql,
    `cases:
  - name: upserts and a tombstone
    sources:
      rates:
        - {k: a, rate: 1, ts: 2024-05-20T10:00:00Z}
        - {k: b, rate: 2, ts: 2024-05-20T10:00:00Z}
        - {raw: null, _key: b, _timestamp: 2024-05-20T10:00:05Z}
        - {k: a, rate: 3, ts: 2024-05-20T10:00:10Z}
        - {k: c, rate: 9, ts: 2024-05-20T10:00:20Z}
      readings:
        - {k: a, ts: 2024-05-20T10:00:03Z}
        - {k: b, ts: 2024-05-20T10:00:02Z}
        - {k: b, ts: 2024-05-20T10:00:07Z}
        - {k: a, ts: 2024-05-20T10:00:12Z}
        - {k: b, ts: 2024-05-20T10:00:15Z}
    expect:
      out:
        - {k: a, ts: 2024-05-20T10:00:03Z, rate: 1}
        - {k: a, ts: 2024-05-20T10:00:12Z, rate: 3}
        - {k: b, ts: 2024-05-20T10:00:02Z, rate: 2}
        - {k: b, ts: 2024-05-20T10:00:07Z, rate: null}
        - {k: b, ts: 2024-05-20T10:00:15Z, rate: null}
      rates.dead_letter: []
`,
  );
});

test('a Kafka sink row may give its message key, _key, as the sink writes it (the group key; none without one)', async () => {
  await pass(
    KAFKA_JOB,
    `cases:
  - name: keys out
    sources:
      raw:
        - {sensor: a, value: 1, ts: 2024-05-20T10:00:01Z}
        - {sensor: b, value: 2, ts: 2024-05-20T10:00:02Z}
    expect:
      agg:
        - {_key: a, sensor: a, window_start: 2024-05-20T10:00:00Z, n: 1}
        - {_key: b, sensor: b, window_start: 2024-05-20T10:00:00Z, n: 1}
      seen:
        - {_key: null, sensor: a, value: 1, p: 0}
        - {sensor: b, value: 2, p: 0}
`,
  );
  const r = await runTestFile(
    fixture(
      KAFKA_JOB,
      `cases:
  - name: wrong key
    sources:
      raw:
        - {sensor: a, value: 1, ts: 2024-05-20T10:00:01Z}
    expect:
      agg:
        - {_key: '{"sensor":"a"}', sensor: a, window_start: 2024-05-20T10:00:00Z, n: 1}
`,
    ),
  );
  assert.equal(r.cases[0]!.pass, false);
  assert.deepEqual(r.cases[0]!.outputs[0]!.changed[0]!.columns, ['_key']);
});

test('while every partition is idle the watermark follows the wall clock, as a live Kafka source does', async () => {
  await pass(
    KAFKA_JOB,
    `cases:
  - name: all idle
    sources:
      raw:
        - {sensor: a, value: 1, ts: 2024-05-20T10:00:01Z}
        - idle
        - {sensor: a, value: 2, ts: 2024-05-20T10:00:02Z}
    expect:
      agg:
        - {sensor: a, window_start: 2024-05-20T10:00:00Z, n: 1}
      raw.late:
        - {event_time: 2024-05-20T10:00:02Z, watermark: {between: [2025-01-01T00:00:00Z, 2999-01-01T00:00:00Z]}}
`,
  );
});
