// Interval joins in the REPL: a live INNER and LEFT join of two datagen feeds, EXPLAIN showing
// the join, \compare proving each finished query equal to DuckDB, and the refusal of a join
// without an equality key or a time bound with its caret and hint.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, text, until } from './helpers.js';

const TWO = [
  "CREATE SOURCE north WITH (connector = 'datagen', generator = 'sensors', count = 300, disorder = '800ms', seed = 1);",
  "CREATE SOURCE south WITH (connector = 'datagen', generator = 'sensors', count = 200, disorder = '500ms', seed = 2);",
];

const ON = "ON n.sensor = s.sensor AND s.ts BETWEEN n.ts - INTERVAL '2' SECOND AND n.ts + INTERVAL '1' SECOND";

for (const kind of ['JOIN', 'LEFT JOIN']) {
  test(`a live ${kind}, EXPLAIN and \\compare`, async () => {
    const s = session(...TWO);
    const q = `SELECT n.sensor, n.value, s.value AS other, n.ts FROM north n ${kind} south s ${ON}`;
    const plan = text(await s.submit(`EXPLAIN ${q};`));
    assert.match(plan, new RegExp(`IntervalJoin #\\d+ ${kind === 'JOIN' ? 'INNER' : 'LEFT OUTER'} keys=\\[left sensor = right sensor\\]; bounds: right\\.ts - left\\.ts in \\[-2s, \\+1s\\]`));
    await s.submit(`${q};`);
    await until(() => s.live?.running === false, 20_000);
    assert.ok(s.live!.result.rows.length > 0, 'pairs were emitted');
    assert.match(text(await s.submit('\\compare')), /query: equal/);
  });
}

test('a join without an equality key or a time bound is refused in the REPL with the caret and a hint', async () => {
  const s = session(...TWO);
  const t = text(await s.submit('SELECT n.sensor FROM north n JOIN south s ON n.sensor <> s.sensor;'));
  assert.match(t, /this JOIN has no equality key between its two sides/);
  assert.match(t, /\^{5}/);
  assert.match(t, /hint: join on a key: ON a\.k = b\.k/);
});
