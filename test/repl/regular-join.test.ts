// Regular joins in the REPL: a live FULL JOIN of a stream with a GROUP BY result (a changelog),
// EXPLAIN marking its state unbounded, and \compare proving the finished query equal to DuckDB.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, text, until } from './helpers.js';

const TWO = [
  "CREATE SOURCE north WITH (connector = 'datagen', generator = 'sensors', count = 300, disorder = '800ms', seed = 1);",
  "CREATE SOURCE south WITH (connector = 'datagen', generator = 'sensors', count = 200, disorder = '500ms', seed = 2);",
];

test('a live regular FULL JOIN of a stream and a GROUP BY result, EXPLAIN and \\compare', async () => {
  const s = session(...TWO);
  const q = 'SELECT n.sensor, n.value, c.readings FROM north n FULL JOIN (SELECT sensor, COUNT(*) AS readings FROM south GROUP BY sensor) AS c ON n.sensor = c.sensor AND n.value > 20';
  const plan = text(await s.submit(`EXPLAIN ${q};`));
  assert.match(plan, /RegularJoin #\d+ FULL OUTER keys=\[left sensor = right sensor\]; residual left\.value > 20; every row of both sides kept per key/);
  assert.match(plan, /warning: RegularJoin #\d+ keeps state that grows with its keys/);
  await s.submit(`${q};`);
  await until(() => s.live?.running === false, 20_000);
  assert.ok(s.live!.result.rows.length > 0, 'joined rows were emitted');
  assert.match(text(await s.submit('\\compare')), /query: equal/);
});
