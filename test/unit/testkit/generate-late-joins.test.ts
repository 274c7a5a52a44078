// The independent late rule for the operators beyond windows and LAG: interval and temporal
// joins judge each side on its own input's watermark, a window join and a window Top-N per
// window of a table function's rows, a UNION (distinct) on its event time; after an interval
// join a window expects no late row (checked, not skipped). A planted bug (the interval join
// judging a right row by the left input's watermark) is found, shrunk, and its fixture replays.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { IntervalJoinOperator } from '../../../src/exec/operators/interval-join.js';
import type { Batch, OperatorContext } from '../../../src/exec/operator.js';
import { BASE_MS, type Item } from '../../../src/testkit/generate/arbitrary.js';
import { EMPTY_SPEC } from '../../../src/testkit/generate/spec.js';
import { engineLateKeys, expectedLate } from '../../../src/testkit/generate/late-rule.js';
import { runScheduled, type Step } from '../../../src/testkit/generate/run.js';
import { generateTest } from '../../../src/testkit/generate/index.js';
import { runTestFile } from '../../../src/testkit/runner.js';

const SOURCES = `CREATE SOURCE a (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'a.jsonl');
CREATE SOURCE b (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (connector = 'file', path = 'b.jsonl');
`;

const JOIN = `SELECT a.k, a.ts, b.ts AS bts FROM a JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '10' SECOND AND a.ts + INTERVAL '10' SECOND`;

function planOf(text: string) {
  const s = loadScriptText(text, 'job.sql', '/tmp');
  const sinks = [...s.catalog.sinks.values()];
  return { s, sinks, plan: planSinks(s.catalog, sinks, { provenance: true }) };
}

const at = (k: string, sec: number, v = 1): Item => {
  const ms = BASE_MS + sec * 1000;
  return { kind: 'row', values: { k, v, ts: new Date(ms).toISOString() }, ms };
};

/** One record per batch, in the order given as [source, index]. */
const oneByOne = (order: ReadonlyArray<readonly [string, number]>): Step[] => order.map(([source, from]) => ({ source, from, size: 1 }));

async function lateOf(sink: string, streams: Record<string, Item[]>, order: ReadonlyArray<readonly [string, number]>, kind: string) {
  const { plan } = planOf(`${SOURCES}CREATE SINK out WITH (connector = 'file', path = 'o.jsonl') AS ${sink};`);
  const r = await runScheduled(plan, streams, oneByOne(order));
  const rule = expectedLate(plan, r.arrival);
  assert.deepEqual(rule.skipped, []);
  const op = rule.checked.find((c) => c.kind === kind)!;
  assert.ok(op, `no ${kind} checked: ${JSON.stringify(rule.checked)}`);
  return { expected: op.expected, engine: engineLateKeys(r.late, op.operator), rule };
}

const sec = (s: number) => (BASE_MS + s * 1000) * 1000;

test('interval JOIN: each side late on its own input\'s watermark, not the other\'s', async () => {
  // a@20 (Wa 19 s), b@10 (Wb -inf: on time, though behind Wa), b@30 (Wb 25 s), a@18 (late: 18 < 19),
  // b@24 (late: 24 < 25), a@19 (on time at its watermark).
  const streams = { a: [at('x', 20), at('x', 18), at('x', 19)], b: [at('x', 10), at('x', 30), at('x', 24)] };
  const order = [['a', 0], ['b', 0], ['b', 1], ['a', 1], ['b', 2], ['a', 2]] as const;
  const { expected, engine } = await lateOf(JOIN, streams, order, 'intervalJoin');
  assert.deepEqual(expected, ['a:1', 'b:2']);
  assert.deepEqual(engine, expected);
});

test('after an interval JOIN a window expects no late row: checked, not skipped', async () => {
  const streams = { a: [at('x', 20), at('x', 18), at('x', 45), at('x', 19)], b: [at('x', 10), at('x', 30), at('x', 24), at('x', 50)] };
  const order = [['a', 0], ['b', 0], ['b', 1], ['a', 1], ['b', 2], ['a', 2], ['b', 3], ['a', 3]] as const;
  const { expected, engine, rule } = await lateOf(`SELECT k, COUNT(*) AS n FROM (${JOIN}) GROUP BY k, TUMBLE(ts, 10s)`, streams, order, 'windowAgg');
  assert.deepEqual(expected, []);
  assert.deepEqual(engine, []);
  // The join itself still drops a@19 (behind a@45's watermark) and b@24.
  const join = rule.checked.find((c) => c.kind === 'intervalJoin')!;
  assert.deepEqual(join.expected, ['a:1', 'a:3', 'b:2']);
});

test('window JOIN over TUMBLE table functions: a row late when its window closed on its own input', async () => {
  // a@21 (Wa 20 s: [10, 20) closed on a), b@12 (Wb -inf: on time), a@15 (late), b@26 (Wb 21 s), b@19 (late), a@20 (on time).
  const streams = { a: [at('x', 21), at('x', 15), at('x', 20)], b: [at('x', 12), at('x', 26), at('x', 19)] };
  const order = [['a', 0], ['b', 0], ['a', 1], ['b', 1], ['b', 2], ['a', 2]] as const;
  const sink = `SELECT l.k, l.window_start, l.v, r.v AS rv FROM (SELECT * FROM TUMBLE(a, ts, 10s)) AS l JOIN (SELECT * FROM TUMBLE(b, ts, 10s)) AS r ON l.k = r.k AND l.window_start = r.window_start AND l.window_end = r.window_end`;
  const { expected, engine } = await lateOf(sink, streams, order, 'windowJoin');
  assert.deepEqual(expected, [`a:1@${sec(10)}`, `b:2@${sec(10)}`]);
  assert.deepEqual(engine, expected);
});

test('window Top-N over HOP rows: late per closed window; UNION (distinct): late behind the watermark', async () => {
  // a@16 (Wa 15 s), a@7: misses [0, 10) and [5, 15); a@12 misses [5, 15) (its end is the watermark), counts in [10, 20).
  const streams = { a: [at('x', 16), at('x', 7), at('x', 12)] };
  const order = [['a', 0], ['a', 1], ['a', 2]] as const;
  const top = `SELECT * FROM (SELECT k, window_start, v, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY v DESC) AS rn FROM HOP(a, ts, 5s, 10s)) WHERE rn <= 2`;
  const t = await lateOf(top, streams, order, 'topN');
  assert.deepEqual(t.expected, [`a:1@${sec(0)}`, `a:1@${sec(5)}`, `a:2@${sec(5)}`].sort());
  assert.deepEqual(t.engine, t.expected);
  // UNION: a@16 (W 15 s), b@3 (W still -inf on b: min is -inf), b@20 (W min(15, 15)), a@14.5 (late), b@15 (on time).
  const u = await lateOf('SELECT k, ts FROM a UNION SELECT k, ts FROM b', { a: [at('x', 16), at('x', 14.5)], b: [at('y', 3), at('y', 20), at('y', 15)] }, [['a', 0], ['b', 0], ['b', 1], ['a', 1], ['b', 2]], 'distinct');
  assert.deepEqual(u.expected, ['a:1']);
  assert.deepEqual(u.engine, u.expected);
});

test('temporal JOIN: stream rows and table versions each on their own input\'s watermark', async () => {
  const text = `CREATE SOURCE s (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 's.jsonl');
CREATE TABLE t (k VARCHAR, v INT, ts TIMESTAMP, PRIMARY KEY (k), WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 't.jsonl');
CREATE SINK out WITH (connector = 'file', path = 'o.jsonl') AS SELECT s.k, s.ts, t.v FROM s JOIN t FOR SYSTEM_TIME AS OF s.ts ON s.k = t.k;`;
  const { plan } = planOf(text);
  // s@20 (Ws 19 s), t@5 (Wt -inf: on time), t@30 (Wt 30 s), s@18 (late), t@25 (late), s@19 (on time).
  const streams = { s: [at('x', 20), at('x', 18), at('x', 19)], t: [at('x', 5), at('x', 30), at('x', 25)] };
  const r = await runScheduled(plan, streams, oneByOne([['s', 0], ['t', 0], ['t', 1], ['s', 1], ['t', 2], ['s', 2]]));
  const rule = expectedLate(plan, r.arrival);
  assert.deepEqual(rule.skipped, []);
  const op = rule.checked.find((c) => c.kind === 'temporalJoin')!;
  assert.deepEqual(op.expected, ['s:1', 't:2']);
  assert.deepEqual(engineLateKeys(r.late, op.operator), op.expected);
});

/** The planted bug: the interval join judges every row, a right one too, by the left input's watermark. */
function plantLeftWatermarkForBoth(): () => void {
  const proto = IntervalJoinOperator.prototype as unknown as { onData(batch: Batch, input: number): void };
  const saved = proto.onData;
  proto.onData = function (this: { ctx: OperatorContext }, batch: Batch, input: number): void {
    const ctx = this.ctx as { inputWatermark?: (input: number) => number };
    const own = ctx.inputWatermark;
    if (own) ctx.inputWatermark = () => own.call(ctx, 0);
    try {
      saved.call(this, batch, input);
    } finally {
      ctx.inputWatermark = own;
    }
  };
  return () => {
    proto.onData = saved;
  };
}

test('planted bug: an interval join judging a right row by the left watermark is found, shrunk, and replays', async () => {
  const job = `${SOURCES}CREATE SINK out WITH (connector = 'file', path = 'o.jsonl') AS ${JOIN};\n`;
  const { s, sinks } = planOf(job);
  const clean = await generateTest(s.catalog, sinks, EMPTY_SPEC, { job: 'job.sql', seed: 5, runs: 40 });
  assert.ok(clean.passed, clean.lines.map((l) => `${l.check} ${l.status} ${l.note ?? ''}`).join('\n'));
  assert.equal(clean.lines.find((l) => l.check === 'late')!.status, 'pass');

  const restore = plantLeftWatermarkForBoth();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-gen-join-'));
  try {
    const r = await generateTest(s.catalog, sinks, EMPTY_SPEC, { job: 'job.sql', seed: 5 });
    const late = r.lines.find((l) => l.check === 'late')!;
    assert.equal(late.status, 'fail', r.lines.map((l) => `${l.check} ${l.status} ${l.note ?? ''}`).join('\n'));
    assert.match(late.note!, /intervalJoin \(node \d+\): dropped b:\d+ as late, which the watermark rule admits/);
    // Shrunk: a left row to raise the left watermark, and the right row behind it.
    const records = Number(/shrunk to (\d+) record/.exec(r.fixture!)?.[1]);
    assert.ok(records >= 2 && records <= 4, `a shrunk fixture, got ${records} records:\n${r.fixture}`);
    writeFileSync(path.join(dir, 'job.sql'), job);
    writeFileSync(path.join(dir, 'job.test.yaml'), `cases:\n${r.fixture!}\n`);
    const planted = await runTestFile(path.join(dir, 'job.test.yaml'));
    assert.equal(planted.error, undefined);
    assert.equal(planted.cases[0]!.pass, false, 'the fixture case fails while the bug is in');
    restore();
    const fixed = await runTestFile(path.join(dir, 'job.test.yaml'));
    assert.equal(fixed.cases[0]!.pass, true, 'and passes once it is out');
  } finally {
    restore();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a window Top-N over windowed results expects none late; an interval join over them is still skipped, with the reason', async () => {
  const streams = { a: [at('x', 21), at('y', 15), at('x', 32), at('y', 5)] };
  const order = [['a', 0], ['a', 1], ['a', 2], ['a', 3]] as const;
  const top = `SELECT * FROM (SELECT k, window_start, window_end, n, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY n DESC) AS rn FROM (SELECT k, window_start, window_end, COUNT(*) AS n FROM a GROUP BY k, TUMBLE(ts, 10s))) WHERE rn <= 1`;
  const t = await lateOf(top, streams, order, 'topN');
  assert.deepEqual(t.expected, []);
  assert.deepEqual(t.engine, []);
  // The window itself drops a@15 ([10, 20) ends at the watermark 20 s) and a@5.
  assert.deepEqual(t.rule.checked.find((c) => c.kind === 'windowAgg')!.expected, ['a:1', 'a:3']);
  const { plan } = planOf(`${SOURCES}CREATE SINK out WITH (connector = 'file', path = 'o.jsonl') AS SELECT w.k, w.window_time, b.v FROM (SELECT k, window_time, COUNT(*) AS n FROM a GROUP BY k, TUMBLE(ts, 10s)) AS w JOIN b ON w.k = b.k AND b.ts BETWEEN w.window_time AND w.window_time + INTERVAL '5' SECOND;`);
  const skipped = expectedLate(plan, []).skipped;
  assert.equal(skipped.length, 1);
  assert.match(skipped[0]!, /intervalJoin, fed by node \d+ \(windowAgg\)/);
});

test('a late drop without provenance is a key of its own, so a "none late" expectation cannot pass over it', () => {
  const keys = engineLateKeys(
    [
      { operator: 4, ref: undefined, eventTime: sec(5), watermark: sec(20), windowStart: sec(0), reason: 'window closed' },
      { operator: 4, ref: { source: 'a', seq: 2 } as never, eventTime: sec(6), watermark: sec(20), windowStart: undefined, reason: 'late' },
      { operator: 5, ref: undefined, eventTime: sec(7), watermark: sec(20), windowStart: undefined, reason: 'another operator' },
    ],
    4,
  );
  assert.deepEqual(keys, ['a:2', `unnamed row at 2024-05-20T10:00:05.000Z@${sec(0)}`].sort());
});

test('after a lookup JOIN with a watermarked file table a window expects no late row: the held rows are not late', async () => {
  const { plan } = planOf(`${SOURCES}CREATE TABLE t (k VARCHAR, name VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts, PRIMARY KEY (k)) WITH (connector = 'file', path = 't.jsonl');
CREATE SINK out WITH (connector = 'file', path = 'o.jsonl') AS SELECT t.name, COUNT(*) AS n FROM a JOIN t ON a.k = t.k GROUP BY t.name, TUMBLE(a.ts, 10s);`);
  // The table's row is an hour ahead; a@2 arrives behind a's watermark (29 s). Every stream row
  // waits for the table's end (the end of the schedule), so the window after the join sees the
  // join's watermark only then: none is late (the join's watermark was min(stream, table) before
  // time.ts counted the table only at its end, and the window dropped all four).
  const hour = BASE_MS + 3600_000;
  const streams = { a: [at('x', 1), at('x', 15), at('x', 30), at('x', 2)], t: [{ kind: 'row', values: { k: 'x', name: 'X', ts: new Date(hour).toISOString() }, ms: hour } as Item] };
  const r = await runScheduled(plan, streams, oneByOne([['a', 0], ['t', 0], ['a', 1], ['a', 2], ['a', 3]]));
  const rule = expectedLate(plan, r.arrival);
  assert.deepEqual(rule.skipped, []);
  const win = rule.checked.find((c) => c.kind === 'windowAgg')!;
  assert.ok(win, `the window is checked: ${JSON.stringify(rule.checked)}`);
  assert.deepEqual(win.expected, []);
  assert.deepEqual(engineLateKeys(r.late, win.operator), []);
});
