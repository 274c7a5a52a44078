import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, text, until, BOUNDED, SLOW } from '../helpers.js';

test('\\compare checks a finished query against DuckDB over what it read', async () => {
  const s = session(BOUNDED);
  assert.match(text(await s.submit('\\compare')), /no query to compare yet/);
  await s.submit('SELECT sensor, window_start, AVG(value) AS a, COUNT(*) AS n FROM s GROUP BY sensor, TUMBLE(ts, 10s);');
  await until(() => s.live?.running === false);
  const t = text(await s.submit('\\compare'));
  assert.match(t, /s: 400 rows/);
  assert.match(t, /query: equal/);
});

test('\\compare stops a live query and replays the snapshot it read', async () => {
  const s = session(SLOW);
  await s.submit('SELECT sensor, COUNT(*) AS n FROM slow GROUP BY sensor;');
  await until(() => (s.live?.job.metrics().sources[0]?.recordsIn ?? 0) > 30);
  const t = text(await s.submit('\\compare'));
  assert.match(t, /query: equal/);
  assert.equal(s.live?.running, false);
});
