// Generated streams of Kafka sources: records spread over partitions (by key hash when the
// source has KEY columns), with watermark steps and idle partitions among them; the independent
// late rule keeps one watermark per partition (the minimum over the active ones); a planted bug
// (the source watermark as the maximum over partitions) is found, shrunk to a fixture case with
// `_partition:`, `watermark:` and `idle:` entries, and that case replays under `sluice test`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { loadScriptFile, loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { PartitionWatermarks } from '../../../src/exec/time.js';
import { sourceArb, BASE_MS, type Item } from '../../../src/testkit/generate/arbitrary.js';
import { defaultSourceSpec, EMPTY_SPEC } from '../../../src/testkit/generate/spec.js';
import { engineLateKeys, expectedLate } from '../../../src/testkit/generate/late-rule.js';
import { runScheduled } from '../../../src/testkit/generate/run.js';
import { generateTest } from '../../../src/testkit/generate/index.js';
import { runTestFile } from '../../../src/testkit/runner.js';

const JOB = `CREATE SOURCE readings (
  sensor VARCHAR KEY,
  value DOUBLE,
  ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (connector = 'kafka', topic = 'readings', format = 'json', idle_timeout = '5s');
CREATE SINK agg WITH (connector = 'kafka', topic = 'agg', format = 'json') AS
SELECT sensor, window_start, COUNT(*) AS n FROM readings GROUP BY sensor, TUMBLE(ts, 10s);
`;

function load(text = JOB) {
  const s = loadScriptText(text, 'job.sql', '/tmp');
  const sinks = [...s.catalog.sinks.values()];
  return { s, sinks, plan: planSinks(s.catalog, sinks, { provenance: true }), def: s.catalog.sources.get('readings')! };
}

test('Kafka streams spread over partitions by key, with watermark steps and idle partitions among the records', () => {
  const { def } = load();
  const partOfKey = new Map<string, Set<number>>();
  let marks = 0;
  let idle = 0;
  const parts = new Set<number>();
  for (const items of fc.sample(sourceArb(def, defaultSourceSpec()), { numRuns: 40, seed: 11 })) {
    const perStream = new Map<string, number>();
    for (const it of items) {
      if (it.kind === 'watermark') marks++;
      if (it.kind === 'idle') idle++;
      if (it.kind !== 'row') continue;
      assert.ok(it.kafka, 'a Kafka row carries its message');
      parts.add(it.kafka.partition);
      // The key is the KEY column, the value the other columns.
      assert.equal(it.kafka.key, it.values['sensor'] === null ? null : String(it.values['sensor']));
      assert.deepEqual(Object.keys(JSON.parse(it.kafka.value)).sort(), ['ts', 'value']);
      if (it.kafka.key === null) continue;
      const was = perStream.get(it.kafka.key);
      assert.ok(was === undefined || was === it.kafka.partition, `key ${it.kafka.key} in two partitions of one stream`);
      perStream.set(it.kafka.key, it.kafka.partition);
      partOfKey.set(it.kafka.key, (partOfKey.get(it.kafka.key) ?? new Set()).add(it.kafka.partition));
    }
  }
  assert.deepEqual([...parts].sort(), [0, 1, 2]);
  assert.ok(marks > 10 && idle > 10, `watermark steps ${marks}, idle markers ${idle}`);
});

const at = (sensor: string, sec: number, partition: number): Item => {
  const ms = BASE_MS + sec * 1000;
  const ts = new Date(ms).toISOString();
  return { kind: 'row', values: { sensor, value: 1, ts }, ms, kafka: { partition, key: sensor, value: JSON.stringify({ value: 1, ts }) } };
};

test('the late rule keeps a watermark per partition: the minimum over the partitions that are not idle', async () => {
  const { plan } = load();
  // p0 runs ahead to 30 s while p1 is at 2 s: the source's watermark is 1 s, so p1's 3 s is on
  // time. p1 goes idle: the watermark is p0's 29 s, and p0's 12 s is late ([10, 20) closed).
  // A watermark step of p1 to 40 s wakes it: the minimum is p0's 29 s, so 25 s on p0 is on time;
  // then p0 steps to 50 s as well: the watermark is 40 s and 31 s on p1 is late.
  const items: Item[] = [at('a', 30, 0), at('b', 2, 1), at('b', 3, 1), { kind: 'idle', partition: 1 }, at('a', 12, 0), { kind: 'watermark', ms: BASE_MS + 40_000, partition: 1 }, at('a', 25, 0), { kind: 'watermark', ms: BASE_MS + 50_000, partition: 0 }, at('b', 31, 1)];
  const streams = { readings: items };
  const r = await runScheduled(plan, streams, [{ source: 'readings', from: 0, size: items.length }]);
  const rule = expectedLate(plan, r.arrival);
  assert.deepEqual(rule.checked[0]!.expected, ['readings:3', 'readings:5']);
  assert.deepEqual(engineLateKeys(r.late, rule.checked[0]!.operator), rule.checked[0]!.expected);
});

test('after a crash and restore an idle partition is idle again, so the restored run closes the same windows', async () => {
  const { plan } = load();
  // p1 goes idle; p0 moves the watermark to 44 s, which makes 35 s late. Idleness is not in the
  // checkpoint: were p1 active again after the restore, its 0 s would hold the watermark at 29 s.
  const items: Item[] = [at('a', 0, 0), at('b', 1, 1), { kind: 'idle', partition: 1 }, at('a', 30, 0), at('a', 45, 0), at('a', 35, 0)];
  const streams = { readings: items };
  const steps = items.map((_, i) => ({ source: 'readings', from: i, size: 1 }));
  const first = await runScheduled(plan, streams, steps);
  const second = await runScheduled(plan, streams, steps, { restore: { checkpointEvery: 1, crashAt: [4] } });
  assert.equal(second.crashes, 1);
  const rows = (r: typeof first) => [...r.sinkOutputs.values()].flatMap((o) => o.rows.map((x) => JSON.stringify(x))).sort();
  assert.deepEqual(engineLateKeys(first.late, 1), ['readings:4']); // the sixth entry, the fifth row
  assert.deepEqual(rows(second), rows(first));
});

test('the Kafka example job passes every check', async () => {
  const s = loadScriptFile(path.resolve('queries/sensor-kafka.sql'));
  const r = await generateTest(s.catalog, [...s.catalog.sinks.values()], EMPTY_SPEC, { job: 'queries/sensor-kafka.sql', seed: 5, runs: 30 });
  assert.ok(r.passed, r.lines.map((l) => `${l.check} ${l.status} ${l.note ?? ''}`).join('\n'));
  assert.ok(r.lines.every((l) => l.status === 'pass' && l.runs === 30));
});

/** The planted bug: the source watermark is the maximum over partitions, so one partition running ahead makes the others' rows late. */
function plantMaxOverPartitions(): () => void {
  type Pw = { marks: Map<number, number>; idle: Set<number>; combined: number; delay: number; hot: number | undefined };
  const proto = PartitionWatermarks.prototype as unknown as Record<string, unknown>;
  const saved = { observe: proto['observe'], recompute: proto['recompute'] };
  proto['recompute'] = function (this: Pw): number | undefined {
    const next = Math.max(...this.marks.values());
    if (next <= this.combined) return undefined;
    this.combined = next;
    return next;
  };
  proto['observe'] = function (this: Pw & { recompute(now: undefined): number | undefined }, partition: number, ts: number): number | undefined {
    const w = ts - this.delay;
    if (w > (this.marks.get(partition) ?? Number.NEGATIVE_INFINITY)) this.marks.set(partition, w);
    this.idle.delete(partition);
    return this.recompute(undefined);
  };
  return () => Object.assign(proto, saved);
}

test('planted bug: a source watermark taken as the maximum over partitions is found and shrunk to a fixture case that replays', async () => {
  const { s, sinks } = load();
  const clean = await generateTest(s.catalog, sinks, EMPTY_SPEC, { job: 'job.sql', seed: 21, runs: 40 });
  assert.ok(clean.passed, clean.lines.map((l) => `${l.check} ${l.status} ${l.note ?? ''}`).join('\n'));

  const restore = plantMaxOverPartitions();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-gen-kafka-'));
  try {
    const r = await generateTest(s.catalog, sinks, EMPTY_SPEC, { job: 'job.sql', seed: 21 });
    assert.equal(r.passed, false);
    const late = r.lines.find((l) => l.check === 'late')!;
    assert.equal(late.status, 'fail', r.lines.map((l) => `${l.check} ${l.status} ${l.note ?? ''}`).join('\n'));
    assert.match(late.note!, /dropped readings:\d+ as late, which the watermark rule admits/);
    const fixture = r.fixture!;
    // Two partitions at least: the records carry `_partition:` (0 is the default and left out).
    assert.match(fixture, /_partition: [12]/);
    writeFileSync(path.join(dir, 'job.sql'), JOB);
    writeFileSync(path.join(dir, 'job.test.yaml'), `cases:\n${fixture}\n`);
    const planted = await runTestFile(path.join(dir, 'job.test.yaml'));
    assert.equal(planted.error, undefined);
    assert.equal(planted.cases[0]!.pass, false, 'the fixture case fails while the bug is in');
    restore();
    const fixed = await runTestFile(path.join(dir, 'job.test.yaml'));
    assert.equal(fixed.cases[0]!.pass, true, `the fixture case passes once the bug is gone:\n${fixture}\n${JSON.stringify(fixed.cases[0]!.outputs)}`);
  } finally {
    restore();
    rmSync(dir, { recursive: true, force: true });
  }
});
