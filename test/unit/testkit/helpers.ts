// A job and its test file in a fresh temporary folder, for the runner's tests.

import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Writes `job.sql`, `job.test.yaml` (or the name given) and any extra files; returns the test file's path. */
export function fixture(sql: string, testFile: string, extra: Record<string, string> = {}, name = 'job.test.yaml'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-testkit-'));
  writeFileSync(path.join(dir, 'job.sql'), sql);
  writeFileSync(path.join(dir, name), testFile);
  for (const [f, text] of Object.entries(extra)) writeFileSync(path.join(dir, f), text);
  return path.join(dir, name);
}

export const WINDOW_JOB = `CREATE SOURCE raw (
  sensor VARCHAR, value DOUBLE, ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (connector = 'file', path = 'in.jsonl', format = 'jsonl', dead_letter = 'dlq.jsonl', late = 'late.jsonl');

CREATE SINK agg WITH (connector = 'file', path = 'out.jsonl') AS
SELECT sensor, window_start, COUNT(*) AS n, AVG(value) AS mean FROM raw GROUP BY sensor, TUMBLE(ts, 10s);

CREATE SINK counts WITH (connector = 'file', path = 'counts.jsonl') AS
SELECT sensor, COUNT(*) AS n FROM raw GROUP BY sensor;
`;

export const KAFKA_JOB = `CREATE SOURCE raw (
  sensor VARCHAR KEY,
  value DOUBLE,
  ts TIMESTAMP,
  _partition INT,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (connector = 'kafka', topic = 'readings', format = 'json', idle_timeout = '5s', dead_letter = 'readings.dlq', late = 'readings.late');

CREATE SINK agg WITH (connector = 'kafka', topic = 'agg', format = 'json') AS
SELECT sensor, window_start, COUNT(*) AS n FROM raw GROUP BY sensor, TUMBLE(ts, 10s);

CREATE SINK seen WITH (connector = 'kafka', topic = 'seen', format = 'json') AS
SELECT sensor, value, _partition AS p FROM raw;
`;
