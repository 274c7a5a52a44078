// GROUP BY's grouping items: GROUPING SETS with (a, b), () and bare sets, ROLLUP and CUBE parse
// into the AST beside the plain items, print back to the same AST, and GROUPING(...), ROLLUP
// and CUBE stay usable as names and calls outside GROUP BY.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStatement, printStatement } from '../../../src/sql/index.js';
import type { SelectQuery } from '../../../src/sql/ast.js';
import { stripSpans } from './helpers.js';

const select = (sql: string): SelectQuery => {
  const st = parseStatement(sql);
  assert.equal(st.kind, 'query');
  const q = (st as { query: SelectQuery }).query;
  assert.equal(q.kind, 'select');
  return q;
};

test('GROUPING SETS, ROLLUP and CUBE parse beside the plain items, in order', () => {
  const q = select('SELECT a FROM t GROUP BY TUMBLE(ts, 10s), GROUPING SETS ((a, b), (a), (), c), ROLLUP(a, b), cube(b, c)');
  assert.equal(q.groupBy.length, 1);
  assert.deepEqual(
    q.grouping?.map((g) => (g.kind === 'groupingSets' ? g.sets.map((s) => s.items.length) : `${g.kind}:${g.items.length}`)),
    [[2, 1, 0, 1], 'rollup:2', 'cube:2'],
  );
});

test('a plain GROUP BY has no grouping items', () => {
  assert.equal(select('SELECT a FROM t GROUP BY a, TUMBLE(ts, 10s)').grouping, undefined);
});

test('round trip: parse -> print -> parse gives the same AST, and printing is a fixed point', () => {
  for (const sql of [
    'SELECT a, b, COUNT(*) FROM t GROUP BY GROUPING SETS ((a, b), (a), ()), TUMBLE(ts, 10s)',
    'SELECT a, GROUPING(a, b) AS g FROM t GROUP BY ROLLUP(a, b)',
    'SELECT a FROM t GROUP BY HOP(ts, 5s, 10s), CUBE(a, b, c)',
    'SELECT a FROM TUMBLE(t, ts, 10s) GROUP BY GROUPING SETS ((window_start, window_end, a), (window_start, window_end))',
  ]) {
    const st = parseStatement(sql);
    const printed = printStatement(st);
    assert.deepEqual(stripSpans(parseStatement(printed)), stripSpans(st), printed);
    assert.equal(printStatement(parseStatement(printed)), printed);
  }
});

test('grouping, rollup, cube and sets stay names: columns, aliases and calls outside GROUP BY', () => {
  const q = select('SELECT rollup, cube AS sets, grouping(a), rollup(x) FROM t WHERE sets > 1');
  assert.equal(q.items.length, 4);
  assert.equal(q.items[2]!.expr.kind, 'call');
});
