// The kafka source against a real broker: JSON values, KEY columns (text and JSON keys),
// metadata columns, bounded = 'latest', per-partition watermarks, idle partitions, and
// dead letters written to a topic with the original message.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { broker, createTopic, produceMessages, readAll, unique } from './broker.js';
import { compareSql, runSql } from './job.js';
import { renderComparison } from '../../src/oracle/index.js';

const BASE = Date.parse('2024-05-20T10:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '');

test('reads JSON values, text and JSON keys, and _partition/_offset/_timestamp', async () => {
  await broker();
  const topic = unique('src-keys');
  await createTopic(topic, 2);
  const messages = Array.from({ length: 20 }, (_, i) => ({
    key: JSON.stringify({ sensor: `Sensor${i % 3}`, site: i % 2 === 0 ? 'north' : 'south' }),
    value: JSON.stringify({ ts: iso(BASE + i * 100), value: i }),
    partition: i % 2,
    timestamp: String(BASE + 5000 + i),
  }));
  await produceMessages(topic, messages);
  const { sinks, summary } = await runSql(`
    CREATE SOURCE raw (sensor VARCHAR KEY, site VARCHAR KEY, value INT, ts TIMESTAMP,
                       _partition INT, _offset BIGINT, _timestamp TIMESTAMP)
    WITH (connector = 'kafka', topic = '${topic}', bounded = 'latest', group = '${unique('g')}');
    SELECT sensor, site, value, _partition, _offset, _timestamp FROM raw;`, { capture: true });
  assert.equal(summary.metrics.sources[0]!.recordsIn, 20);
  const rows = sinks.get('query')!.rows.sort((a, b) => (a[2] as number) - (b[2] as number));
  assert.equal(rows.length, 20);
  rows.forEach((r, i) => {
    assert.equal(r[0], `Sensor${i % 3}`);
    assert.equal(r[1], i % 2 === 0 ? 'north' : 'south');
    assert.equal(r[3], i % 2);
    assert.equal(r[4], Math.floor(i / 2), 'offsets count per partition');
    assert.equal(r[5], (BASE + 5000 + i) * 1000, '_timestamp is the record timestamp in micros');
  });

  // One VARCHAR KEY column takes the key text as it is.
  const text = unique('src-textkey');
  await createTopic(text);
  await produceMessages(text, [{ key: 'Sensor7', value: '{"value": 1}' }, { key: null, value: '{"value": 2}' }]);
  const r2 = await runSql(`
    CREATE SOURCE raw (sensor VARCHAR KEY, value INT) WITH (connector = 'kafka', topic = '${text}', bounded = 'latest');
    SELECT sensor, value FROM raw;`, { capture: true });
  assert.deepEqual(r2.sinks.get('query')!.rows, [['Sensor7', 1], [null, 2]]);
});

test('bounded = latest stops at the end offsets taken at start, and compare equals DuckDB over a 3-partition topic', async () => {
  await broker();
  const topic = unique('src-compare');
  await createTopic(topic, 3);
  // 600 readings, up to 3 s out of order, spread over 3 partitions by key.
  const messages = Array.from({ length: 600 }, (_, i) => {
    const sensor = `Sensor${(i * 7) % 5}`;
    return { key: sensor, value: JSON.stringify({ ts: iso(BASE + i * 250 - ((i * 37) % 3000)), value: (i * 13) % 101 }) };
  });
  await produceMessages(topic, messages);
  const sql = `
    CREATE SOURCE raw (sensor VARCHAR KEY, value INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
    WITH (connector = 'kafka', topic = '${topic}', bounded = 'latest');
    CREATE SINK agg AS SELECT sensor, window_start, COUNT(*) AS n, MIN(value) AS lo, MAX(value) AS hi, AVG(value) AS mean
    FROM raw GROUP BY sensor, TUMBLE(ts, 10s);`;
  const result = await compareSql(sql);
  for (const c of result.comparisons) {
    assert.ok(c.engineRows > 0);
    assert.ok(c.equal, renderComparison([c]));
  }
  assert.equal(result.summary.metrics.sources[0]!.recordsIn, 600);
});

test('per-partition watermarks: a partition running ahead does not make another late', async () => {
  await broker();
  const topic = unique('src-pwm');
  await createTopic(topic, 2);
  // Partition 0 is a minute ahead of partition 1; both are in order.
  const p0 = Array.from({ length: 50 }, (_, i) => ({ partition: 0, value: JSON.stringify({ ts: iso(BASE + 60_000 + i * 1000), v: 1 }) }));
  const p1 = Array.from({ length: 50 }, (_, i) => ({ partition: 1, value: JSON.stringify({ ts: iso(BASE + i * 1000), v: 1 }) }));
  await produceMessages(topic, [...p0, ...p1]);
  const { summary, sinks } = await runSql(`
    CREATE SOURCE raw (v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)
    WITH (connector = 'kafka', topic = '${topic}', bounded = 'latest');
    SELECT window_start, SUM(v) AS n FROM raw GROUP BY TUMBLE(ts, 10s);`, { capture: true });
  assert.equal(summary.metrics.sources[0]!.late, 0, 'no row is late');
  // Each partition's own watermark (its last event time), records read, nothing left unread.
  assert.deepEqual(summary.metrics.sources[0]!.partitions, [
    { partition: 0, watermark: (BASE + 60_000 + 49_000) * 1000, idle: false, records: 50, lag: 0 },
    { partition: 1, watermark: (BASE + 49_000) * 1000, idle: false, records: 50, lag: 0 },
  ]);
  const total = sinks.get('query')!.rows.reduce((s, r) => s + (r[1] as number), 0);
  assert.equal(total, 100);
});

test('idle_timeout: when every partition is quiet the watermark follows the clock and windows close', async () => {
  await broker();
  const topic = unique('src-idle');
  await createTopic(topic, 2);
  // Old event times on one partition only; the other partition never sends.
  await produceMessages(topic, Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: JSON.stringify({ ts: iso(BASE + i * 1000), v: 1 }) })));
  const controller = new AbortController();
  let closed = 0;
  const timeout = setTimeout(() => controller.abort(), 20_000);
  // Without idle partitions the silent partition 1 would hold the watermark at -inf forever.
  const { sinks, summary } = await runSql(`
    CREATE SOURCE raw (v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
    WITH (connector = 'kafka', topic = '${topic}', idle_timeout = '300ms', group = '${unique('g')}');
    SELECT window_start, SUM(v) AS n FROM raw GROUP BY TUMBLE(ts, 5s);`, {
    capture: true,
    signal: controller.signal,
    onRows: (_, rows) => {
      closed += rows.length;
      if (closed >= 2) controller.abort();
    },
  });
  clearTimeout(timeout);
  assert.ok(summary.aborted, 'the unbounded job was still running');
  const rows = sinks.get('query')!.rows;
  assert.deepEqual(rows.map((r) => r[1]).sort(), [5, 5], 'both windows closed while the job was still running');
});

test('dead letters go to a topic with the original key, value and headers, the reason, partition and offset', async () => {
  await broker();
  const topic = unique('src-dlq');
  const dlq = `${topic}.dlq`;
  await createTopic(topic);
  await produceMessages(topic, [
    { key: 'Sensor1', value: JSON.stringify({ ts: iso(BASE), value: 1 }) },
    { key: 'Sensor2', value: '{not json', headers: { uuid: 'u-2' } },
    { key: 'Sensor3', value: JSON.stringify({ ts: iso(BASE), value: 'abc' }), headers: { uuid: 'u-3' } },
    { key: 'Sensor4', value: JSON.stringify({ value: 4 }) },
  ]);
  const { summary, sinks } = await runSql(`
    CREATE SOURCE raw (sensor VARCHAR KEY, value INT, ts TIMESTAMP, WATERMARK FOR ts AS ts)
    WITH (connector = 'kafka', topic = '${topic}', bounded = 'latest', dead_letter = '${dlq}');
    SELECT sensor, value FROM raw;`, { capture: true });
  assert.equal(sinks.get('query')!.rows.length, 1);
  assert.equal(summary.metrics.sources[0]!.deadLetters, 3);
  const dead = await readAll(dlq);
  assert.equal(dead.length, 3);
  const h = (m: (typeof dead)[number], k: string): string | undefined => m.headers?.[k]?.toString();
  assert.deepEqual(dead.map((m) => m.key?.toString()), ['Sensor2', 'Sensor3', 'Sensor4']);
  assert.equal(dead[0]!.value?.toString(), '{not json', 'the original value, unchanged');
  assert.equal(h(dead[0]!, 'uuid'), 'u-2', 'original headers kept');
  assert.equal(h(dead[1]!, 'uuid'), 'u-3');
  assert.match(h(dead[0]!, 'sluice.reason')!, /not valid JSON/);
  assert.match(h(dead[1]!, 'sluice.reason')!, /column 'value': expected INT/);
  assert.match(h(dead[2]!, 'sluice.reason')!, /missing event time 'ts'/);
  assert.deepEqual(dead.map((m) => [h(m, 'sluice.topic'), h(m, 'sluice.partition'), h(m, 'sluice.offset')]), [
    [topic, '0', '1'],
    [topic, '0', '2'],
    [topic, '0', '3'],
  ]);
});

test('late rows go to a topic with the original key', async () => {
  await broker();
  const topic = unique('src-late');
  await createTopic(topic);
  await produceMessages(topic, [
    { key: 'a', value: JSON.stringify({ ts: iso(BASE + 20_000) }) },
    { key: 'b', value: JSON.stringify({ ts: iso(BASE) }), headers: { uuid: 'late-1' } },
  ]);
  const { summary } = await runSql(`
    CREATE SOURCE raw (k VARCHAR KEY, ts TIMESTAMP, WATERMARK FOR ts AS ts)
    WITH (connector = 'kafka', topic = '${topic}', bounded = 'latest', late = '${topic}.late');
    SELECT window_start, COUNT(*) AS n FROM raw GROUP BY TUMBLE(ts, 10s);`, { capture: true });
  assert.equal(summary.metrics.sources[0]!.late, 1);
  const late = await readAll(`${topic}.late`);
  assert.equal(late.length, 1);
  assert.equal(late[0]!.key?.toString(), 'b');
  assert.equal(late[0]!.headers?.['uuid']?.toString(), 'late-1');
  assert.match(late[0]!.headers?.['sluice.reason']?.toString() ?? '', /closed at watermark/);
  assert.equal(late[0]!.headers?.['sluice.offset']?.toString(), '1');
});

// With kafkajs retrying, the job never ends: the timeout fails the test.
test('a batch the engine fails on ends the job with that error, once (kafkajs would retry the batch)', { timeout: 30_000 }, async () => {
  await broker();
  const topic = unique('src-fail');
  await createTopic(topic);
  await produceMessages(topic, Array.from({ length: 50 }, (_, i) => ({ key: null, value: JSON.stringify({ value: i }) })));
  let calls = 0;
  const started = Date.now();
  // Unbounded: only the failure can end this job.
  await assert.rejects(
    runSql(
      `CREATE SOURCE raw (value INT) WITH (connector = 'kafka', topic = '${topic}', group = '${unique('g')}');
       SELECT value FROM raw;`,
      {
        capture: true,
        onRows: () => {
          calls++;
          throw new Error('sink is broken');
        },
      },
    ),
    /sink is broken/,
  );
  assert.equal(calls, 1, 'the failed batch is not handed to the engine again');
  assert.ok(Date.now() - started < 20_000, `the job ended at once, not after kafkajs's retries (${Date.now() - started} ms)`);
});
