// GET /api/jobs/:id/watermarks of a job over a partitioned Kafka topic (the real broker): the
// source's watermark is the one the engine runs on, the minimum over its partitions (exec/time.ts),
// never older than that minimum, and it moves with them.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, request, serve, type TestServer } from './helpers.js';
import { broker, createTopic, produceMessages, unique } from '../kafka/broker.js';

let s: TestServer;
before(async () => {
  s = await serve();
});
after(async () => {
  await s.close();
});

interface Marks {
  watermark: string | null;
  partitions: Array<{ partition: number; watermark: string | null; idle: boolean }>;
}

test('a Kafka source reports the minimum over its partitions as its watermark, in step with them', { timeout: 120_000 }, async () => {
  const brokers = await broker();
  const topic = unique('wm');
  await createTopic(topic, 2);
  const sql = `CREATE SOURCE r (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = '${topic}', brokers = '${brokers}', format = 'json');
SELECT k, window_start, COUNT(*) AS n FROM r GROUP BY k, TUMBLE(ts, 1s);`;
  const created = await request(s.base, 'POST', '/api/jobs', { sql });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id;
  // Before the job's first run there is no report yet.
  const read = async (): Promise<Marks> => (await request(s.base, 'GET', `/api/jobs/${id}/watermarks`)).json.sources[0] ?? { watermark: null, partitions: [] };
  const minimum = (m: Marks): string | null => {
    const ws = m.partitions.filter((p) => !p.idle).map((p) => p.watermark);
    return ws.includes(null) ? null : ws.sort()[0]!;
  };
  // Each step moves one partition; after each the source's watermark is exactly the minimum.
  const steps: Array<[number, string, string | null]> = [
    [0, '2024-05-20T10:00:00Z', null],
    [1, '2024-05-20T10:00:05Z', '2024-05-20T09:59:59.000Z'],
    [0, '2024-05-20T10:00:09Z', '2024-05-20T10:00:04.000Z'],
    [1, '2024-05-20T10:00:20Z', '2024-05-20T10:00:08.000Z'],
  ];
  for (const [partition, ts, want] of steps) {
    await produceMessages(topic, [{ partition, value: JSON.stringify({ k: `p${partition}`, ts }) }]);
    const m = await eventually(async () => {
      const x = await read();
      return x.partitions.find((p) => p.partition === partition)?.watermark === new Date(Date.parse(ts) - 1000).toISOString() ? x : undefined;
    }, `partition ${partition} at ${ts}`, 60_000);
    // The engine's watermark follows in the same batch: give it a moment, then it must equal the minimum.
    const settled = await eventually(async () => {
      const x = await read();
      return x.watermark === minimum(x) ? x : undefined;
    }, `the source's watermark to equal the minimum over partitions (last: ${JSON.stringify(m)})`, 5_000);
    assert.equal(settled.watermark, want, JSON.stringify(settled));
    assert.equal(minimum(settled), want);
  }
  await request(s.base, 'DELETE', `/api/jobs/${id}`);
});
