// What a checkpoint's plan fingerprint covers: changes that leave the state and what the
// positions refer to alone (--format, a sink's output format or key, batching, rates, connection
// settings, a datagen count) keep it; changes to the operator graph, to what a source reads or
// to where a sink writes change it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScriptText, planScript } from '../../src/cli/load.js';
import { selectSinks } from '../../src/cli/select-sinks.js';
import { planFingerprint } from '../../src/state/fingerprint.js';

const BASE = {
  fileSource: "connector = 'file', path = 'in.jsonl'",
  genSource: "connector = 'datagen', generator = 'sensors', count = 100, seed = 1",
  kafkaSource: "connector = 'kafka', topic = 'in', group = 'g'",
  fileSink: "connector = 'file', path = 'out.jsonl'",
  kafkaSink: "connector = 'kafka', topic = 'out'",
  window: '10s',
  filter: 'v > 0',
};
type Parts = typeof BASE;

function script(p: Parts): string {
  return `CREATE SOURCE f (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (${p.fileSource});
CREATE SOURCE g WITH (${p.genSource});
CREATE SOURCE q (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (${p.kafkaSource});
CREATE SINK a WITH (${p.fileSink}) AS SELECT k, window_start, COUNT(*) AS n FROM f WHERE ${p.filter} GROUP BY k, TUMBLE(ts, ${p.window});
CREATE SINK b WITH (${p.kafkaSink}) AS SELECT k, SUM(v) AS s FROM q GROUP BY k;
CREATE SINK c WITH (connector = 'stdout') AS SELECT sensor, COUNT(*) AS n FROM g GROUP BY sensor;
`;
}

function fingerprint(change: Partial<Parts> = {}, format?: string): string {
  const s = loadScriptText(script({ ...BASE, ...change }), '/tmp/job.sql', '/tmp');
  return planFingerprint(planScript(s, selectSinks(s, undefined, format), { provenance: false }));
}

test('the fingerprint ignores output formats, batching, rates, connection settings and a datagen count', () => {
  const base = fingerprint();
  const same: Array<[string, Partial<Parts>, string?]> = [
    ['--format jsonl', {}, 'jsonl'],
    ['--format table', {}, 'table'],
    ["file sink format = 'json'", { fileSink: "connector = 'file', path = 'out.jsonl', format = 'json'" }],
    ['kafka sink key, format, batch_size, partitions, brokers', { kafkaSink: "connector = 'kafka', topic = 'out', key = 'k', format = 'json', batch_size = '10', partitions = '3', brokers = 'elsewhere:9092'" }],
    ['file source batch_size and follow', { fileSource: "connector = 'file', path = 'in.jsonl', batch_size = '1', follow = 'false'" }],
    ['datagen count and rate', { genSource: "connector = 'datagen', generator = 'sensors', count = 5000, seed = 1, rate = '100'" }],
    ['kafka source startup, bounded, idle_timeout, fetch_max_bytes, session_timeout, rate, brokers', { kafkaSource: "connector = 'kafka', topic = 'in', group = 'g', startup = 'latest', bounded = 'latest', idle_timeout = '5s', fetch_max_bytes = '4096', session_timeout = '6s', rate = '10', brokers = 'other:9092'" }],
  ];
  for (const [what, change, format] of same) assert.equal(fingerprint(change, format), base, what);
});

test('the fingerprint changes with the operator graph, what a source reads and where a sink writes', () => {
  const base = fingerprint();
  const differ: Array<[string, Partial<Parts>]> = [
    ['window size', { window: '20s' }],
    ['filter', { filter: 'v > 1' }],
    ['file source path', { fileSource: "connector = 'file', path = 'other.jsonl'" }],
    ['file source dead_letter', { fileSource: "connector = 'file', path = 'in.jsonl', dead_letter = 'dlq.jsonl'" }],
    ['datagen seed', { genSource: "connector = 'datagen', generator = 'sensors', count = 100, seed = 2" }],
    ['kafka source topic', { kafkaSource: "connector = 'kafka', topic = 'in2', group = 'g'" }],
    ['kafka source group', { kafkaSource: "connector = 'kafka', topic = 'in', group = 'g2'" }],
    ['file sink path', { fileSink: "connector = 'file', path = 'out2.jsonl'" }],
    ['kafka sink topic', { kafkaSink: "connector = 'kafka', topic = 'out2'" }],
    ['kafka sink guarantee', { kafkaSink: "connector = 'kafka', topic = 'out', guarantee = 'at_least_once'" }],
  ];
  const seen = new Set([base]);
  for (const [what, change] of differ) {
    const f = fingerprint(change);
    assert.notEqual(f, base, what);
    seen.add(f);
  }
  assert.equal(seen.size, differ.length + 1, 'every change gives its own fingerprint');
});
