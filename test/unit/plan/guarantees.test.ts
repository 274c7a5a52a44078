// Each output's guarantee (plan/guarantees.ts): sinks as their connectors state them, a Kafka
// source's side outputs in the transaction of the first exactly-once Kafka sink it feeds on its
// brokers (else at least once), file side outputs cut back to their checkpointed length.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { describeOutput, outputGuarantees } from '../../../src/plan/guarantees.js';

const KAFKA = `CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = 'in', brokers = 'b:9092', dead_letter = 'in.dlq', late = 'in.late');
`;
const FILE = `CREATE SOURCE f (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'x.jsonl', dead_letter = 'bad.jsonl', late = 'late.jsonl');
`;

function outputs(sql: string, checkpoints = true): string[] {
  const s = loadScriptText(sql, 'job.sql', process.cwd(), new Catalog());
  const plan = planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false });
  return outputGuarantees(plan, { job: 'job', checkpoints }).map(describeOutput);
}

test("side outputs join the first declared exactly-once Kafka sink's transaction", () => {
  assert.deepEqual(
    outputs(`${KAFKA}
CREATE SINK plain WITH (connector = 'kafka', topic = 'o0', brokers = 'b:9092', guarantee = 'at_least_once') AS SELECT k FROM ev;
CREATE SINK first WITH (connector = 'kafka', topic = 'o1', brokers = 'b:9092') AS SELECT k FROM ev;
CREATE SINK second WITH (connector = 'kafka', topic = 'o2', brokers = 'b:9092') AS SELECT k, COUNT(*) AS n FROM ev GROUP BY k, TUMBLE(ts, 1s);`),
    [
      'plain → kafka o0: at least once',
      'first → kafka o1: exactly once (Kafka transaction)',
      'second → kafka o2: exactly once (Kafka transaction)',
      'ev dead letters → kafka in.dlq: exactly once (Kafka transaction of sink first)',
      'ev late rows → kafka in.late: exactly once (Kafka transaction of sink first)',
    ],
  );
});

test('without an exactly-once Kafka sink on its brokers, a Kafka side output is at least once', () => {
  const side = ['ev dead letters → kafka in.dlq: at least once', 'ev late rows → kafka in.late: at least once'];
  // Only an at-least-once sink.
  assert.deepEqual(outputs(`${KAFKA}CREATE SINK s WITH (connector = 'kafka', topic = 'o', brokers = 'b:9092', guarantee = 'at_least_once') AS SELECT k FROM ev;`).slice(1), side);
  // An exactly-once sink on other brokers: one transaction cannot span two clusters.
  assert.deepEqual(outputs(`${KAFKA}CREATE SINK s WITH (connector = 'kafka', topic = 'o', brokers = 'c:9092') AS SELECT k FROM ev;`), ['s → kafka o: exactly once (Kafka transaction)', ...side]);
  // A file sink.
  assert.deepEqual(outputs(`${KAFKA}CREATE SINK s WITH (connector = 'file', path = 'o.jsonl') AS SELECT k FROM ev;`), ['s → file o.jsonl: exactly once (file truncated to checkpoint)', ...side]);
  // An exactly-once sink fed by another source only.
  assert.deepEqual(
    outputs(`${KAFKA}CREATE SOURCE other (k VARCHAR) WITH (connector = 'kafka', topic = 'in2', brokers = 'b:9092');
CREATE SINK s WITH (connector = 'kafka', topic = 'o', brokers = 'b:9092') AS SELECT k FROM other;
CREATE SINK t WITH (connector = 'stdout') AS SELECT k FROM ev;`),
    ['s → kafka o: exactly once (Kafka transaction)', 't → stdout: none (stdout)', ...side],
  );
  // No checkpoints (the REPL): nothing commits at checkpoints.
  assert.deepEqual(outputs(`${KAFKA}CREATE SINK s WITH (connector = 'kafka', topic = 'o', brokers = 'b:9092') AS SELECT k FROM ev;`, false), ['s → kafka o: at least once', ...side]);
});

test('file side outputs and file sinks are cut back to their checkpointed length; stdout promises nothing', () => {
  assert.deepEqual(outputs(`${FILE}CREATE SINK s WITH (connector = 'stdout') AS SELECT k FROM f;`), [
    's → stdout: none (stdout)',
    'f dead letters → file bad.jsonl: exactly once (file truncated to checkpoint)',
    'f late rows → file late.jsonl: exactly once (file truncated to checkpoint)',
  ]);
});
