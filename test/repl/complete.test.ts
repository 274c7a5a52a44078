import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyCompletion, complete } from '../../src/repl/complete.js';
import { session } from './helpers.js';

const s = session(
  "CREATE SOURCE sensors WITH (connector = 'datagen', generator = 'sensors', count = 1);",
  "CREATE SOURCE bid WITH (connector = 'datagen', generator = 'bid', count = 1);",
  'CREATE VIEW hot AS SELECT sensor, value FROM sensors WHERE value > 50;',
);

test('relation names after FROM', () => {
  const c = complete('SELECT * FROM se', 16, s.catalog);
  assert.deepEqual(c.candidates, ['sensors']);
  assert.equal(applyCompletion('SELECT * FROM se', 16, c).text, 'SELECT * FROM sensors');
  assert.deepEqual(complete('DESCRIBE h', 10, s.catalog).candidates, ['hot']);
});

test('columns of the relations in scope, functions and keywords', () => {
  const text = 'SELECT va FROM sensors';
  const c = complete(text, 9, s.catalog);
  assert.equal(c.candidates[0], 'value');
  assert.ok(!c.candidates.includes('price'), 'bid is not in scope');
  const f = complete('SELECT AV', 9, s.catalog);
  assert.ok(f.candidates.includes('AVG'));
  const k = complete('SELECT sensor FROM sensors GRO', 30, s.catalog);
  // GROUPING (of GROUPING SETS) is a keyword that starts so too.
  assert.deepEqual(k.candidates, ['GROUP', 'GROUPING']);
  assert.deepEqual(complete('select sensor from sensors gro', 30, s.catalog).candidates, ['group', 'grouping']);
  assert.ok(complete('SELECT window_s FROM sensors GROUP BY TUMBLE(ts, 1s)', 15, s.catalog).candidates.includes('window_start'));
  assert.ok(complete('SELECT pri FROM bid', 10, s.catalog).candidates.includes('price'));
});

test('several candidates complete to their common prefix', () => {
  const c = complete('SELECT * FROM b', 15, s.catalog);
  assert.deepEqual(c.candidates, ['bid']);
  const many = complete('SELECT COU', 10, s.catalog);
  assert.ok(many.candidates.length >= 1);
});
