// The `\watermarks` report for a Kafka source over a fake job: each partition's watermark and
// idleness, and an open window held back by the partition behind the others.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { watermarkReport, type WatchedJob } from '../../src/repl/status.js';
import type { Job } from '../../src/exec/job.js';
import type { JobMetrics, PartitionMetrics } from '../../src/exec/metrics.js';
import type { PhysicalPlan, SourceNode } from '../../src/plan/physical.js';

const SEC = 1_000_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0) * 1000;

function fakeJob(partitions: PartitionMetrics[], options: Record<string, string> = {}): WatchedJob {
  const source = { id: 0, kind: 'source', inputs: [], source: { name: 'readings', options: { connector: 'kafka', ...options } } } as unknown as SourceNode;
  const agg = { id: 1, kind: 'windowAgg', inputs: [0], window: { kind: 'tumble', sizeMicros: 10 * SEC } };
  const plan = { nodes: [source, agg] } as unknown as PhysicalPlan;
  const active = partitions.filter((p) => !p.idle);
  const watermark = Math.min(...active.map((p) => p.watermark));
  const metrics: JobMetrics = {
    sources: [{ name: 'readings', recordsIn: 30, deadLetters: 0, late: 0, watermark, maxEventTime: T0 + 20 * SEC, ended: false, partitions }],
    sinks: [],
    state: [],
    startedAt: 0,
  };
  const job = {
    metrics: () => metrics,
    timeState: () => [{ operator: 1, table: 'windows', watermark, openTimes: 1, earliest: T0 + 10 * SEC }],
  } as unknown as Job;
  return { job, plan, startedAt: 0, finishedAt: undefined, running: true, sourceNodes: [source], silentFor: () => 0 };
}

const now = T0 / 1000 + 60_000;

test('\\watermarks lists each Kafka partition with its watermark, lag and idleness', () => {
  const lines = watermarkReport(
    fakeJob([
      { partition: 0, watermark: T0 + 15 * SEC, idle: false, records: 20 },
      { partition: 1, watermark: T0 + 5 * SEC, idle: false, records: 10, lag: 7 },
      { partition: 2, watermark: Number.NEGATIVE_INFINITY, idle: true, records: 0 },
    ]),
    now,
  );
  assert.deepEqual(lines.slice(1, 5), [
    '  readings: watermark 12:00:05.000, 55.0s behind the wall clock; 30 records, 0 late, 0 dead-lettered; active',
    '    partition 0: watermark 12:00:15.000, 45.0s behind the wall clock; 20 records; active',
    '    partition 1: watermark 12:00:05.000, 55.0s behind the wall clock; 10 records, 7 unread; active',
    '    partition 2: watermark none yet; 0 records; idle (not holding the watermark back)',
  ]);
  assert.match(lines[5]!, /the earliest \[12:00:00\.000, 12:00:10\.000\) is held back by readings partition 1 \(watermark 12:00:05\.000\), while partition 0 is at 12:00:15\.000; a quiet partition holds the watermark for good unless the source sets idle_timeout/);
});

test('a silent partition without records holds the window; with idle_timeout there is no hint', () => {
  const parts = [
    { partition: 0, watermark: T0 + 15 * SEC, idle: false, records: 20 },
    { partition: 1, watermark: Number.NEGATIVE_INFINITY, idle: false, records: 0 },
  ];
  const lines = watermarkReport(fakeJob(parts, { idle_timeout: '10s' }), now);
  const last = lines.at(-1)!;
  assert.match(last, /held back by readings partition 1 \(no records yet\), while partition 0 is at 12:00:15\.000$/);
});

test('no partition is named when every active partition is behind the window end', () => {
  const lines = watermarkReport(fakeJob([
    { partition: 0, watermark: T0 + 5 * SEC, idle: false, records: 5 },
    { partition: 1, watermark: T0 + 6 * SEC, idle: false, records: 5 },
  ]), now);
  assert.match(lines.at(-1)!, /is waiting for the watermark \(12:00:05\.000\) to pass its end, 5\.0s of event time to go/);
});
