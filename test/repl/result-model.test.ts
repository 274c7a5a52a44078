import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResultModel } from '../../src/repl/result-model.js';
import { Op } from '../../src/exec/operator.js';
import { T } from '../../src/catalog/types.js';
import { renderRows } from '../../src/repl/format.js';

const cols = [
  { name: 'k', type: T.varchar },
  { name: 'n', type: T.bigint },
];

test('a changelog updates rows in place and deletes them', () => {
  const m = new ResultModel(cols, true);
  m.apply({ rows: [['a', 1], ['b', 1]], ops: [Op.Insert, Op.Insert] });
  m.apply({ rows: [['a', 1], ['a', 2]], ops: [Op.UpdateBefore, Op.UpdateAfter] });
  assert.deepEqual(m.rows, [['a', 2], ['b', 1]]);
  m.apply({ rows: [['b', 1]], ops: [Op.Delete] });
  assert.deepEqual(m.rows, [['a', 2]]);
});

test('a large result shows the latest rows that fit and counts the rest', () => {
  const m = new ResultModel(cols, false);
  for (let i = 0; i < 10; i++) m.apply({ rows: [[`k${i}`, i]], ops: null });
  const t = renderRows(m.columns, m.rows, 'table', 3, m.dropped);
  assert.equal(t.hidden, 7);
  assert.deepEqual(t.lines.slice(2).map((l) => l.split(/\s+/)[0]), ['k7', 'k8', 'k9']);
  assert.equal(renderRows(m.columns, m.rows.slice(0, 1), 'json').lines[0], '{"k":"k0","n":0}');
});
