// The console's HTTP API on a real server (ephemeral port): every endpoint, bad input with its
// position, unknown jobs, size and content-type limits, concurrent submissions, a client that
// leaves mid-stream, the token.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { events, eventually, request, serve, type TestServer } from './helpers.js';

let s: TestServer;
before(async () => {
  s = await serve();
});
after(async () => {
  await s.close();
});

const BOUNDED = `CREATE SOURCE r WITH (connector = 'datagen', generator = 'sensors', count = '200');
SELECT sensor, COUNT(*) AS n FROM r GROUP BY sensor;`;
const LIVE = 'SELECT sensor, window_start, AVG(value) AS v FROM sensors GROUP BY sensor, TUMBLE(ts, 1s);';

test('GET /api/catalog lists the demo sources with columns and watermark, functions and keywords', async () => {
  const r = await request(s.base, 'GET', '/api/catalog');
  assert.equal(r.status, 200);
  const sensors = r.json.sources.find((x: { name: string }) => x.name === 'sensors');
  assert.equal(sensors.connector, 'datagen');
  assert.deepEqual(sensors.columns.map((c: { name: string }) => c.name), ['sensor', 'value', 'ts']);
  assert.match(sensors.watermark, /^ts - /);
  assert.ok(r.json.functions.includes('COUNT') && r.json.functions.includes('TUMBLE'));
  assert.ok(r.json.keywords.includes('SELECT'));
});

test('POST /api/check: no diagnostics when fine, the position and hint of each problem otherwise', async () => {
  assert.deepEqual((await request(s.base, 'POST', '/api/check', { sql: LIVE })).json, { diagnostics: [] });
  const r = await request(s.base, 'POST', '/api/check', { sql: 'SELECT sensor,\n  vlaue FROM sensors;' });
  assert.equal(r.status, 200);
  const [d] = r.json.diagnostics;
  assert.match(d.message, /vlaue/);
  assert.equal(d.line, 2);
  assert.equal(d.column, 3);
  assert.match(d.hint, /value/);
});

test('POST /api/explain: the plan, or 400 with line, column and caret', async () => {
  const ok = await request(s.base, 'POST', '/api/explain', { sql: LIVE });
  assert.equal(ok.status, 200);
  assert.match(ok.json.plan, /TUMBLE|windowAgg|Window/i);
  const bad = await request(s.base, 'POST', '/api/explain', { sql: 'SELECT FROM WHERE;' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.line, 1);
  assert.equal(typeof bad.json.error.column, 'number');
  assert.match(bad.json.error.caret, /\^/);
});

test('POST /api/compare: a bounded job equals DuckDB; an unbounded one is a 400 with the reason', async () => {
  const ok = await request(s.base, 'POST', '/api/compare', { sql: BOUNDED });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.sinks.length, 1);
  assert.equal(ok.json.sinks[0].equal, true);
  const live = await request(s.base, 'POST', '/api/compare', { sql: LIVE });
  assert.equal(live.status, 400);
  assert.match(live.json.error.message, /bounded|unbounded|end/i);
});

test('bad requests: malformed JSON, a missing field, another content type, an oversized body, an unknown endpoint', async () => {
  const malformed = await request(s.base, 'POST', '/api/jobs', '{"sql": "SELECT 1" ', { 'content-type': 'application/json' });
  assert.equal(malformed.status, 400);
  assert.match(malformed.json.error.message, /not valid JSON/);
  const missing = await request(s.base, 'POST', '/api/jobs', { name: 'x' });
  assert.equal(missing.status, 400);
  assert.match(missing.json.error.message, /'sql'/);
  const type = await request(s.base, 'POST', '/api/jobs', 'sql=1', { 'content-type': 'text/plain' });
  assert.equal(type.status, 415);
  const big = await request(s.base, 'POST', '/api/check', { sql: `-- ${'x'.repeat(2 * 1024 * 1024)}\nSELECT 1;` });
  assert.equal(big.status, 413);
  const none = await request(s.base, 'GET', '/api/nothing');
  assert.equal(none.status, 404);
  assert.ok(none.json.error.message);
  const method = await request(s.base, 'PUT', '/api/jobs');
  assert.equal(method.status, 405);
});

test('POST /api/jobs with bad SQL: 400 with its position, and no job is created', async () => {
  const before = (await request(s.base, 'GET', '/api/jobs')).json.jobs.length;
  const r = await request(s.base, 'POST', '/api/jobs', { sql: "CREATE SOURCE x (a INT) WITH (connector = 'datagen');\nSELECT b FROM x;" });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.line, 2);
  assert.equal(r.json.error.column, 8);
  assert.equal((await request(s.base, 'GET', '/api/jobs')).json.jobs.length, before);
});

test('unknown job ids are 404 on every job endpoint', async () => {
  for (const [m, p] of [
    ['GET', '/api/jobs/nope'],
    ['POST', '/api/jobs/nope/stop'],
    ['POST', '/api/jobs/nope/restart'],
    ['DELETE', '/api/jobs/nope'],
    ['GET', '/api/jobs/nope/explain'],
    ['GET', '/api/jobs/nope/state'],
    ['GET', '/api/jobs/nope/watermarks'],
    ['GET', '/api/jobs/nope/late'],
    ['GET', '/api/jobs/nope/dead-letters'],
    ['GET', '/api/jobs/nope/events'],
  ] as const) {
    const r = await request(s.base, m, p);
    assert.equal(r.status, 404, `${m} ${p}`);
    assert.match(r.json.error.message, /no job with id 'nope'/);
  }
});

test('a job: submitted, listed, running with metrics, explained, state and watermarks, stopped, deleted', async () => {
  const created = await request(s.base, 'POST', '/api/jobs', { sql: LIVE, name: 'live avg' });
  assert.equal(created.status, 201);
  const id = created.json.id as string;
  assert.equal(created.json.name, 'live avg');
  assert.deepEqual(created.json.sinks[0].columns.map((c: { name: string }) => c.name), ['sensor', 'window_start', 'v']);
  assert.equal(created.json.sinks[0].windowed, true);
  assert.equal(created.json.sinks[0].updating, false);
  assert.ok((await request(s.base, 'GET', '/api/jobs')).json.jobs.some((j: { id: string }) => j.id === id));
  const running = await eventually(async () => {
    const j = (await request(s.base, 'GET', `/api/jobs/${id}`)).json;
    return j.status === 'running' && j.metrics.rowsOut > 0 ? j : undefined;
  }, 'rows out');
  assert.ok(running.metrics.rowsIn > 0);
  assert.equal(typeof running.metrics.lagMs, 'number');
  assert.match((await request(s.base, 'GET', `/api/jobs/${id}/explain`)).json.plan, /sensors/);
  const state = (await request(s.base, 'GET', `/api/jobs/${id}/state`)).json;
  assert.equal(state.operators[0].kind, 'windowAgg');
  assert.equal(typeof state.operators[0].tables[0].rowsMemory, 'number');
  assert.ok(state.checkpoint !== null, 'the first checkpoint is taken at the start');
  const wm = (await request(s.base, 'GET', `/api/jobs/${id}/watermarks`)).json;
  assert.equal(wm.sources[0].name, 'sensors');
  assert.match(wm.sources[0].watermark, /^\d{4}-/);
  assert.match(wm.operators[0].openWindows[0]?.reason ?? 'waiting', /waiting|held back/);
  assert.deepEqual((await request(s.base, 'GET', `/api/jobs/${id}/late?limit=5`)).json, { rows: [] });
  assert.equal((await request(s.base, 'GET', `/api/jobs/${id}/late?limit=x`)).status, 400);
  const stopped = await request(s.base, 'POST', `/api/jobs/${id}/stop`);
  assert.equal(stopped.json.status, 'stopped');
  const dir = path.join(s.dir, 'state', id);
  assert.ok(fs.existsSync(dir));
  assert.equal((await request(s.base, 'DELETE', `/api/jobs/${id}`)).status, 200);
  assert.equal((await request(s.base, 'GET', `/api/jobs/${id}`)).status, 404);
  assert.ok(!fs.existsSync(dir), 'its state is removed');
});

test('a bounded job finishes', async () => {
  const { id } = (await request(s.base, 'POST', '/api/jobs', { sql: BOUNDED })).json;
  const done = await eventually(async () => {
    const j = (await request(s.base, 'GET', `/api/jobs/${id}`)).json;
    return j.status === 'finished' ? j : undefined;
  }, 'the job to finish');
  assert.equal(done.metrics.rowsIn, 200);
});

test('ten concurrent submissions get distinct ids and all run', async () => {
  const rs = await Promise.all(Array.from({ length: 10 }, () => request(s.base, 'POST', '/api/jobs', { sql: LIVE, name: 'same' })));
  assert.deepEqual(rs.map((r) => r.status), Array(10).fill(201));
  const ids = rs.map((r) => r.json.id as string);
  assert.equal(new Set(ids).size, 10);
  for (const id of ids) {
    await eventually(async () => ((await request(s.base, 'GET', `/api/jobs/${id}`)).json.metrics.rowsIn > 0 ? true : undefined), `job ${id} to read`);
  }
  await Promise.all(ids.map((id) => request(s.base, 'DELETE', `/api/jobs/${id}`)));
});

test('events: a snapshot, then rows, status and watermarks; a client that leaves is forgotten and the job goes on', async () => {
  const { id } = (await request(s.base, 'POST', '/api/jobs', { sql: LIVE })).json;
  const job = s.server.jobs.get(id);
  const stream = await events(s.base, `/api/jobs/${id}/events`);
  assert.equal(stream.status, 200);
  const snap = await stream.until((e) => e.event === 'snapshot');
  assert.equal(snap.data.sinks[0].sink, 'query');
  const rows = await stream.until((e) => e.event === 'rows');
  assert.equal(rows.data.rows[0].length, 3);
  assert.match(rows.data.rows[0][1], /^\d{4}-\d\d-\d\dT/);
  assert.equal(rows.data.ops[0], '+I');
  await stream.until((e) => e.event === 'status');
  await stream.until((e) => e.event === 'watermark');
  assert.equal(job.hub.clientCount, 1);
  stream.close();
  await eventually(() => (job.hub.clientCount === 0 ? true : undefined), 'the hub to forget the client');
  const out = job.metrics().rowsOut;
  await eventually(() => (job.metrics().rowsOut > out ? true : undefined), 'more rows after the client left');
  assert.equal(job.status, 'running');
  // A new client's snapshot holds the rows so far.
  const again = await events(s.base, `/api/jobs/${id}/events`);
  const snap2 = await again.until((e) => e.event === 'snapshot');
  assert.ok(snap2.data.sinks[0].rows.length > 0);
  const stopping = request(s.base, 'POST', `/api/jobs/${id}/stop`);
  const end = await again.until((e) => e.event === 'end');
  assert.equal(end.data.status, 'stopped');
  await stopping;
  again.close();
});

test('GET /api/openapi.json describes every path; GET / answers the page (or says it is not built)', async () => {
  const r = await request(s.base, 'GET', '/api/openapi.json');
  assert.equal(r.status, 200);
  assert.match(r.json.openapi, /^3\./);
  for (const p of ['/api/jobs', '/api/jobs/{id}', '/api/jobs/{id}/events', '/api/catalog', '/api/check', '/api/explain', '/api/compare', '/ingest/{path}']) assert.ok(r.json.paths[p], p);
  const page = await request(s.base, 'GET', '/');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
});

test('with a token: 401 without it or with a wrong one, on the API, the page and the event stream; Bearer and ?token= pass', async () => {
  const t = await serve({ token: 's3cret' });
  try {
    assert.equal((await request(t.base, 'GET', '/api/jobs')).status, 401);
    assert.equal((await request(t.base, 'GET', '/api/jobs', undefined, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await request(t.base, 'GET', '/api/jobs?token=s3cre')).status, 401);
    assert.equal((await request(t.base, 'GET', '/')).status, 401);
    assert.equal((await request(t.base, 'POST', '/ingest/x', '{}', { 'content-type': 'application/json' })).status, 401);
    assert.equal((await request(t.base, 'GET', '/api/jobs', undefined, { authorization: 'Bearer s3cret' })).status, 200);
    assert.equal((await request(t.base, 'GET', '/api/jobs?token=s3cret')).status, 200);
    const { id } = (await request(t.base, 'POST', '/api/jobs?token=s3cret', { sql: LIVE })).json;
    const denied = await events(t.base, `/api/jobs/${id}/events`);
    assert.equal(denied.status, 401);
    denied.close();
    const ok = await events(t.base, `/api/jobs/${id}/events?token=s3cret`);
    assert.equal(ok.status, 200);
    await ok.until((e) => e.event === 'snapshot');
    ok.close();
  } finally {
    await t.close();
  }
});
