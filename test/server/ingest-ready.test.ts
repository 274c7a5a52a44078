// An http source's path takes requests from the moment its job is accepted: POSTs sent right
// after the submit (before the job's reader runs) wait for it and are never answered 404, in
// memory and backed by a Kafka topic; a second job on a held path fails with the reason.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, request, serve, type TestServer } from './helpers.js';
import { broker, unique } from '../kafka/broker.js';

let s: TestServer;
before(async () => {
  s = await serve();
});
after(async () => {
  await s.close();
});

function job(path: string, extra = ''): string {
  return `CREATE SOURCE clicks (user_id VARCHAR, n INT) WITH (connector = 'http', path = '${path}'${extra});
SELECT user_id, SUM(n) AS total FROM clicks GROUP BY user_id;`;
}

const post = (path: string, body: unknown) => request(s.base, 'POST', path, JSON.stringify(body), { 'content-type': 'application/json' });

async function total(id: string, user: string): Promise<number | undefined> {
  const { events } = await import('./helpers.js');
  const st = await events(s.base, `/api/jobs/${id}/events`);
  const snap = await st.until((e) => e.event === 'snapshot');
  st.close();
  const { rows, ops } = snap.data.sinks[0];
  for (let i = rows.length - 1; i >= 0; i--) if (rows[i][0] === user && (ops[i] === '+I' || ops[i] === '+U')) return rows[i][1];
  return undefined;
}

test('POSTs right after the submit, without retries: never 404, every record counted, in memory', async () => {
  // Several jobs submitted at once, each posted to at once (the requests race the jobs' starts).
  const paths = Array.from({ length: 4 }, () => `/ingest/${unique('ready')}`);
  const ids = await Promise.all(
    paths.map(async (path) => {
      const created = await request(s.base, 'POST', '/api/jobs', { sql: job(path) });
      assert.equal(created.status, 201, created.text);
      const answers = await Promise.all([1, 2, 3].map((n) => post(path, { user_id: 'a', n })));
      for (const a of answers) assert.equal(a.status, 200, `${path}: ${a.status} ${a.text}`);
      return created.json.id as string;
    }),
  );
  for (const id of ids) await eventually(async () => ((await total(id, 'a')) === 6 ? true : undefined), `job ${id} to count 6`);
  // Restarted, the path takes requests at once again.
  const id = ids[0]!;
  assert.equal((await request(s.base, 'POST', `/api/jobs/${id}/restart`, {})).status, 200);
  assert.equal((await post(paths[0]!, { user_id: 'a', n: 10 })).status, 200);
  await eventually(async () => ((await total(id, 'a')) === 16 ? true : undefined), 'the total after the restart');
  for (const i of ids) await request(s.base, 'DELETE', `/api/jobs/${i}`);
  assert.equal((await post(paths[0]!, { user_id: 'a', n: 1 })).status, 404, 'a deleted job no longer takes records');
});

test('Kafka-backed: a POST right after the submit waits for the topic and is produced before the answer', { timeout: 120_000 }, async () => {
  const brokers = await broker();
  const topic = unique('ready');
  const path = `/ingest/${topic}`;
  const created = await request(s.base, 'POST', '/api/jobs', { sql: job(path, `, topic = '${topic}', brokers = '${brokers}'`) });
  assert.equal(created.status, 201, created.text);
  const r = await post(path, [{ user_id: 'k', n: 4 }, { user_id: 'k', n: 5 }]);
  assert.equal(r.status, 200, r.text);
  await eventually(async () => ((await total(created.json.id, 'k')) === 9 ? true : undefined), 'k = 9', 60_000);
  await request(s.base, 'DELETE', `/api/jobs/${created.json.id}`);
});

test('a second job on a path another job holds fails with the reason; the first keeps it', async () => {
  const path = `/ingest/${unique('held')}`;
  const first = (await request(s.base, 'POST', '/api/jobs', { sql: job(path) })).json.id;
  const second = (await request(s.base, 'POST', '/api/jobs', { sql: job(path) })).json.id;
  const failed = await eventually(async () => {
    const j = (await request(s.base, 'GET', `/api/jobs/${second}`)).json;
    return j.status === 'failed' ? j : undefined;
  }, 'the second job to fail');
  assert.match(failed.error, new RegExp(`already takes POSTs at ${path}`));
  assert.equal((await post(path, { user_id: 'z', n: 2 })).status, 200);
  await eventually(async () => ((await total(first, 'z')) === 2 ? true : undefined), 'the first job to count it');
  for (const i of [first, second]) await request(s.base, 'DELETE', `/api/jobs/${i}`);
});
