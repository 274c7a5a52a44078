// Two exactly-once Kafka sinks fed by one Kafka source (one consumer group): each sink's
// commits must be told apart from the other's (the second commits to `<group>.sink-<name>`).
// The job is killed inside a checkpoint (the previous one committed by both sinks), after one
// sink committed a checkpoint and before the other did, and before either did, restarted each
// time; a read-committed consumer of each output topic must see exactly what an uninterrupted
// run writes, none lost, none doubled. Also: the marker rule reads the first sink's group.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { broker, client, createTopic, produceMessages, readCommitted, unique, type TestMessage } from './broker.js';
import { runJob } from './crash-run.js';

/** Enough for a dozen checkpoints of 150 ms, so that checkpoint 5 is not the last. */
const ROWS = 120_000;

function job(input: string, agg: string, low: string, group: string): string {
  return `CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = '${input}', group = '${group}', bounded = 'latest', session_timeout = '6s', fetch_max_bytes = '4096');
CREATE SINK agg WITH (connector = 'kafka', topic = '${agg}', partitions = '3') AS
  SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY k, TUMBLE(ts, 1s);
CREATE SINK low WITH (connector = 'kafka', topic = '${low}', partitions = '3') AS
  SELECT k, v, ts FROM ev WHERE v < 20;
`;
}

/** Event time ascending within each partition, so no row is late however partitions interleave. */
function input(): TestMessage[] {
  const base = Date.UTC(2024, 4, 20, 10, 0, 0);
  const out: TestMessage[] = [];
  for (let i = 0; i < ROWS; i++) {
    out.push({ partition: i % 3, key: null, value: JSON.stringify({ k: `u${(i * 7919) % 40}`, v: (i * 31) % 100, ts: new Date(base + i * 5).toISOString() }) });
  }
  return out;
}

function sameLines(what: string, got: readonly string[], want: readonly string[]): void {
  if (got.length !== want.length || got.some((l, i) => l !== want[i])) {
    const first = got.findIndex((l, i) => l !== want[i]);
    assert.fail(`${what}: ${got.length} committed records after crashes vs ${want.length} uninterrupted; first difference (sorted) at ${first}: ${got[first]} vs ${want[first]}`);
  }
}

test('two exactly-once sinks on one Kafka source: kills inside a checkpoint and before a commit, restarts: each topic holds exactly the uninterrupted output', { timeout: 400_000 }, async () => {
  await broker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-eos-multi-'));
  const inTopic = unique('eos-multi-in');
  const [refAgg, refLow] = [unique('eos-multi-ref-agg'), unique('eos-multi-ref-low')];
  const [agg, low] = [unique('eos-multi-agg'), unique('eos-multi-low')];
  const group = unique('g-multi-eos');
  await createTopic(inTopic, 3);
  await produceMessages(inTopic, input());
  writeFileSync(path.join(dir, 'ref.sql'), job(inTopic, refAgg, refLow, unique('g-multi-ref')));
  writeFileSync(path.join(dir, 'eos.sql'), job(inTopic, agg, low, group));
  const recommitted = (stderr: string, topic: string, id: number): boolean => new RegExp(`kafka sink '${topic}': the transaction of checkpoint ${id} never committed`).test(stderr);

  const ref = await runJob(dir, 'ref.sql');
  assert.equal(ref.code, 0, ref.stderr);
  assert.match(ref.stderr, /agg → kafka \S+: exactly once \(Kafka transaction\)/);
  assert.match(ref.stderr, /low → kafka \S+: exactly once \(Kafka transaction\)/);

  // Killed inside checkpoint 3: both sinks committed checkpoint 2; neither may commit it again.
  const inside = await runJob(dir, 'eos.sql', undefined, { SLUICE_TEST_KILL_IN_CHECKPOINT: '3' });
  assert.equal(inside.signal, 'SIGKILL', inside.stderr);
  // Killed after sink agg committed checkpoint 4, before sink low did: only low commits it on restart.
  const lowOnly = await runJob(dir, 'eos.sql', undefined, { SLUICE_TEST_KILL_BEFORE_COMMIT: `4:${low}` });
  assert.equal(lowOnly.signal, 'SIGKILL', lowOnly.stderr);
  assert.match(lowOnly.stderr, /resuming from checkpoint 2 of /);
  assert.ok(!recommitted(lowOnly.stderr, agg, 2) && !recommitted(lowOnly.stderr, low, 2), `checkpoint 2 was committed by both sinks:\n${lowOnly.stderr}`);
  // Killed before either sink committed checkpoint 5 (sink agg commits first): both commit it on restart.
  const both = await runJob(dir, 'eos.sql', undefined, { SLUICE_TEST_KILL_BEFORE_COMMIT: '5' });
  assert.equal(both.signal, 'SIGKILL', both.stderr);
  assert.match(both.stderr, /resuming from checkpoint 4 of /);
  assert.ok(recommitted(both.stderr, low, 4) && !recommitted(both.stderr, agg, 4), `only sink low's checkpoint 4 needed a commit:\n${both.stderr}`);
  const last = await runJob(dir, 'eos.sql');
  assert.equal(last.code, 0, last.stderr);
  assert.match(last.stderr, /resuming from checkpoint 5 of /);
  assert.ok(recommitted(last.stderr, agg, 5) && recommitted(last.stderr, low, 5), `both sinks' checkpoint 5 needed a commit:\n${last.stderr}`);
  if (process.env['SLUICE_TEST_VERBOSE']) console.log(lowOnly.stderr, both.stderr, last.stderr);

  sameLines('sink agg', await readCommitted(agg), await readCommitted(refAgg));
  sameLines('sink low', await readCommitted(low), await readCommitted(refLow));

  // Where the markers are: the first sink's in the source's group, the second's in a group of its own.
  const admin = (await client()).admin();
  await admin.connect();
  try {
    const marks = async (g: string): Promise<string[]> => [...new Set(((await admin.fetchOffsets({ groupId: g, topics: [inTopic] }))[0]?.partitions ?? []).map((p) => p.metadata ?? ''))];
    const [first, second] = [await marks(group), await marks(`${group}.sink-low`)];
    assert.equal(first.length, 1, `group ${group}: ${first}`);
    assert.equal(second.length, 1, `group ${group}.sink-low: ${second}`);
    assert.match(first[0]!, /^sluice:\w+:\d+$/);
    assert.match(second[0]!, /^sluice:\w+:\d+$/);
    assert.notEqual(first[0]!.split(':')[1], second[0]!.split(':')[1], 'each sink commits its own run');
  } finally {
    await admin.disconnect();
  }

  // The state directory lost: refused by the marker rule, naming the group the marker is in.
  rmSync(path.join(dir, '.sluice', 'eos'), { recursive: true });
  const lost = await runJob(dir, 'eos.sql');
  assert.equal(lost.code, 2, lost.stderr);
  assert.match(lost.stderr, new RegExp(`holds no checkpoint, but sink 'agg' committed output to topic '${agg}' through checkpoint \\d+ \\(marker sluice:\\w+:\\d+ in consumer group '${group}'`));
});
