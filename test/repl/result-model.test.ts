import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResultModel } from '../../src/repl/result-model.js';
import { Op } from '../../src/exec/operator.js';
import { T } from '../../src/catalog/types.js';
import { renderRows } from '../../src/repl/format.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LiveQuery } from '../../src/repl/live-query.js';
import { parseScript } from '../../src/sql/index.js';
import { session } from './helpers.js';

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

test('a live query under a non-monotone HAVING shows only the groups that pass at the end', async () => {
  // Issue 10: a group that stopped passing stayed on screen (its -U arrived without a +U).
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-repl-having-'));
  try {
    const file = path.join(dir, 'raw.jsonl');
    writeFileSync(file, ['a', 'b', 'a', 'a', 'c', 'c'].map((k) => JSON.stringify({ k })).join('\n') + '\n');
    const s = session(`CREATE SOURCE raw (k VARCHAR) WITH (connector = 'file', path = '${file}', batch_size = '1');`);
    const text = 'SELECT k, COUNT(*) AS n FROM raw GROUP BY k HAVING COUNT(*) < 3';
    const st = parseScript(text).statements[0]!.statement;
    assert.equal(st.kind, 'query');
    const q = new LiveQuery(s.catalog, text, (st as Extract<typeof st, { kind: 'query' }>).query);
    await q.done;
    assert.equal(q.error, undefined);
    assert.deepEqual([...q.result.rows].sort(), [['b', 1], ['c', 2]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
