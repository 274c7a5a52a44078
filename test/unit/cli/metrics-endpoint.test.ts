// The Prometheus exposition over a fake job: label escaping, per-partition families, no
// watermark sample before the first event, +Inf once a source ended.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prometheusText, type MetricsSource } from '../../../src/cli/metrics-endpoint.js';

test('per-source, per-partition, sink, checkpoint and state samples', () => {
  const now = 1_800_000_000_000;
  const job: MetricsSource = {
    metrics: () => ({
      sources: [
        { name: 'k"s', recordsIn: 7, deadLetters: 1, late: 2, watermark: (now - 5000) * 1000, maxEventTime: 0, ended: false, partitions: [
          { partition: 0, watermark: (now - 5000) * 1000, idle: false, records: 4, lag: 12 },
          { partition: 1, watermark: Number.NEGATIVE_INFINITY, idle: true, records: 0 },
        ] },
        { name: 'files', recordsIn: 3, deadLetters: 0, late: 0, watermark: Number.POSITIVE_INFINITY, maxEventTime: 0, ended: true },
        { name: 'fresh', recordsIn: 0, deadLetters: 0, late: 0, watermark: Number.NEGATIVE_INFINITY, maxEventTime: 0, ended: false },
      ],
      sinks: [{ name: 'out', rowsOut: 9 }],
      state: [],
      startedAt: now - 60_000,
    }),
    stateSizes: () => [{ operator: 2, table: 'windows', rows: 5, bytes: 1500, spilledRows: 0, spilledBytes: 0 }],
    lastCheckpoint: { id: 3, bytes: 4096, ms: 12.5 },
  };
  const text = prometheusText(job, now);
  const samples = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  for (const want of [
    'sluice_source_records_total{source="k\\"s"} 7',
    'sluice_source_late_rows_total{source="k\\"s"} 2',
    'sluice_source_dead_letters_total{source="k\\"s"} 1',
    `sluice_source_watermark_seconds{source="k\\"s"} ${(now - 5000) / 1000}`,
    'sluice_source_watermark_lag_seconds{source="k\\"s"} 5',
    'sluice_source_watermark_seconds{source="files"} +Inf',
    'sluice_partition_watermark_seconds{source="k\\"s",partition="0"} 1799999995',
    'sluice_partition_watermark_lag_seconds{source="k\\"s",partition="0"} 5',
    'sluice_partition_records_total{source="k\\"s",partition="1"} 0',
    'sluice_partition_idle{source="k\\"s",partition="1"} 1',
    'sluice_partition_consumer_lag_records{source="k\\"s",partition="0"} 12',
    'sluice_sink_rows_total{sink="out"} 9',
    'sluice_checkpoint_duration_seconds 0.0125',
    'sluice_checkpoint_size_bytes 4096',
    'sluice_state_rows{operator="2",table="windows"} 5',
    'sluice_state_bytes{operator="2",table="windows"} 1500',
  ]) assert.ok(samples.includes(want), `missing ${want} in\n${text}`);
  assert.ok(!samples.some((l) => /source="fresh"/.test(l) && /watermark/.test(l)), 'no watermark sample before the first event');
  assert.ok(!samples.some((l) => /lag_seconds\{source="files"/.test(l)), 'no lag once ended');
  assert.equal(text.match(/^# TYPE sluice_source_records_total counter$/gm)?.length, 1);
});
