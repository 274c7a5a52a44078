// UNION ALL in the REPL: a view over a union, a live windowed query over it whose rows appear,
// EXPLAIN showing the union, and \compare proving the finished query equal to DuckDB.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, text, until } from './helpers.js';

const TWO = [
  "CREATE SOURCE north WITH (connector = 'datagen', generator = 'sensors', count = 300, disorder = '800ms', seed = 1);",
  "CREATE SOURCE south WITH (connector = 'datagen', generator = 'sensors', count = 200, disorder = '500ms', seed = 2);",
];

test('a UNION ALL view, a live query over it, EXPLAIN and \\compare', async () => {
  const s = session(...TWO);
  assert.doesNotMatch(text(await s.submit('CREATE VIEW both_sides AS SELECT sensor, value, ts FROM north UNION ALL SELECT sensor, value, ts FROM south;')), /error/);
  const plan = text(await s.submit('EXPLAIN SELECT sensor, window_start, COUNT(*) AS n FROM both_sides GROUP BY sensor, TUMBLE(ts, 10s);'));
  assert.match(plan, /UnionAll #\d+ \(sensor VARCHAR, value INT, ts TIMESTAMP\) event time ts/);
  await s.submit('SELECT sensor, window_start, COUNT(*) AS n FROM both_sides GROUP BY sensor, TUMBLE(ts, 10s);');
  await until(() => s.live?.running === false, 20_000);
  const rows = s.live!.result.rows;
  assert.ok(rows.length > 0, 'windows were emitted');
  const late = s.live!.lateTotal;
  const total = rows.reduce((n, r) => n + Number(r[2]), 0);
  assert.equal(total + late, 500, 'every row of both sources is in a window or late');
  const t = text(await s.submit('\\compare'));
  assert.match(t, /query: equal/);
});

test('UNION without ALL is refused in the REPL with the caret and a hint', async () => {
  const s = session(...TWO);
  const t = text(await s.submit('SELECT sensor FROM north UNION SELECT sensor FROM south;'));
  assert.match(t, /UNION without ALL \(a union that removes duplicates\) is not supported/);
  assert.match(t, /\^{5}/);
  assert.match(t, /hint: write UNION ALL/);
});
