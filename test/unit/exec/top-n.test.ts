// The Top-N operators by hand: updating Top-N's changelog (a row leaving is -D, one entering +I,
// a rank change -U/+U adjacent, none when rn is not output; retractions bring rows back), ties
// broken by the remaining columns with NULLs last, RANK and DENSE_RANK keeping ties; the window
// Top-N emitting each window once at its end and reporting rows of closed windows late; keep-first
// deduplication emitting behind the watermark and dropping later rows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T } from '../../../src/catalog/types.js';
import type { TopNNode } from '../../../src/plan/physical.js';
import { createTopN } from '../../../src/exec/operators/top-n.js';
import { Op } from '../../../src/exec/operator.js';
import { Harness, S, col } from './harness.js';

// Input: k VARCHAR, v INT, ts TIMESTAMP, window_start, window_end.
function node(over: Partial<TopNNode>): TopNNode {
  return {
    id: 1,
    kind: 'topN',
    inputs: [0],
    schema: [
      { name: 'k', type: T.varchar },
      { name: 'v', type: T.int },
      { name: 'ts', type: T.timestamp },
      { name: 'ws', type: T.timestamp },
      { name: 'we', type: T.timestamp },
      { name: 'rn', type: T.bigint },
    ],
    timeColumn: undefined,
    appendOnly: false,
    state: [],
    fn: 'row_number',
    mode: 'updating',
    partitionBy: [col(0, T.varchar)],
    orderBy: [{ expr: col(1, T.int), desc: true }],
    tieBreak: [0, 1, 2, 3, 4],
    limit: 2,
    rankColumn: true,
    windowColumns: undefined,
    timeInput: undefined,
    inputAppendOnly: true,
    refInput: undefined,
    ...over,
  };
}

test('updating: +I entering, -D leaving, -U/+U for a rank change, adjacent; the changelog is well formed', () => {
  const h = new Harness(createTopN(node({})));
  assert.deepEqual(h.send([['a', 5, 1, 0, 0]]), ['+I a,5,1,0,0,1']);
  assert.deepEqual(h.send([['a', 7, 2, 0, 0]]), ['-U a,5,1,0,0,1', '+U a,5,1,0,0,2', '+I a,7,2,0,0,1']);
  assert.deepEqual(h.send([['a', 9, 3, 0, 0]]), ['-D a,5,1,0,0,2', '-U a,7,2,0,0,1', '+U a,7,2,0,0,2', '+I a,9,3,0,0,1']);
  assert.deepEqual(h.send([['a', 1, 4, 0, 0], ['b', 1, 4, 0, 0]]), ['+I b,1,4,0,0,1'], 'below the top 2: nothing');
});

test('updating without the rank column: rank changes emit nothing', () => {
  const h = new Harness(createTopN(node({ rankColumn: false })));
  h.send([['a', 5, 1, 0, 0]]);
  assert.deepEqual(h.send([['a', 7, 2, 0, 0]]), ['+I a,7,2,0,0']);
  assert.deepEqual(h.send([['a', 9, 3, 0, 0]]), ['-D a,5,1,0,0', '+I a,9,3,0,0']);
});

test('updating over a changelog: a retraction brings the next row back into the top', () => {
  const h = new Harness(createTopN(node({ inputAppendOnly: false, limit: 1 })));
  h.send([['a', 5, 1, 0, 0], ['a', 7, 2, 0, 0], ['a', 6, 3, 0, 0]], [Op.Insert, Op.Insert, Op.Insert]);
  assert.deepEqual(h.send([['a', 7, 2, 0, 0]], [Op.Delete]), ['-D a,7,2,0,0,1', '+I a,6,3,0,0,1']);
  assert.deepEqual(h.send([['a', 6, 3, 0, 0], ['a', 8, 3, 0, 0]], [Op.UpdateBefore, Op.UpdateAfter]), ['-D a,6,3,0,0,1', '+I a,8,3,0,0,1']);
});

test('ties: ROW_NUMBER by the remaining columns, NULLs last; RANK and DENSE_RANK keep every tie', () => {
  const rows = [['a', 5, 3, 0, 0], ['a', null, 0, 0, 0], ['a', 5, 1, 0, 0], ['a', 4, 0, 0, 0]];
  const rn = new Harness(createTopN(node({ limit: 4 })));
  rn.send(rows);
  const last = (h: Harness) => {
    // The final ranks: the consolidated +I/+U rows minus retracted ones.
    const live = new Map<string, number>();
    for (const b of h.batches) b.rows.forEach((r, i) => { const id = JSON.stringify(r); const op = b.ops?.[i] ?? Op.Insert; live.set(id, (live.get(id) ?? 0) + (op === Op.Insert || op === Op.UpdateAfter ? 1 : -1)); });
    return [...live].filter(([, n]) => n > 0).map(([r]) => JSON.parse(r) as unknown[]).map((r) => `${r[1]}@${r[2]}:${r[5]}`).sort();
  };
  assert.deepEqual(last(rn), ['4@0:3', '5@1:1', '5@3:2', 'null@0:4']);
  const rk = new Harness(createTopN(node({ fn: 'rank', limit: 1 })));
  rk.send(rows);
  assert.deepEqual(last(rk), ['5@1:1', '5@3:1']);
  const dr = new Harness(createTopN(node({ fn: 'dense_rank', limit: 2 })));
  dr.send(rows);
  assert.deepEqual(last(dr), ['4@0:2', '5@1:1', '5@3:1']);
});

test('window: each window once when the watermark passes its end; rows of a closed window late', () => {
  const h = new Harness(createTopN(node({ mode: 'window', partitionBy: [col(3, T.timestamp), col(4, T.timestamp)], windowColumns: [3, 4], appendOnly: true, limit: 1 })));
  assert.deepEqual(h.send([['a', 5, 1, 0, 10 * S], ['b', 7, 2, 0, 10 * S], ['c', 1, 12 * S, 10 * S, 20 * S]]), []);
  assert.deepEqual(h.advance(10 * S - 1), []);
  assert.deepEqual(h.advance(10 * S), [`+I b,7,2,0,${10 * S},1`]);
  assert.deepEqual(h.send([['d', 9, 3, 0, 10 * S]]), []);
  assert.equal(h.lateEvents.length, 1);
  assert.equal(h.lateEvents[0]!.windowStart, 0);
  assert.deepEqual(h.end(), [`+I c,1,${12 * S},${10 * S},${20 * S},1`]);
});

test('keep first: the earliest row per partition once the watermark passes it; later rows dropped, earlier ones late', () => {
  const h = new Harness(createTopN(node({ mode: 'first', orderBy: [{ expr: col(2, T.timestamp), desc: false }], timeInput: 2, appendOnly: true, limit: 1, rankColumn: false })));
  assert.deepEqual(h.send([['a', 1, 5 * S, 0, 0], ['a', 2, 3 * S, 0, 0], ['b', 3, 4 * S, 0, 0]]), []);
  assert.deepEqual(h.advance(3 * S), [], 'a row at the watermark may still have an equal-time rival');
  assert.deepEqual(h.advance(4 * S), [`+I a,2,${3 * S},0,0`]);
  assert.deepEqual(h.send([['a', 0, 4 * S, 0, 0], ['b', 9, 3 * S, 0, 0]]), []);
  assert.equal(h.lateEvents.length, 1, 'b at 3s is behind the watermark: late');
  assert.deepEqual(h.end(), [`+I b,3,${4 * S},0,0`]);
});
