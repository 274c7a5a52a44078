// Submitted jobs outlive `sluice serve`: a server started again on the same state directory lists
// them with the same ids, running ones resume from their checkpoints (totals neither reset nor
// doubled), a stopped one stays stopped until restarted, a deleted one is gone; jobs.json is the
// registry, and new ids do not reuse old ones.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { events, eventually, ingest, request, serve, type TestServer } from './helpers.js';
import { broker, unique } from '../kafka/broker.js';

function job(p: string, extra = ''): string {
  return `CREATE SOURCE clicks (user_id VARCHAR, n INT) WITH (connector = 'http', path = '${p}'${extra});
SELECT user_id, SUM(n) AS total FROM clicks GROUP BY user_id;`;
}

async function total(s: TestServer, id: string): Promise<number | undefined> {
  const st = await events(s.base, `/api/jobs/${id}/events`);
  const snap = await st.until((e) => e.event === 'snapshot');
  st.close();
  const { rows, ops } = snap.data.sinks[0];
  for (let i = rows.length - 1; i >= 0; i--) if (rows[i][0] === 'a' && (ops[i] === '+I' || ops[i] === '+U')) return rows[i][1];
  return undefined;
}

const until = (s: TestServer, id: string, v: number) => eventually(async () => ((await total(s, id)) === v ? true : undefined), `${id}: total ${v}`, 60_000);
const post = (s: TestServer, p: string, n: number) => ingest(s.base, p, JSON.stringify({ user_id: 'a', n }));

test('jobs survive a restart of the server on the same state directory', { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-serve-registry-'));
  const brokers = await broker();
  const memPath = `/ingest/${unique('reg-mem')}`;
  const topic = unique('reg-kafka');
  const kafkaPath = `/ingest/${topic}`;
  const stoppedPath = `/ingest/${unique('reg-stopped')}`;
  let s = await serve({ dir });
  try {
    const mem = (await request(s.base, 'POST', '/api/jobs', { sql: job(memPath), name: 'in memory' })).json;
    const kafka = (await request(s.base, 'POST', '/api/jobs', { sql: job(kafkaPath, `, topic = '${topic}', brokers = '${brokers}'`), name: 'kafka' })).json;
    const stopped = (await request(s.base, 'POST', '/api/jobs', { sql: job(stoppedPath), name: 'stopped' })).json;
    const gone = (await request(s.base, 'POST', '/api/jobs', { sql: job(`/ingest/${unique('reg-gone')}`), name: 'gone' })).json;
    for (const [j, p] of [[mem, memPath], [kafka, kafkaPath], [stopped, stoppedPath]] as const) {
      assert.equal((await post(s, p, 1)).status, 200);
      assert.equal((await post(s, p, 2)).status, 200);
      await until(s, j.id, 3);
    }
    assert.equal((await request(s.base, 'POST', `/api/jobs/${stopped.id}/stop`)).json.status, 'stopped');
    assert.equal((await request(s.base, 'DELETE', `/api/jobs/${gone.id}`)).status, 200);
    await s.close();

    const registry = JSON.parse(fs.readFileSync(path.join(dir, 'state', 'jobs.json'), 'utf8'));
    assert.deepEqual(
      registry.jobs.map((e: { id: string; name: string; stopped: boolean }) => [e.id, e.name, e.stopped]),
      [[mem.id, 'in memory', false], [kafka.id, 'kafka', false], [stopped.id, 'stopped', true]],
    );
    assert.deepEqual(fs.readdirSync(path.join(dir, 'state')).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');

    s = await serve({ dir });
    const listed = (await request(s.base, 'GET', '/api/jobs')).json.jobs;
    assert.deepEqual(listed.map((j: { id: string }) => j.id), [mem.id, kafka.id, stopped.id]);
    const byId = new Map(listed.map((j: { id: string }) => [j.id, j]));
    assert.equal((byId.get(mem.id) as { sql: string }).sql, job(memPath));
    assert.equal((byId.get(stopped.id) as { status: string }).status, 'stopped');
    assert.equal((await request(s.base, 'GET', `/api/jobs/${gone.id}`)).status, 404);

    // Resumed from the checkpoints: 3 + 4, not 4 (state reset) nor 10 (the topic read again).
    for (const [j, p] of [[mem, memPath], [kafka, kafkaPath]] as const) {
      assert.equal((await post(s, p, 4)).status, 200);
      await until(s, j.id, 7);
    }
    // The stopped one takes no records until restarted, then continues from its checkpoint.
    assert.equal((await post(s, stoppedPath, 4)).status, 404);
    assert.equal((await request(s.base, 'POST', `/api/jobs/${stopped.id}/restart`, {})).status, 200);
    assert.equal((await post(s, stoppedPath, 4)).status, 200);
    await until(s, stopped.id, 7);
    const fresh = (await request(s.base, 'POST', '/api/jobs', { sql: job(`/ingest/${unique('reg-new')}`), name: 'gone' })).json;
    assert.notEqual(fresh.id, gone.id, 'a deleted job id is not handed out again');
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'state', 'jobs.json'), 'utf8')).jobs.find((e: { id: string }) => e.id === stopped.id).stopped, false);
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a state directory whose jobs.json is not a registry is refused, naming the file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-serve-registry-'));
  try {
    fs.mkdirSync(path.join(dir, 'state'));
    fs.writeFileSync(path.join(dir, 'state', 'jobs.json'), '{"jobs": 3}');
    await assert.rejects(serve({ dir }), /jobs\.json is not a job registry/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a registry that cannot be written: a submit is refused naming the file, nothing starts; a stop still stops, with a warning', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-serve-registry-'));
  const s = await serve({ dir });
  const warnings: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  try {
    const keptPath = `/ingest/${unique('reg-kept')}`;
    const kept = (await request(s.base, 'POST', '/api/jobs', { sql: job(keptPath), name: 'kept' })).json;
    // The registry file replaced by a directory with something in it: every rename onto it fails
    // (as on a read-only or full disk; root ignores file modes, so a mode would not do here).
    const file = path.join(dir, 'state', 'jobs.json');
    fs.rmSync(file);
    fs.mkdirSync(path.join(file, 'blocker'), { recursive: true });

    const newPath = `/ingest/${unique('reg-refused')}`;
    const refused = await request(s.base, 'POST', '/api/jobs', { sql: job(newPath), name: 'refused' });
    assert.equal(refused.status, 500);
    assert.match(refused.json.error.message, /^job not started: cannot write the job registry .*jobs\.json: EISDIR/);
    assert.match(refused.json.error.hint, /writable .*--state-dir/);
    assert.deepEqual((await request(s.base, 'GET', '/api/jobs')).json.jobs.map((j: { id: string }) => j.id), [kept.id], 'the refused job is not listed');
    assert.equal((await post(s, newPath, 1)).status, 404, "the refused job's ingest path is not open");
    assert.deepEqual(fs.readdirSync(path.join(dir, 'state')).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');

    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      warnings.push(String(chunk));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    const stopped = await request(s.base, 'POST', `/api/jobs/${kept.id}/stop`);
    assert.equal(stopped.status, 200);
    assert.equal(stopped.json.status, 'stopped');
    assert.ok(
      warnings.some((w) => w.includes(`job '${kept.id}' stopped, but cannot write the job registry`) && w.includes('will not know it was stopped')),
      `a warning names the job and the file: ${warnings.join('')}`,
    );
  } finally {
    process.stderr.write = write;
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
