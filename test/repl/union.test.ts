// UNION ALL in the REPL: a view over a union, a live windowed query over it whose rows appear,
// EXPLAIN showing the union, and \compare proving the finished query equal to DuckDB; the same
// for a UNION (distinct).

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

test('a UNION (distinct) in the REPL: EXPLAIN shows it, each sensor once, and \\compare', async () => {
  const s = session(...TWO);
  const q = 'SELECT sensor FROM north UNION SELECT sensor FROM south';
  assert.match(text(await s.submit(`EXPLAIN ${q};`)), /UnionDistinct #\d+ \(sensor VARCHAR\) first occurrence of each row, append-only; every distinct row kept/);
  await s.submit(`${q};`);
  await until(() => s.live?.running === false, 20_000);
  const rows = s.live!.result.rows.map((r) => String(r[0]));
  assert.ok(rows.length > 0);
  assert.equal(new Set(rows).size, rows.length, 'each sensor once');
  assert.match(text(await s.submit('\\compare')), /query: equal/);
});
