// The `generate:` section of a test file read against the job's catalog: values, and each
// mistake rendered like a SQL diagnostic (file:line:column, the line, a caret, a hint).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument, type Node } from 'yaml';
import { SqlError } from '../../../src/sql/diagnostics.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { readGenerateSection } from '../../../src/testkit/generate/spec.js';

const JOB = `CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, n INT, ok BOOLEAN, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'file', path = 'in.jsonl');
CREATE SINK out WITH (connector = 'file', path = 'out.jsonl') AS SELECT sensor, COUNT(*) AS c FROM raw GROUP BY sensor, TUMBLE(ts, 10s);`;

const catalog = () => loadScriptText(JOB, 'job.sql', '/tmp').catalog;

function read(yaml: string) {
  const doc = parseDocument(yaml);
  return readGenerateSection(doc.get('generate', true) as Node | undefined, yaml, 'job.test.yaml', catalog());
}

function errorOf(yaml: string): string {
  try {
    read(yaml);
  } catch (e) {
    assert.ok(e instanceof SqlError, String(e));
    return e.render();
  }
  assert.fail('no error');
}

test('runs, seed and per-source rows, spread, unique and column generators', () => {
  const spec = read(`generate:
  runs: 20
  seed: 7
  sources:
    raw:
      rows: 12
      spread: 1m
      unique: [sensor, ts]
      columns:
        sensor: one_of(Sensor1..Sensor5)
        value: "between(0, 100)"
        n: not_null(keys(3))
`);
  assert.equal(spec.runs, 20);
  assert.equal(spec.seed, 7);
  const raw = spec.sources.get('raw')!;
  assert.equal(raw.rows, 12);
  assert.equal(raw.spreadMs, 60_000);
  assert.deepEqual(raw.unique, ['sensor', 'ts']);
  assert.deepEqual(raw.columns.get('sensor'), { kind: 'one_of', values: ['Sensor1', 'Sensor2', 'Sensor3', 'Sensor4', 'Sensor5'], at: 0 });
  assert.equal(raw.columns.get('value')?.kind, 'between');
  assert.equal(raw.columns.get('n')?.kind, 'not_null');
});

test('no section: defaults', () => {
  const spec = read('cases: []\n');
  assert.equal(spec.runs, undefined);
  assert.equal(spec.sources.size, 0);
});

test('a bad generator is reported at its column inside the YAML scalar', () => {
  const text = errorOf(`generate:
  sources:
    raw:
      columns:
        value: between(0 100)
`);
  assert.match(text, /error: expected ',' or '\)', found '100'/);
  assert.match(text, /--> job\.test\.yaml:5:26/);
  assert.match(text, /5 \|         value: between\(0 100\)\n  \| {26}\^\^\^\s*$/);
});

test('inside a quoted scalar the column counts the quote', () => {
  assert.match(errorOf(`generate:\n  sources:\n    raw:\n      columns:\n        sensor: "oneof(a)"\n`), /--> job\.test\.yaml:5:18/);
});

test('names and types are checked against the job', () => {
  const cases: Array<[string, RegExp]> = [
    ['generate:\n  sources:\n    rwa: {rows: 3}\n', /unknown source 'rwa'[\s\S]*--> job\.test\.yaml:3:5[\s\S]*hint: did you mean 'raw'\?/],
    ['generate:\n  sources:\n    raw:\n      columns:\n        vlaue: between(0, 1)\n', /source 'raw' has no column 'vlaue'[\s\S]*5:9[\s\S]*did you mean 'value'/],
    ['generate:\n  sources:\n    raw:\n      columns:\n        sensor: between(0, 1)\n', /between\(lo, hi\) does not apply for column 'sensor' of type VARCHAR[\s\S]*5:17/],
    ['generate:\n  sources:\n    raw:\n      columns:\n        n: one_of(1, 2.5)\n', /the value 2.5 does not fit for column 'n' of type INT/],
    ['generate:\n  sources:\n    raw:\n      columns:\n        ok: keys(2)\n', /keys\(n\) does not apply/],
    ['generate:\n  sources:\n    raw:\n      columns:\n        ts: one_of(1)\n', /'ts' is the event-time column of 'raw'[\s\S]*hint: set the source's 'spread' instead/],
    ['generate:\n  sources:\n    raw:\n      rows: 0\n', /'rows' must be a whole number from 1 to 10000[\s\S]*4:13/],
    ['generate:\n  sources:\n    raw:\n      spread: soon\n', /'spread' must be a duration/],
    ['generate:\n  sources:\n    raw:\n      unique: [sensr]\n', /source 'raw' has no column 'sensr'[\s\S]*did you mean 'sensor'/],
    ['generate:\n  run: 3\n', /unknown key 'run' in the 'generate' section[\s\S]*2:3[\s\S]*did you mean 'runs'/],
    ['generate:\n  sources:\n    raw:\n      colums: {}\n', /unknown key 'colums' in source 'raw'[\s\S]*did you mean 'columns'/],
    ['generate: 3\n', /the 'generate' section must be a mapping/],
  ];
  for (const [yaml, re] of cases) assert.match(errorOf(yaml), re, yaml);
});
