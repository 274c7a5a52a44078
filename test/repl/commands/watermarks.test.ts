import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, text, until, SLOW } from '../helpers.js';

test('\\watermarks shows each source and why open windows are still open', async () => {
  const s = session(SLOW);
  assert.match(text(await s.submit('\\watermarks')), /no query has run yet/);
  await s.submit('SELECT sensor, COUNT(*) FROM slow GROUP BY sensor, TUMBLE(ts, 1h);');
  await until(() => (s.live?.job.metrics().sources[0]?.recordsIn ?? 0) > 20);
  const t = text(await s.submit('\\watermarks'));
  assert.match(t, /running query: SELECT sensor/);
  assert.match(t, /slow: watermark \d\d:\d\d:\d\d/);
  assert.match(t, /TUMBLE 3600s \(operator \d+\): 1 open window; the earliest \[.*\) is waiting for the watermark/);
  s.stopQuery();
  await s.live?.done;
});

test('\\watermarks NAME reports a background sink; without a name it lists running sinks', async () => {
  const s = session(SLOW);
  await s.submit("CREATE SINK agg WITH (connector = 'file', path = '/dev/null') AS SELECT sensor, COUNT(*) AS n FROM slow GROUP BY sensor, TUMBLE(ts, 1h);");
  try {
    await until(() => (s.sinkJobs.get('agg')?.job.metrics().sources[0]?.recordsIn ?? 0) > 20);
    const t = text(await s.submit('\\watermarks agg'));
    assert.match(t, /^sink agg \(running\):\nsources:\n {2}slow: watermark \d\d:\d\d:\d\d/);
    assert.match(t, /TUMBLE 3600s \(operator \d+\): 1 open window/);
    assert.match(text(await s.submit('\\watermarks ag')), /no sink named 'ag' is running; did you mean 'agg'\?/);
    assert.match(text(await s.submit('\\watermarks')), /no query has run yet[\s\S]*running sinks: agg/);
  } finally {
    await s.close();
  }
});
