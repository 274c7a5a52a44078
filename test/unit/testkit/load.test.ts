// Mistakes in test files are diagnostics at their line and column with a caret and a hint:
// YAML syntax, unknown sources, outputs and columns, bad timestamps, missing files, steps a
// source cannot take. The `generate:` section is kept for the generated-stream tests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTestFile } from '../../../src/testkit/load.js';
import { SqlError } from '../../../src/sql/diagnostics.js';
import { UsageError } from '../../../src/cli/errors.js';
import { fixture, WINDOW_JOB } from './helpers.js';

function errorOf(yaml: string, extra: Record<string, string> = {}, sql = WINDOW_JOB): string {
  const file = fixture(sql, yaml, extra);
  try {
    loadTestFile(file);
  } catch (e) {
    assert.ok(e instanceof SqlError, `not a diagnostic: ${(e as Error).stack}`);
    return e.render();
  }
  assert.fail('no error');
}

const CASE = (sources: string, expect = '      agg: []\n') => `cases:\n  - name: c\n    sources:\n${sources}    expect:\n${expect}`;

test('a YAML syntax error: its line and column', () => {
  const r = errorOf('cases:\n  - name: c\n    sources: {raw: [\n  - oops: ]\n');
  assert.match(r, /^error: invalid YAML: /);
  assert.match(r, /--> .*job\.test\.yaml:\d+:\d+/);
  assert.match(r, /\n\s*\| +\^/);
});

test('an unknown source: position of its name and a did-you-mean hint', () => {
  const r = errorOf(CASE('      rwa:\n        - {sensor: a}\n'));
  assert.match(r, /error: unknown source 'rwa': the job reads 'raw'/);
  assert.match(r, /job\.test\.yaml:4:7/);
  assert.match(r, /4 \|       rwa:\n\s+\|       \^\^\^/);
  assert.match(r, /hint: did you mean 'raw'\?/);
});

test('a column not in the source, and one not in the sink', () => {
  const r = errorOf(CASE('      raw:\n        - {sensor: a, vlaue: 1, ts: 2024-05-20T10:00:00Z}\n', '      agg:\n        - {sensor: a, window_start: 2024-05-20T10:00:00Z, n: 1, mena: 1}\n'));
  assert.match(r, /source 'raw' has no column 'vlaue'\n\s+--> .*job\.test\.yaml:5:23/);
  assert.match(r, /hint: did you mean 'value'\?/);
  assert.match(r, /'agg' has no column 'mena'\n\s+--> .*:8:65/);
  assert.match(r, /this row of 'agg' gives no 'mean'/);
  assert.match(r, /hint: give every column of the sink; write `\{any: true\}`/);
});

test('a bad timestamp in a row, in a watermark step and in an expected row', () => {
  const r = errorOf(CASE('      raw:\n        - {sensor: a, value: 1, ts: 2024-13-45T10:00:00Z}\n        - watermark: yesterday\n', '      agg:\n        - {sensor: a, window_start: noon, n: 1, mean: 1}\n'));
  assert.match(r, /bad timestamp "2024-13-45T10:00:00Z" in column 'ts'\n\s+--> .*:5:37/);
  assert.match(r, /bad timestamp "yesterday" in a watermark step\n\s+--> .*:6:22/);
  assert.match(r, /window_start: bad timestamp "noon"\n\s+--> .*:9:37/);
});

test('unknown outputs, missing data files, an unknown case key, a malformed matcher', () => {
  const r = errorOf(`cases:
  - name: c
    odered: true
    sources:
      raw: data/missing.jsonl
    expect:
      agregate: []
      raw.lat: []
      agg: expected.jsonl
      counts:
        - {sensor: a, n: {approx: many}}
`);
  assert.match(r, /unknown key 'odered' in a case\n[^]*hint: did you mean 'ordered'\?/);
  assert.match(r, /cannot read data file data\/missing\.jsonl: no such file/);
  assert.match(r, /unknown output 'agregate'[^]*hint: expected one of: agg, counts, raw.late, raw.dead_letter/);
  assert.match(r, /unknown output 'raw\.lat'[^]*hint: did you mean 'raw\.late'\?/);
  assert.match(r, /cannot read expected rows file expected\.jsonl: no such file/);
  assert.match(r, /n: `approx:` takes a number/);
});

test('a watermark step or idle marker on a source without a WATERMARK', () => {
  const sql = `CREATE SOURCE raw (sensor VARCHAR, ts TIMESTAMP) WITH (connector = 'file', path = 'in.jsonl');
CREATE SINK s WITH (connector = 'file', path = 'o.jsonl') AS SELECT sensor FROM raw;`;
  const r = errorOf(CASE('      raw:\n        - watermark: 2024-05-20T10:00:00Z\n        - idle\n', '      s: []\n'), {}, sql);
  assert.match(r, /source 'raw' declares no WATERMARK, so a watermark step means nothing to it/);
  assert.match(r, /so an idle marker means nothing to it/);
  assert.match(r, /hint: add `WATERMARK FOR ts AS ts - INTERVAL \.\.\.`/);
});

test('no job beside the test file: the hint says how to name one', () => {
  const file = fixture(WINDOW_JOB, 'cases: []\n', {}, 'other.test.yaml');
  assert.throws(() => loadTestFile(file), (e: unknown) => e instanceof SqlError && /no job file .*other\.sql[^]*job: file\.sql/.test(e.render()));
});

test('a missing test file is a usage error, not a stack trace', () => {
  assert.throws(() => loadTestFile('/nonexistent/x.test.yaml'), (e: unknown) => e instanceof UsageError && /no such file/.test(e.message));
});

test('the generate: section is kept with its node; JSON test files load too', () => {
  const file = fixture(WINDOW_JOB, 'generate:\n  runs: 50\n  sensor: one_of(a, b)\ncases: []\n');
  const tf = loadTestFile(file);
  assert.deepEqual(tf.generate?.value, { runs: 50, sensor: 'one_of(a, b)' });
  assert.equal(tf.lines.linePos(tf.generate!.node.range![0]).line, 2);
  const json = fixture(WINDOW_JOB, JSON.stringify({ cases: [{ name: 'j', sources: { raw: [{ sensor: 'a', value: 1, ts: '2024-05-20T10:00:01Z' }] }, expect: { counts: [{ sensor: 'a', n: 1 }] } }] }), {}, 'job.test.json');
  const j = loadTestFile(json);
  assert.equal(j.format, 'json');
  assert.equal(j.cases[0]!.name, 'j');
});

test('arrival: an unknown source, a bad item, and counts that do not match the entries', () => {
  const rows = '      raw:\n        - {sensor: a, value: 1, ts: 2024-05-20T10:00:00Z}\n        - {sensor: a, value: 2, ts: 2024-05-20T10:00:01Z}\n';
  const withArrival = (a: string) => `cases:\n  - name: c\n    arrival: ${a}\n    sources:\n${rows}    expect:\n      agg: []\n`;
  const unknown = errorOf(withArrival('[raw, rwa]'));
  assert.match(unknown, /error: 'rwa' has no entries in this case\n\s+--> .*job\.test\.yaml:3:20/);
  assert.match(unknown, /hint: did you mean 'raw'\?/);
  const bad = errorOf(withArrival('[raw*x]'));
  assert.match(bad, /an `arrival:` item is a source name, or `NAME\*N` for N entries of it in a row/);
  const count = errorOf(withArrival('[raw*3]'));
  assert.match(count, /`arrival:` names 'raw' 3 times, but it has 2 entries\n\s+--> .*job\.test\.yaml:3:14/);
  const notList = errorOf(withArrival('raw'));
  assert.match(notList, /`arrival:` is a list of source names/);
  loadTestFile(fixture(WINDOW_JOB, withArrival('[raw*2]')));
});
