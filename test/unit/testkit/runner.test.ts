// The fixture runner on small jobs: a passing case, each kind of failure (missing, unexpected,
// changed column, order), the matchers, changelog outputs as final rows or as the changelog,
// late and dead-letter outputs, and a case's arrival order across sources.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTestFile, type CaseResult } from '../../../src/testkit/runner.js';
import { COLOR, PLAIN, renderFile } from '../../../src/testkit/report-text.js';
import { fixture, WINDOW_JOB } from './helpers.js';

const ROWS = `
        - {sensor: a, value: 1, ts: 2024-05-20T10:00:01Z}
        - {sensor: b, value: 2, ts: 2024-05-20T10:00:02Z}
        - {sensor: a, value: 3, ts: 2024-05-20T10:00:04Z}
        - {sensor: a, value: 5, ts: 2024-05-20T10:00:12Z}
        - {sensor: b, value: 9, ts: 2024-05-20T10:00:05Z}
        - raw: 'not json'`;

async function one(expect: string, extra = ''): Promise<{ c: CaseResult; text: string }> {
  const file = fixture(WINDOW_JOB, `cases:\n  - name: c\n${extra}    sources:\n      raw:${ROWS}\n    expect:\n${expect}`);
  const r = await runTestFile(file);
  assert.equal(r.error, undefined, r.error);
  return { c: r.cases[0]!, text: renderFile(r, PLAIN).join('\n') };
}

const GOOD_AGG = `      agg:
        - {sensor: a, window_start: 2024-05-20T10:00:00Z, n: 2, mean: 2}
        - {sensor: b, window_start: 2024-05-20T10:00:00Z, n: 1, mean: 2}
        - {sensor: a, window_start: 2024-05-20T10:00:10Z, n: 1, mean: 5}
`;

test('a passing case: windows, late row, dead letter', async () => {
  const { c, text } = await one(`${GOOD_AGG}      raw.late:
        - {event_time: 2024-05-20T10:00:05Z, watermark: 2024-05-20T10:00:11Z, at: job.test.yaml:9}
      raw.dead_letter:
        - {raw: not json, at: job.test.yaml:10}
`);
  assert.ok(c.pass, text);
  assert.match(text, /^PASS .*job\.test\.yaml › c \(\d+ ms\)$/m);
});

test('a missing row and an unexpected row are reported as such', async () => {
  const { c, text } = await one(`      agg:
        - {sensor: a, window_start: 2024-05-20T10:00:00Z, n: 2, mean: 2}
        - {sensor: a, window_start: 2024-05-20T10:00:10Z, n: 1, mean: 5}
        - {sensor: z, window_start: 2024-05-20T10:01:00Z, n: 7, mean: 7}
`);
  assert.equal(c.pass, false);
  const o = c.outputs[0]!;
  assert.equal(o.missing.length, 1);
  assert.equal(o.missing[0]!.values.get('sensor'), 'z');
  assert.equal(o.unexpected.length, 1);
  assert.equal(o.unexpected[0]!.values['sensor'], 'b');
  assert.match(text, /- missing +\{sensor: z, window_start: 2024-05-20T10:01:00Z, n: 7, mean: 7\} \(line 15\)/);
  assert.match(text, /\+ unexpected +\{sensor: b, window_start: 2024-05-20T10:00:00Z, n: 1, mean: 2\}/);
  // side outputs the case does not check are named under the failure: they often explain it
  assert.match(text, /note: raw\.late: 1 late row, first at job\.test\.yaml:9: window .* closed at watermark .* \(not checked: add raw\.late to expect\)/);
  assert.match(text, /note: raw\.dead_letter: 1 dead letter, first at job\.test\.yaml:10: not valid JSON/);
});

test('a row that differs in one column is shown changed, with the column named', async () => {
  const { c, text } = await one(GOOD_AGG.replace('n: 2, mean: 2}', 'n: 2, mean: 2.5}'));
  const o = c.outputs[0]!;
  assert.equal(c.pass, false);
  assert.equal(o.changed.length, 1);
  assert.deepEqual(o.changed[0]!.columns, ['mean']);
  assert.match(text, /~ changed +\{sensor: a, window_start: 2024-05-20T10:00:00Z, n: 2, mean: 2\.5 → 2\}/);
  assert.equal(o.missing.length + o.unexpected.length, 0);
  // on a terminal the changed column stands out (bold yellow), FAIL is red
  const r = await runTestFile(fixture(WINDOW_JOB, `cases:\n  - name: c\n    sources:\n      raw:${ROWS}\n    expect:\n${GOOD_AGG.replace('n: 2, mean: 2}', 'n: 2, mean: 2.5}')}`));
  const colored = renderFile(r, COLOR).join('\n');
  assert.ok(colored.includes('\x1b[1;33mmean: 2.5 → 2\x1b[0m'), colored);
  assert.ok(colored.includes('\x1b[31mFAIL\x1b[39m'), colored);
});

test('ordered: true fails when the same rows arrive in another order', async () => {
  const swapped = `      raw.late:
        - {event_time: 2024-05-20T10:00:05Z}
      agg:
        - {sensor: b, window_start: 2024-05-20T10:00:00Z, n: 1, mean: 2}
        - {sensor: a, window_start: 2024-05-20T10:00:00Z, n: 2, mean: 2}
        - {sensor: a, window_start: 2024-05-20T10:00:10Z, n: 1, mean: 5}
`;
  const unordered = await one(swapped);
  assert.ok(unordered.c.pass, unordered.text);
  const ordered = await one(swapped, '    ordered: true\n');
  assert.equal(ordered.c.pass, false);
  const o = ordered.c.outputs.find((x) => x.expectation.target === 'agg')!;
  assert.equal(o.order?.index, 0);
  assert.match(ordered.text, /out of order/);
  assert.match(ordered.text, /order: row 1 should be \{sensor: b,/);
});

test('matchers: approx, between (timestamps), any, not_null, null', async () => {
  const pass = await one(`      agg:
        - {sensor: a, window_start: {between: [2024-05-20T09:59:59Z, 2024-05-20T10:00:00Z]}, n: {not_null: true}, mean: {approx: 2.001, tol: 0.01}}
        - {sensor: b, window_start: {any: true}, n: 1, mean: {between: [1.5, 2.5]}}
        - {sensor: a, window_start: 2024-05-20T10:00:10.000Z, n: {any: true}, mean: 5}
`);
  assert.ok(pass.c.pass, pass.text);
  const fail = await one(`      agg:
        - {sensor: a, window_start: {between: [2024-05-20T10:00:01Z, 2024-05-20T10:00:02Z]}, n: 2, mean: 2}
        - {sensor: b, window_start: 2024-05-20T10:00:00Z, n: 1, mean: {approx: 2.5, tol: 0.1}}
        - {sensor: a, window_start: 2024-05-20T10:00:10Z, n: null, mean: 5}
`);
  assert.equal(fail.c.pass, false);
  assert.equal(fail.c.outputs[0]!.changed.length, 3, fail.text);
});

test('an updating sink is compared as its final rows, or as its changelog when rows carry op', async () => {
  const final = await one(`      counts:
        - {sensor: a, n: 3}
        - {sensor: b, n: 2}
`);
  assert.ok(final.c.pass, final.text);
  const log = await one(
    `      counts:
        - {op: +I, sensor: a, n: 1}
        - {op: +I, sensor: b, n: 1}
        - {op: -U, sensor: a, n: 1}
        - {op: +U, sensor: a, n: 2}
        - {op: -U, sensor: a, n: 2}
        - {op: +U, sensor: a, n: 3}
        - {op: -U, sensor: b, n: 1}
        - {op: +U, sensor: b, n: 2}
`,
    '    ordered: true\n',
  );
  assert.ok(log.c.pass, log.text);
  // the same rows with one op wrong: the changelog compare looks at op too
  const opOnly = await one(
    `      counts:
        - {op: +I, sensor: a, n: 1}
        - {op: +I, sensor: b, n: 1}
        - {op: -U, sensor: a, n: 1}
        - {op: +U, sensor: a, n: 2}
        - {op: -U, sensor: a, n: 2}
        - {op: +U, sensor: a, n: 3}
        - {op: -U, sensor: b, n: 1}
        - {op: +I, sensor: b, n: 2}
`,
  );
  assert.equal(opOnly.c.pass, false);
  assert.match(opOnly.text, /- missing +\{op: \+I, sensor: b, n: 2\}/);
  assert.match(opOnly.text, /\+ unexpected +\{op: \+U, sensor: b, n: 2\}/);
  const wrongOp = await one(`      counts:
        - {op: +I, sensor: a, n: 3}
        - {op: +I, sensor: b, n: 2}
`);
  assert.equal(wrongOp.c.pass, false);
});

test('sources arrive in turns, in the order the case lists them', async () => {
  const job = `CREATE SOURCE l (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'l.jsonl');
CREATE SOURCE r (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'r.jsonl');
CREATE SINK u WITH (connector = 'file', path = 'u.jsonl') AS
SELECT k, window_start, COUNT(*) AS n FROM (SELECT k, ts FROM l UNION ALL SELECT k, ts FROM r) GROUP BY k, TUMBLE(ts, 10s);
`;
  // l1, r1, l2, r2: after r2 (10:00:20) the union's watermark is min(l 10:00:30, r 10:00:20);
  // the late check of l's third row (10:00:15) depends on its turn coming after r2.
  const yaml = `cases:
  - name: turns
    sources:
      l:
        - {k: x, ts: 2024-05-20T10:00:01Z}
        - {k: x, ts: 2024-05-20T10:00:30Z}
        - {k: x, ts: 2024-05-20T10:00:15Z}
      r:
        - {k: y, ts: 2024-05-20T10:00:02Z}
        - {k: y, ts: 2024-05-20T10:00:20Z}
    expect:
      l.late:
        - {event_time: 2024-05-20T10:00:15Z, watermark: 2024-05-20T10:00:20Z}
`;
  for (let i = 0; i < 3; i++) {
    const r = await runTestFile(fixture(job, yaml));
    assert.ok(r.cases[0]!.pass, renderFile(r, PLAIN).join('\n'));
  }
});

test('a long diff shows 20 rows of each kind and counts the rest', async () => {
  const rows = Array.from({ length: 25 }, (_, i) => `        - {sensor: z${i}, window_start: 2030-01-01T00:00:00Z, n: 99, mean: 99}`).join('\n');
  const { c, text } = await one(`      agg:\n${rows}\n`);
  assert.equal(c.outputs[0]!.missing.length, 25);
  assert.equal(text.match(/- missing/g)?.length, 20);
  assert.match(text, /… and 5 more missing rows/);
});

test('inputs and expected rows in files: JSON lines and CSV (typed by the columns), paths relative to the test file', async () => {
  const job = `CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'x.csv', format = 'csv');
CREATE SINK hot WITH (connector = 'file', path = 'o.jsonl') AS SELECT sensor, value, value > 10 AS high, ts FROM raw;
`;
  const file = fixture(
    job,
    `cases:
  - name: from files
    sources:
      raw: in.csv
    expect:
      hot: expected.csv
      raw.dead_letter: dead.jsonl
`,
    {
      'in.csv': 'ts,sensor,value\n2024-05-20T10:00:01Z,a,5\n2024-05-20T10:00:02Z,"b, the second",12.5\nnot,enough\n',
      'expected.csv': 'sensor,value,high,ts\na,5,false,2024-05-20T10:00:01Z\n"b, the second",12.5,true,2024-05-20T10:00:02Z\n',
      'dead.jsonl': '{"at": "in.csv:4", "raw": "not,enough"}\n',
    },
  );
  const r = await runTestFile(file);
  assert.equal(r.error, undefined, r.error);
  assert.ok(r.cases[0]!.pass, renderFile(r, PLAIN).join('\n'));
});

test('arrival: states the interleaving across sources, entry by entry (NAME*N: N in a row)', async () => {
  const job = `CREATE SOURCE l (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'l.jsonl');
CREATE SOURCE r (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'r.jsonl');
CREATE SINK u WITH (connector = 'file', path = 'u.jsonl') AS
SELECT k, window_start, COUNT(*) AS n FROM (SELECT k, ts FROM l UNION ALL SELECT k, ts FROM r) GROUP BY k, TUMBLE(ts, 10s);
`;
  const yaml = (arrival: string, late: string) => `cases:
  - name: stated
    arrival: ${arrival}
    sources:
      l:
        - {k: x, ts: 2024-05-20T10:00:01Z}
        - {k: x, ts: 2024-05-20T10:00:30Z}
        - {k: x, ts: 2024-05-20T10:00:15Z}
      r:
        - {k: y, ts: 2024-05-20T10:00:02Z}
        - {k: y, ts: 2024-05-20T10:00:20Z}
    expect:
      l.late: ${late}
`;
  // Every l row before r has sent one: the union's watermark is still -inf, nothing is late.
  const first = await runTestFile(fixture(job, yaml('[l*3, r*2]', '[]')));
  assert.ok(first.cases[0]!.pass, renderFile(first, PLAIN).join('\n'));
  // r's two rows before l's last two: the union's watermark is min(10:00:30, 10:00:20) when 10:00:15 comes.
  const second = await runTestFile(fixture(job, yaml('[l, r*2, l*2]', '\n        - {event_time: 2024-05-20T10:00:15Z, watermark: 2024-05-20T10:00:20Z}')));
  assert.ok(second.cases[0]!.pass, renderFile(second, PLAIN).join('\n'));
  const wrong = await runTestFile(fixture(job, yaml('[l*3, r*2]', '\n        - {event_time: 2024-05-20T10:00:15Z}')));
  assert.equal(wrong.cases[0]!.pass, false);
});
