// The generated streams and the independent watermark rule: generators keep to their overrides
// and declared unique keys while still producing late rows, duplicates, NULLs and malformed
// records; the rule names late rows at the window bounds (a window whose end equals the
// watermark is closed), per HOP window, and for LAG, and agrees with the engine.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { sourceArb, BASE_MS, type Item } from '../../../src/testkit/generate/arbitrary.js';
import { defaultSourceSpec } from '../../../src/testkit/generate/spec.js';
import { parseGenExpr } from '../../../src/testkit/generate/expr.js';
import { engineLateKeys, expectedLate } from '../../../src/testkit/generate/late-rule.js';
import { makeSchedule, rebatch, runScheduled } from '../../../src/testkit/generate/run.js';

const SOURCE = `CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, n INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'x.jsonl');`;

function planOf(sink: string) {
  const s = loadScriptText(`${SOURCE}\nCREATE SINK out WITH (connector = 'file', path = 'o.jsonl') AS ${sink};`, 'job.sql', '/tmp');
  return { plan: planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: true }), def: s.catalog.sources.get('raw')! };
}

test('generated rows keep to the overrides and unique keys, with late rows, duplicates, NULLs and malformed records among them', () => {
  const { def } = planOf('SELECT sensor, COUNT(*) AS c FROM raw GROUP BY sensor, TUMBLE(ts, 10s)');
  const spec = { ...defaultSourceSpec(), unique: ['sensor', 'ts'], columns: new Map([['sensor', parseGenExpr('not_null(one_of(S1..S3))')], ['value', parseGenExpr('between(0, 100)')], ['n', parseGenExpr('keys(2)')]]) };
  let late = 0;
  let dups = 0;
  let raws = 0;
  let nulls = 0;
  for (const items of fc.sample(sourceArb(def, spec), { numRuns: 60, seed: 42 })) {
    let max = -Infinity;
    const keys = new Map<string, string>();
    items.forEach((it: Item, i) => {
      if (it.kind === 'raw') return void raws++;
      if (it.kind !== 'row') return;
      const v = it.values;
      assert.ok(['S1', 'S2', 'S3'].includes(v['sensor'] as string), `sensor ${String(v['sensor'])}`);
      if (v['value'] === null) nulls++;
      else assert.ok((v['value'] as number) >= 0 && (v['value'] as number) <= 100, `value ${String(v['value'])}`);
      assert.ok(v['n'] === null || v['n'] === 1 || v['n'] === 2, `n ${String(v['n'])}`);
      assert.equal(v['ts'], new Date(it.ms!).toISOString().replace('.000Z', 'Z'));
      const key = `${String(v['sensor'])}|${String(v['ts'])}`;
      const row = JSON.stringify(v);
      assert.ok(!keys.has(key) || keys.get(key) === row, `two different rows share the unique key ${key}`);
      keys.set(key, row);
      const prev = items[i - 1];
      if (prev?.kind === 'row' && JSON.stringify(prev.values) === row) dups++;
      if (it.ms! < max - 1000) late++;
      max = Math.max(max, it.ms!);
    });
  }
  assert.ok(late > 10 && dups > 10 && raws > 10 && nulls > 10, `late ${late}, duplicates ${dups}, malformed ${raws}, NULLs ${nulls}`);
});

const row = (sensor: string, sec: number): Item => {
  const ms = BASE_MS + sec * 1000;
  return { kind: 'row', values: { sensor, value: 1, n: 1, ts: new Date(ms).toISOString() }, ms };
};

async function lateOf(sink: string, items: Item[]) {
  const { plan } = planOf(sink);
  const streams = { raw: items };
  const r = await runScheduled(plan, streams, makeSchedule(streams, [2, 1, 3], [0]));
  const rule = expectedLate(plan, r.arrival);
  assert.equal(rule.checked.length, 1);
  const op = rule.checked[0]!;
  return { expected: op.expected, engine: engineLateKeys(r.late, op.operator) };
}

test('TUMBLE: a row is late when its window ends at or before the watermark it sees', async () => {
  // watermark after 12 s and 21 s: 11 s, then 20 s; 9.999 s ends at 10 s (late), 19.999 s ends exactly at 20 s (late), 10 s is on time.
  const items = [row('a', 0), row('a', 12), { ...row('a', 9.999) }, row('a', 10), row('a', 21), row('b', 19.999), row('b', 20)];
  const { expected, engine } = await lateOf('SELECT sensor, COUNT(*) AS c FROM raw GROUP BY sensor, TUMBLE(ts, 10s)', items);
  assert.deepEqual(expected, ['raw:2', 'raw:5']);
  assert.deepEqual(engine, expected);
});

test('HOP: late per window; WHERE-filtered rows are never late', async () => {
  // After 16 s the watermark is 15 s: a row at 7 s misses [0, 10) and [5, 15); one at 12 s misses
  // [5, 15) (its end is the watermark) and counts in [10, 20); sensor x never reaches the window.
  const items = [row('a', 16), row('a', 7), row('a', 12), row('x', 1)];
  const { expected, engine } = await lateOf("SELECT sensor, COUNT(*) AS c FROM raw WHERE sensor <> 'x' GROUP BY sensor, HOP(ts, 5s, 10s)", items);
  const s = (sec: number) => (BASE_MS + sec * 1000) * 1000;
  assert.deepEqual(expected, [`raw:1@${s(0)}`, `raw:1@${s(5)}`, `raw:2@${s(5)}`].sort());
  assert.deepEqual(engine, expected);
});

test('LAG: late when before the watermark, on time at it', async () => {
  const items = [row('a', 10), row('a', 8.999), row('a', 9), row('a', 9.5)];
  const { expected, engine } = await lateOf('SELECT sensor, value, LAG(value) OVER (PARTITION BY sensor ORDER BY ts) AS prev FROM raw', items);
  assert.deepEqual(expected, ['raw:1']);
  assert.deepEqual(engine, expected);
});

test('below a UNION ALL the watermark is the minimum over the branches\' sources', async () => {
  const s = loadScriptText(
    `CREATE SOURCE a (sensor VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'a.jsonl');
CREATE SOURCE b (sensor VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'b.jsonl');
CREATE SINK out WITH (connector = 'file', path = 'o.jsonl') AS SELECT sensor, COUNT(*) AS c FROM (SELECT sensor, ts FROM a UNION ALL SELECT sensor, ts FROM b) GROUP BY sensor, TUMBLE(ts, 10s);`,
    'job.sql',
    '/tmp',
  );
  const plan = planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: true });
  const at = (sec: number): Item => ({ kind: 'row', values: { sensor: 'x', ts: new Date(BASE_MS + sec * 1000).toISOString() }, ms: BASE_MS + sec * 1000 });
  // a@12 (a's watermark 11 s, b has none: the union's is -inf), b@0 (on time), b@20 (union: min(11, 20) = 11),
  // then a@5 and b@9: window [0, 10) ended at 10 s <= 11 s, both late.
  const streams = { a: [at(12), at(5)], b: [at(0), at(20), at(9)] };
  const steps = [
    { source: 'a', from: 0, size: 1 },
    { source: 'b', from: 0, size: 2 },
    { source: 'a', from: 1, size: 1 },
    { source: 'b', from: 2, size: 1 },
  ];
  const r = await runScheduled(plan, streams, steps);
  const rule = expectedLate(plan, r.arrival);
  assert.deepEqual(rule.skipped, []);
  assert.deepEqual(rule.checked[0]!.expected, ['a:1', 'b:2']);
  assert.deepEqual(engineLateKeys(r.late, rule.checked[0]!.operator), ['a:1', 'b:2']);
});

test('other batch sizes keep every record\'s place in the arrival order across sources', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(3), { minLength: 1, maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }), (sizes, turns, other) => {
      const streams = { a: Array.from({ length: 11 }, () => row('a', 0)), b: Array.from({ length: 7 }, () => row('b', 0)) };
      const first = makeSchedule(streams, sizes, turns);
      const second = rebatch(first, other);
      const order = (steps: typeof first) => steps.flatMap((s) => Array.from({ length: s.size }, (_, j) => `${s.source}${s.from + j}`));
      assert.deepEqual(order(second), order(first));
      assert.equal(order(first).length, 18);
    }),
    { numRuns: 200, seed: 3 },
  );
});
