// SHOW STATE in the REPL: the running query's and each running sink's state tables with the
// rows and bytes they hold (checked against the jobs themselves), and a clear line when
// nothing runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, text, until } from './helpers.js';

// Bounded, but rate-limited so the jobs are still running while the test looks at them.
const SOURCE = "CREATE SOURCE b WITH (connector = 'datagen', generator = 'sensors', count = 100000, rate = 400, disorder = '800ms');";

/** The data rows of SHOW STATE's table, as cells (two spaces or more between cells). */
function cells(t: string): string[][] {
  const lines = t.split('\n');
  const start = lines.findIndex((l) => l.startsWith('job '));
  assert.ok(start >= 0, t);
  return lines.slice(start + 2).filter((l) => /^(query|sink) /.test(l)).map((l) => l.split(/ {2,}/));
}

test('SHOW STATE with nothing running says so', async () => {
  const s = session(SOURCE);
  assert.match(text(await s.submit('SHOW STATE;')), /^nothing is running: state belongs to a running query or sink .*`sluice state FILE\.sql`/);
});

test('SHOW STATE lists the running query and sinks: each state table with rows and bytes', async () => {
  const s = session(SOURCE);
  try {
    await s.submit('SELECT sensor, COUNT(*) AS n, AVG(value) AS v FROM b GROUP BY sensor, TUMBLE(ts, 1h);');
    await s.submit("CREATE SINK totals WITH (connector = 'file', path = '/dev/null') AS SELECT sensor, SUM(value) AS total FROM b GROUP BY sensor;");
    const q = s.live!;
    const sink = s.sinkJobs.get('totals')!;
    await until(() => (q.job.metrics().sources[0]?.recordsIn ?? 0) > 100 && (sink.job.metrics().sources[0]?.recordsIn ?? 0) > 100);
    const t = text(await s.submit('SHOW STATE;'));
    assert.match(t, /^job +operator +table +rows in memory +bytes in memory +rows in DuckDB +bytes in DuckDB +open times\n/);
    assert.match(t, /no checkpoints: REPL jobs take none/);
    const rows = cells(t);
    // The query's window table: one open hour window, a row per sensor in it.
    const win = rows.find((r) => r[0] === 'query' && r[1]!.endsWith('windowAgg'));
    assert.ok(win, t);
    const want = q.job.stateSizes().find((x) => `#${x.operator} windowAgg` === win[1] && x.table === win[2])!;
    assert.ok(Number(win[3]) > 0, t);
    // Sensors keep appearing in the first second; the count is the job's own at most a moment later.
    assert.ok(Number(win[3]) <= want.rows, `${win[3]} vs ${want.rows}`);
    assert.match(win[4]!, /^\d+(\.\d)? (B|KB|MB)$/);
    assert.notEqual(win[4], '0 B');
    assert.deepEqual([win[5], win[6], win[7]], ['0', '0 B', '1']);
    // The sink's unwindowed GROUP BY: keyed state, no open times.
    const keyed = rows.find((r) => r[0] === 'sink totals' && r[1]!.endsWith('groupAgg'));
    assert.ok(keyed, t);
    assert.ok(Number(keyed[3]) > 0, t);
    assert.notEqual(keyed[4], '0 B');
    assert.equal(keyed[7], '-');
  } finally {
    s.stopQuery();
    await s.live?.done;
    await s.close();
  }
});

test('SHOW STATE names a running job that keeps no state', async () => {
  const s = session(SOURCE);
  try {
    await s.submit('SELECT sensor, value FROM b WHERE value > 0;');
    const t = text(await s.submit('SHOW STATE;'));
    assert.match(t, /^query: no state \(its operators keep none\)\nno checkpoints/);
  } finally {
    s.stopQuery();
    await s.live?.done;
  }
});
