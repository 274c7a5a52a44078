// The regular join operator by hand: pairs per key with counted duplicates, NULL keys that never
// pair, FULL OUTER padding swapped for pairs and back (-D padded / +I pair), an update pair from a
// changelog input turned into -U/+U pairs of its joined rows, a retraction of a row never held,
// and state_ttl dropping a key idle for longer than the TTL of watermark (a key touched before
// any watermark counts from the first one).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Row } from '../../../src/catalog/types.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import type { RegularJoinNode } from '../../../src/plan/physical.js';
import { RegularJoinOperator } from '../../../src/exec/operators/regular-join.js';
import { Op } from '../../../src/exec/operator.js';
import { idleThrough } from '../../../src/exec/time.js';
import { checkChangelog } from '../../../src/oracle/changelog-check.js';
import { Harness, renderBatch, S } from './harness.js';
import { T } from '../../../src/catalog/types.js';

/** a <kind> JOIN b ON a.k = b.k [AND on], output a.k, a.v, b.v; sources without provenance. */
function joinNode(kind: string, on = '', pre = ''): RegularJoinNode {
  const sql = `${pre}CREATE SOURCE a (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'a.jsonl');
CREATE SOURCE b (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'b.jsonl');
CREATE SINK o WITH (connector = 'stdout') AS SELECT a.k, a.v, b.v AS bv FROM a ${kind} b ON a.k = b.k${on};`;
  const s = loadScriptText(sql, 'job.sql', process.cwd(), new Catalog());
  // The join node as bound, over the sources' own rows (no pushdown or pruning before it).
  const p = planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false, pushdown: false });
  const j = p.nodes.find((n): n is RegularJoinNode => n.kind === 'regularJoin')!;
  // The tests send retractions on either side, as from updating inputs.
  return { ...j, inputsAppendOnly: [false, false], appendOnly: j.joinType === 'inner' ? j.appendOnly : false };
}

class JoinHarness extends Harness {
  readonly rows: Row[] = [];
  readonly ops: Op[] = [];
  constructor(node: RegularJoinNode) {
    super(new RegularJoinOperator(node));
  }
  /** Input `side` sends rows [k, v, ts] (ops default: inserts); returns what the join emitted. */
  put(side: 0 | 1, rows: Row[], ops: Op[] | null = null): string[] {
    const before = this.batches.length;
    this.op.onData({ rows, ops }, side);
    const out: string[] = [];
    for (const full of this.batches.slice(before)) {
      // The join outputs a's columns then b's; kept here: a.k, a.v, b.v.
      const b = { rows: full.rows.map((r) => [r[0]!, r[1]!, r[4]!]), ops: full.ops };
      out.push(...renderBatch(b));
      for (let i = 0; i < b.rows.length; i++) {
        this.rows.push(b.rows[i]!);
        this.ops.push(b.ops === null ? Op.Insert : b.ops[i]!);
      }
    }
    return out;
  }
  /** The output so far is a well-formed changelog: its consolidated rows. */
  consolidated(): string[] {
    const cols = ['k', 'v', 'bv'].map((name) => ({ name, type: T.varchar }));
    const r = checkChangelog(this.rows, this.ops, cols, { key: undefined });
    assert.deepEqual(r.errors, []);
    return r.consolidated.map((x) => x.map(String).join(',')).sort();
  }
}

test('INNER: pairs per key, duplicates counted, NULL keys never pair, append-only output', () => {
  const node = joinNode('JOIN');
  assert.equal(node.appendOnly, true);
  const h = new JoinHarness(node);
  assert.deepEqual(h.put(0, [['x', 1, 0], ['x', 1, 0], [null, 9, 0]]), []);
  assert.deepEqual(h.put(1, [['x', 5, 0]]), ['+I x,1,5', '+I x,1,5']);
  assert.deepEqual(h.put(1, [[null, 9, 0], ['y', 6, 0]]), []);
  assert.deepEqual(h.put(0, [['x', 2, 0]]), ['+I x,2,5']);
});

test('FULL OUTER: a padded row is swapped for its pairs when its first match arrives, and back when its last one leaves', () => {
  const node = joinNode('FULL JOIN', '', '');
  const h = new JoinHarness(node);
  assert.deepEqual(h.put(0, [['x', 1, 0], ['x', 1, 0]]), ['+I x,1,NULL', '+I x,1,NULL']);
  // The right row pairs with both copies; it is not padded itself.
  assert.deepEqual(h.put(1, [['x', 5, 0]]), ['-D x,1,NULL', '-D x,1,NULL', '+I x,1,5', '+I x,1,5']);
  assert.deepEqual(h.put(1, [['x', 5, 0]], [Op.Delete]), ['-D x,1,5', '-D x,1,5', '+I x,1,NULL', '+I x,1,NULL']);
  // A right row without a partner is padded on the left; a NULL key pads at once, either side.
  assert.deepEqual(h.put(1, [['z', 7, 0], [null, 8, 0]]), ['+I NULL,NULL,7', '+I NULL,NULL,8']);
  assert.deepEqual(h.put(1, [[null, 8, 0]], [Op.Delete]), ['-D NULL,NULL,8']);
  assert.deepEqual(h.consolidated(), ['null,null,7', 'x,1,null', 'x,1,null']);
});

test('an update pair on one side becomes -U/+U pairs of its joined rows; a retraction of a row never held emits nothing', () => {
  const h = new JoinHarness(joinNode('LEFT JOIN'));
  h.put(1, [['x', 5, 0], ['x', 6, 0]]);
  assert.deepEqual(h.put(0, [['x', 1, 0]]), ['+I x,1,5', '+I x,1,6']);
  assert.deepEqual(h.put(0, [['x', 1, 0], ['x', 2, 0]], [Op.UpdateBefore, Op.UpdateAfter]), ['-U x,1,5', '+U x,2,5', '-U x,1,6', '+U x,2,6']);
  // The key moves: the old pairs go, the new row is padded: no pair shares a partner.
  assert.deepEqual(h.put(0, [['x', 2, 0], ['y', 2, 0]], [Op.UpdateBefore, Op.UpdateAfter]), ['-U x,2,5', '+U y,2,NULL', '-D x,2,6']);
  assert.deepEqual(h.put(0, [['q', 1, 0]], [Op.Delete]), []);
  assert.deepEqual(h.consolidated(), ['y,2,null']);
});

test('a residual decides matches and padding', () => {
  const h = new JoinHarness(joinNode('LEFT JOIN', ' AND b.v > a.v'));
  assert.deepEqual(h.put(0, [['x', 5, 0]]), ['+I x,5,NULL']);
  assert.deepEqual(h.put(1, [['x', 4, 0]]), []);
  assert.deepEqual(h.put(1, [['x', 6, 0]]), ['-D x,5,NULL', '+I x,5,6']);
});

test('state_ttl: a key no row touched while the watermark advanced by more than the TTL is dropped, without output', () => {
  assert.equal(idleThrough(10 * S, 2 * S), 8 * S - 1);
  const node = joinNode('JOIN', '', "SET state_ttl = '2s';\n");
  assert.equal(node.ttlMicros, 2 * S);
  const h = new JoinHarness(node);
  h.put(0, [['x', 1, 0]]);
  // Touched before any watermark: counts as touched at the first one (10 s).
  h.advance(10 * S);
  h.put(0, [['y', 1, 0]]);
  assert.deepEqual(h.put(1, [['x', 5, 0]]), ['+I x,1,5']);
  h.advance(11 * S);
  h.put(1, [['x', 6, 0]]);
  assert.deepEqual(h.advance(12 * S), []);
  assert.equal(h.keyedSize(h.tableNames().find((n) => n.includes('rows')) ?? 'rows'), 2);
  // y was last touched at 10 s: idle for more than 2 s at 12 s + 1 µs; x (11 s) stays until 13 s + 1 µs.
  h.advance(12 * S + 1);
  assert.deepEqual(h.put(1, [['y', 5, 0]]), []);
  h.advance(13 * S + 1);
  assert.deepEqual(h.put(1, [['x', 7, 0]]), []);
});
