// The rates in and out of a served job: one computation (server/rates.ts) behind GET /api/jobs
// and the `status` events; output in bursts reads as its average, not as 0 between bursts; a
// restarted run's rates count from its restored totals, from its first second.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateMeter, RATE_WINDOW_MS } from '../../src/server/rates.js';
import { events, eventually, request, serve } from './helpers.js';

test('bursts of output read as their average at every tick, never 0 between them', () => {
  const m = new RateMeter();
  assert.deepEqual(m.rates(0, 0, 0), { rateIn: 0, rateOut: 0 }, 'before the run has started');
  m.reset(0, 0, 0);
  let out = 0;
  for (let t = 1000; t <= 20_000; t += 1000) {
    // 100 rows in per second; 20 rows out every other second (a window closing).
    if (t % 2000 === 0) out += 20;
    m.sample(t, t / 10, out);
    const r = m.rates(t, t / 10, out);
    assert.equal(r.rateIn, 100, `rate in at ${t}`);
    if (t >= 2000) assert.ok(r.rateOut > 0, `rate out at ${t}: ${r.rateOut}`);
    if (t >= RATE_WINDOW_MS) assert.ok(r.rateOut >= 8 && r.rateOut <= 12, `rate out at ${t}: ${r.rateOut} (10 a second on average)`);
  }
});

test('the same totals at the same moment give the same rates, whoever asks; old samples leave the window', () => {
  const m = new RateMeter();
  m.reset(0, 0, 0);
  for (let t = 1000; t <= 10_000; t += 1000) m.sample(t, t <= 5000 ? t : 5000, 0);
  // Input stopped at 5 s: a window of RATE_WINDOW_MS ending at 10 s saw none of it.
  assert.equal(m.rates(10_000, 5000, 0).rateIn, 0);
  assert.deepEqual(m.rates(10_500, 5000, 7), m.rates(10_500, 5000, 7));
  assert.ok(RATE_WINDOW_MS <= 10_000);
});

test('a restored run counts from its restored totals: no spike, no 0 while rows flow', () => {
  const m = new RateMeter();
  m.reset(1_000_000, 50_000, 1000);
  assert.deepEqual(m.rates(1_001_000, 50_200, 1000), { rateIn: 200, rateOut: 0 });
});

test('served job: after a restart from its checkpoint the first status events show the rate in, neither 0 nor the restored total', { timeout: 120_000 }, async () => {
  const s = await serve();
  try {
    const sql = `CREATE SOURCE fast WITH (connector = 'datagen', generator = 'sensors', rate = 200, start = 'now');
SELECT sensor, COUNT(*) AS n FROM fast GROUP BY sensor;`;
    const { id } = (await request(s.base, 'POST', '/api/jobs', { sql })).json;
    await eventually(async () => ((await request(s.base, 'GET', `/api/jobs/${id}`)).json.metrics.rowsIn > 400 ? true : undefined), 'rows in');
    const stopped = (await request(s.base, 'POST', `/api/jobs/${id}/stop`)).json;
    const restored = stopped.metrics.rowsIn as number;
    assert.equal((await request(s.base, 'POST', `/api/jobs/${id}/restart`, {})).status, 200);
    const st = await events(s.base, `/api/jobs/${id}/events`);
    try {
      // Every status event of the new run's first seconds, once rows flow again.
      const flowing = (e: { event: string; data: { metrics: { rowsIn: number } } }): boolean => e.event === 'status' && e.data.metrics.rowsIn > restored;
      await st.until((e) => st.events.filter(flowing).length >= 3 || (e.event === 'end'), 20_000);
      const first = st.events.filter(flowing).slice(0, 3);
      assert.equal(first.length, 3);
      for (const e of first) {
        const { rateIn, rowsIn } = e.data.metrics;
        assert.ok(rateIn > 50 && rateIn < 600, `rate in ${rateIn} at ${rowsIn} rows in (restored ${restored})`);
      }
      // The list and the events agree: the same computation over the same totals.
      const listed = (await request(s.base, 'GET', '/api/jobs')).json.jobs.find((j: { id: string }) => j.id === id).metrics;
      assert.ok(listed.rateIn > 50 && listed.rateIn < 600, `listed rate in ${listed.rateIn}`);
    } finally {
      st.close();
    }
  } finally {
    await s.close();
  }
});
