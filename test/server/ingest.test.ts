// HTTP ingest into an `http` source: in memory and backed by a Kafka topic on the real broker.
// Accepted records reach the job's results; rejected ones are reported per index with the
// decoder's reason and land in the job's dead letters with their request and index.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, ingest, request, serve, type TestServer } from './helpers.js';
import { broker, unique } from '../kafka/broker.js';

let s: TestServer;
before(async () => {
  s = await serve();
});
after(async () => {
  await s.close();
});

function clicksJob(path: string, extra = ''): string {
  return `CREATE SOURCE clicks (user_id VARCHAR, n INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'http', path = '${path}'${extra});
SELECT user_id, SUM(n) AS total FROM clicks GROUP BY user_id;`;
}

/** The latest value per key of the job's (changelog) console sink, from its snapshot rows. */
async function totals(id: string): Promise<Map<string, number>> {
  const job = s.server.jobs.get(id);
  const out = new Map<string, number>();
  // The hub's snapshot as a new client would get it.
  const { events } = await import('./helpers.js');
  const st = await events(s.base, `/api/jobs/${id}/events`);
  const snap = await st.until((e) => e.event === 'snapshot');
  st.close();
  const sink = snap.data.sinks[0];
  sink.rows.forEach((r: [string, number], i: number) => {
    const op = sink.ops[i];
    if (op === '+I' || op === '+U') out.set(r[0], r[1]);
    else out.delete(r[0]);
  });
  void job;
  return out;
}

test('in-memory http source: JSON object, array and JSON lines; 200, 207, 400, 413, 415, 404; dead letters with reason and position', async () => {
  const path = `/ingest/${unique('clicks')}`;
  const created = await request(s.base, 'POST', '/api/jobs', { sql: clicksJob(path, ", max_body = '2KB'") });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id;
  const one = await ingest(s.base, path, '{"user_id": "a", "n": 1, "ts": "2024-05-20T10:00:00Z"}');
  assert.equal(one.status, 200);
  assert.deepEqual(one.json, { accepted: 1, rejected: [] });
  const some = await ingest(s.base, path, JSON.stringify([{ user_id: 'a', n: 2, ts: '2024-05-20T10:00:01Z' }, { user_id: 'b', n: 'many', ts: '2024-05-20T10:00:01Z' }, { user_id: 'b', n: 5, ts: 1716199202000 }]));
  assert.equal(some.status, 207);
  assert.equal(some.json.accepted, 2);
  assert.deepEqual(some.json.rejected.map((r: { index: number }) => r.index), [1]);
  assert.match(some.json.rejected[0].reason, /column 'n': expected INT/);
  const lines = await ingest(s.base, path, '{"user_id":"c","n":7,"ts":"2024-05-20T10:00:03Z"}\n\n{"user_id":"c","n":\n{"user_id":"c","ts":null}\n', 'application/x-ndjson');
  assert.equal(lines.status, 207);
  assert.equal(lines.json.accepted, 1);
  assert.deepEqual(lines.json.rejected.map((r: { index: number }) => r.index), [2, 3]);
  assert.match(lines.json.rejected[0].reason, /not valid JSON/);
  assert.match(lines.json.rejected[1].reason, /missing event time 'ts'/);
  const none = await ingest(s.base, path, '[{"user_id": 1}]');
  assert.equal(none.status, 400);
  assert.equal(none.json.accepted, 0);
  assert.equal((await ingest(s.base, path, '[{"user_id": ')).status, 400);
  const big = await ingest(s.base, path, JSON.stringify(Array.from({ length: 100 }, () => ({ user_id: 'a', n: 1, ts: '2024-05-20T10:00:00Z' }))));
  assert.equal(big.status, 413);
  const type = await ingest(s.base, path, 'user_id=a', 'application/x-www-form-urlencoded');
  assert.equal(type.status, 415);
  assert.equal((await request(s.base, 'POST', '/ingest/nobody-here', '{}', { 'content-type': 'application/json' })).status, 404);

  const result = await eventually(async () => {
    const t = await totals(id);
    return t.get('a') === 3 && t.get('b') === 5 && t.get('c') === 7 ? t : undefined;
  }, 'the accepted records in the results');
  assert.equal(result.size, 3);
  const dead = await eventually(async () => {
    const r = (await request(s.base, 'GET', `/api/jobs/${id}/dead-letters`)).json.rows;
    return r.length === 4 ? r : undefined;
  }, 'four dead letters');
  assert.deepEqual(dead[0].position, { request: 2, index: 1 });
  assert.match(dead[0].reason, /column 'n': expected INT/);
  assert.match(dead[0].record, /"many"/);
  assert.equal((await request(s.base, 'GET', `/api/jobs/${id}`)).json.metrics.deadLetters, 4);
  const jsonl = await request(s.base, 'GET', `/api/jobs/${id}/dead-letters?format=jsonl&limit=2`);
  assert.match(String(jsonl.headers['content-type']), /ndjson/);
  assert.equal(jsonl.text.trim().split('\n').length, 2);
  await request(s.base, 'DELETE', `/api/jobs/${id}`);
  assert.equal((await request(s.base, 'POST', path, '{}', { 'content-type': 'application/json' })).status, 404, 'a deleted job no longer takes records');
});

test('a full in-memory queue answers 503 with Retry-After instead of growing', async () => {
  const path = `/ingest/${unique('small')}`;
  const { id } = (await request(s.base, 'POST', '/api/jobs', { sql: clicksJob(path, ", max_queue = '3'") })).json;
  const r = await ingest(s.base, path, JSON.stringify(Array.from({ length: 4 }, (_, i) => ({ user_id: 'a', n: i, ts: '2024-05-20T10:00:00Z' }))));
  assert.equal(r.status, 503);
  assert.equal(r.headers['retry-after'], '1');
  assert.equal((await ingest(s.base, path, '{"user_id":"a","n":1,"ts":"2024-05-20T10:00:00Z"}')).status, 200);
  await request(s.base, 'DELETE', `/api/jobs/${id}`);
});

test('Kafka-backed http source: accepted records are produced to the topic before the answer and read back by the job; rejected ones are dead letters', { timeout: 120_000 }, async () => {
  const brokers = await broker();
  const topic = unique('ingest');
  const path = `/ingest/${topic}`;
  const created = await request(s.base, 'POST', '/api/jobs', { sql: clicksJob(path, `, topic = '${topic}', brokers = '${brokers}'`) });
  assert.equal(created.status, 201, created.text);
  const id = created.json.id;
  const r = await ingest(s.base, path, JSON.stringify([{ user_id: 'k', n: 4, ts: '2024-05-20T10:00:00Z' }, { user_id: 'k', n: 'x', ts: '2024-05-20T10:00:00Z' }, { user_id: 'm', n: 6, ts: '2024-05-20T10:00:01Z' }]));
  assert.equal(r.status, 207, r.text);
  assert.equal(r.json.accepted, 2);
  // Durable before the answer: the topic already holds both accepted records.
  const { port } = await import('../kafka/broker.js');
  const kafka = await port();
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.topicOffsets(topic);
    assert.equal(offsets.reduce((a, p) => a + Number(p.high - p.low), 0), 2);
  } finally {
    await admin.disconnect();
  }
  await eventually(async () => {
    const t = await totals(id);
    return t.get('k') === 4 && t.get('m') === 6 ? t : undefined;
  }, 'the produced records in the results', 60_000);
  const dead = await eventually(async () => {
    const d = (await request(s.base, 'GET', `/api/jobs/${id}/dead-letters`)).json.rows;
    return d.length === 1 ? d : undefined;
  }, 'the rejected record as a dead letter');
  assert.deepEqual(dead[0].position, { request: 1, index: 1 });
  await request(s.base, 'DELETE', `/api/jobs/${id}`);
});
