// A job's life on `sluice serve`: stop and restart from its checkpoint (state kept), restart
// fresh (state discarded); the process itself: SIGTERM stops every job with a final checkpoint
// and exits promptly; binding beyond loopback without a token is refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { events, eventually, ingest, request, serve } from './helpers.js';
import { unique } from '../kafka/broker.js';

const BIN = path.resolve('bin/sluice.js');

test('stop, restart from the checkpoint (state kept), restart fresh (state discarded)', { timeout: 120_000 }, async () => {
  const s = await serve();
  try {
    const p = `/ingest/${unique('restart')}`;
    const sql = `CREATE SOURCE clicks (user_id VARCHAR, n INT) WITH (connector = 'http', path = '${p}');
SELECT user_id, SUM(n) AS total FROM clicks GROUP BY user_id;`;
    const { id } = (await request(s.base, 'POST', '/api/jobs', { sql })).json;
    const latest = async (): Promise<number | undefined> => {
      const st = await events(s.base, `/api/jobs/${id}/events`);
      const snap = await st.until((e) => e.event === 'snapshot');
      st.close();
      const { rows, ops } = snap.data.sinks[0];
      for (let i = rows.length - 1; i >= 0; i--) if (rows[i][0] === 'a' && (ops[i] === '+I' || ops[i] === '+U')) return rows[i][1];
      return undefined;
    };
    const until = (v: number) => eventually(async () => ((await latest()) === v ? true : undefined), `total ${v}`);
    assert.equal((await ingest(s.base, p, '{"user_id": "a", "n": 1}')).status, 200);
    await until(1);
    assert.equal((await request(s.base, 'POST', `/api/jobs/${id}/stop`)).json.status, 'stopped');
    const summary = JSON.parse(fs.readFileSync(path.join(s.dir, 'state', id, 'checkpoint.json'), 'utf8'));
    assert.ok(summary.id >= 2, 'a final checkpoint after the first');
    assert.equal((await request(s.base, 'POST', `/api/jobs/${id}/restart`, {})).status, 200);
    assert.equal((await ingest(s.base, p, '{"user_id": "a", "n": 2}')).status, 200);
    await until(3);
    assert.equal((await request(s.base, 'POST', `/api/jobs/${id}/restart`, { fresh: true })).status, 200);
    assert.equal((await ingest(s.base, p, '{"user_id": "a", "n": 5}')).status, 200);
    await until(5);
    assert.equal((await request(s.base, 'POST', `/api/jobs/${id}/restart`, { fresh: 'yes' })).status, 400);
  } finally {
    await s.close();
  }
});

/** Spawns `sluice serve` with `args`; resolves with its URL once it serves, or its exit. */
function spawnServe(args: string[], env: Record<string, string> = {}, cwd = process.cwd()) {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd, env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = (async () => {
    for (;;) {
      const m = /serving the console on (http:\S+)/.exec(stderr);
      if (m) return m[1]!;
      if (child.exitCode !== null) return undefined;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { child, exited, url, stderr: () => stderr };
}

test('SIGTERM stops every job with a final checkpoint and exits promptly', { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-serve-term-'));
  try {
    fs.writeFileSync(path.join(dir, 'avg.sql'), "CREATE SINK out WITH (connector = 'file', path = 'out.jsonl') AS\nSELECT sensor, window_start, AVG(value) AS v FROM sensors GROUP BY sensor, TUMBLE(ts, 1s);\n");
    const st = path.join(dir, 'st');
    const p = spawnServe(['avg.sql', '--port', '0', '--state-dir', st], {}, dir);
    const url = await p.url;
    assert.ok(url, p.stderr());
    const base = url.replace(/\/$/, '');
    await eventually(async () => ((await request(base, 'GET', '/api/jobs/avg')).json.metrics.rowsOut > 0 ? true : undefined), 'rows out');
    const first = JSON.parse(fs.readFileSync(path.join(st, 'avg', 'checkpoint.json'), 'utf8')).id;
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    const { code } = await p.exited;
    const ms = Date.now() - t0;
    assert.equal(code, 0, p.stderr());
    assert.ok(ms < 10_000, `exited after ${ms} ms`);
    const last = JSON.parse(fs.readFileSync(path.join(st, 'avg', 'checkpoint.json'), 'utf8')).id;
    assert.ok(last > first, `a final checkpoint (${first} -> ${last})`);
    assert.ok(fs.readFileSync(path.join(dir, 'out.jsonl'), 'utf8').length > 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a host beyond loopback needs a token: refused without one, served with SLUICE_TOKEN', { timeout: 60_000 }, async () => {
  const refused = spawnServe(['--host', '0.0.0.0', '--port', '0'], { SLUICE_TOKEN: '' });
  // A server that started anyway is killed, so the test fails instead of hanging.
  const guard = setTimeout(() => refused.child.kill('SIGKILL'), 20_000);
  const { code } = await refused.exited;
  clearTimeout(guard);
  assert.equal(code, 2);
  assert.match(refused.stderr(), /--auth-token/);
  assert.doesNotMatch(refused.stderr(), /\n\s+at /, 'no stack trace');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-serve-host-'));
  const ok = spawnServe(['--host', '0.0.0.0', '--port', '0', '--state-dir', path.join(dir, 'st')], { SLUICE_TOKEN: 'tok' });
  const url = await ok.url;
  assert.ok(url, ok.stderr());
  const base = url.replace(/\/$/, '');
  assert.equal((await request(base, 'GET', '/api/jobs')).status, 401);
  assert.equal((await request(base, 'GET', '/api/jobs', undefined, { authorization: 'Bearer tok' })).status, 200);
  ok.child.kill('SIGTERM');
  assert.equal((await ok.exited).code, 0);
  fs.rmSync(dir, { recursive: true, force: true });
});
