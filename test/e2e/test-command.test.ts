// `sluice test` as a user runs it: the example jobs' fixture tests pass; a wrong expectation
// fails with a readable diff (exit 1); a broken test file is a diagnostic (exit 2, no stack
// trace); --update rewrites the expectations keeping comments, and the rerun passes; the JUnit
// report parses back with the elements and attributes CI systems require.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { exampleQueries } from '../helpers/queries.js';

const BIN = path.resolve('bin/sluice.js');

function sluice(args: string[], cwd = process.cwd()) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const JOB = `CREATE SOURCE raw (
  sensor VARCHAR, value DOUBLE, ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (connector = 'file', path = 'in.jsonl', format = 'jsonl', dead_letter = 'dlq.jsonl');

CREATE SINK agg WITH (connector = 'file', path = 'out.jsonl') AS
SELECT sensor, window_start, COUNT(*) AS n, AVG(value) AS mean FROM raw GROUP BY sensor, TUMBLE(ts, 10s);
`;

const TESTS = `# readings of two sensors
cases:
  - name: two sensors <one window> & "quotes"
    sources:
      raw:
        - {sensor: a, value: 1, ts: 2024-05-20T10:00:01Z}
        - {sensor: b, value: 2, ts: 2024-05-20T10:00:02Z}
        - {sensor: a, value: 3, ts: 2024-05-20T10:00:04Z}
    expect:
      # the answer, worked out by hand
      agg:
        - {sensor: a, window_start: 2024-05-20T10:00:00Z, n: 2, mean: 2}
        - {sensor: b, window_start: 2024-05-20T10:00:00Z, n: 1, mean: 2}
  - name: wrong on purpose
    sources:
      raw:
        - {sensor: a, value: 1, ts: 2024-05-20T10:00:01Z}
        - {raw: 'not json'}
    expect:
      agg:
        - {sensor: a, window_start: 2024-05-20T10:00:00Z, n: 1, mean: 1.5}   # mean is 1
        - {sensor: c, window_start: 2024-05-20T10:00:00Z, n: 9, mean: 9}
      raw.dead_letter: expected-dead.jsonl
`;

function project(tests = TESTS): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-test-cmd-'));
  writeFileSync(path.join(dir, 'job.sql'), JOB);
  writeFileSync(path.join(dir, 'job.test.yaml'), tests);
  writeFileSync(path.join(dir, 'expected-dead.jsonl'), '');
  return dir;
}

test('the example jobs in queries/ and examples/ pass their fixture tests', () => {
  const r = sluice(['test', 'queries', 'examples']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^PASS queries\/quickstart\.test\.yaml › /m);
  assert.match(r.stdout, /^PASS queries\/order-payments\.test\.yaml › /m);
  assert.match(r.stdout, /^PASS queries\/nexmark\/q9\.test\.yaml › /m);
  assert.match(r.stdout, /^PASS examples\/kafka\/sensor-downsampling\.test\.yaml › /m);
  assert.doesNotMatch(r.stdout, /^FAIL/m);
  assert.match(r.stdout, /Tests: \d+ passed, 0 failed \(\d+ files, \d+ ms\)/);
});

test('every example job that runs has a test file beside it', () => {
  const runnable = exampleQueries().filter((q) => q.fail === undefined && q.pending === undefined);
  assert.ok(runnable.length >= 25);
  const missing = runnable.filter((q) => !existsSync(q.file.replace(/\.sql$/, '.test.yaml'))).map((q) => q.name);
  assert.deepEqual(missing, []);
});

test('a failing case: exit 1, a diff naming missing, unexpected and changed rows, no colour off a terminal', () => {
  const dir = project();
  const r = sluice(['test'], dir);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^PASS job\.test\.yaml › two sensors <one window> & "quotes" \(\d+ ms\)$/m);
  assert.match(r.stdout, /^FAIL job\.test\.yaml › wrong on purpose \(\d+ ms\)$/m);
  assert.match(r.stdout, /agg: 1 missing, 1 changed \(expected 2 rows, got 1\)/);
  assert.match(r.stdout, /~ changed +\{sensor: a, window_start: 2024-05-20T10:00:00Z, n: 1, mean: 1\.5 → 1\} \(line 21\)/);
  assert.match(r.stdout, /- missing +\{sensor: c, .*\} \(line 22\)/);
  assert.match(r.stdout, /raw\.dead_letter: 1 unexpected \(expected 0 rows, got 1\)/);
  assert.match(r.stdout, /Tests: 1 passed, 1 failed \(1 file, \d+ ms\)/);
  assert.doesNotMatch(r.stdout, /\x1b\[/);
  // --filter runs only the matching cases
  const only = sluice(['test', '--filter', 'TWO SENSORS'], dir);
  assert.equal(only.code, 0, only.stdout);
  assert.doesNotMatch(only.stdout, /wrong on purpose/);
  const nothing = sluice(['test', '--filter', 'no such case'], dir);
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /sluice: no case name contains 'no such case'/);
});

test('a broken test file: exit 2, file:line:column with a caret, never a stack trace', () => {
  const dir = project(TESTS.replace('        - {sensor: b, value: 2', '        - {sensor: b, valeu: 2'));
  const r = sluice(['test', 'job.test.yaml'], dir);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /^ERROR job\.test\.yaml$/m);
  assert.match(r.stdout, /error: source 'raw' has no column 'valeu'\n\s+--> job\.test\.yaml:7:23\n/);
  assert.match(r.stdout, /\^\^\^\^\^\n\s+= hint: did you mean 'value'\?/);
  assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at .*\.js:\d+/);
  const yamlError = project('cases:\n  - name: [unclosed\n');
  const y = sluice(['test'], yamlError);
  assert.equal(y.code, 2);
  assert.match(y.stdout, /error: invalid YAML: .*\n\s+--> job\.test\.yaml:\d+:\d+/);
  const none = sluice(['test', 'nowhere'], dir);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^sluice: cannot read nowhere: no such file or directory/);
});

test('--update writes the actual rows (inline and in the expected-rows file), keeps comments, and the rerun passes', () => {
  const dir = project();
  const r = sluice(['test', '--update'], dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /updated job\.test\.yaml/);
  assert.match(r.stdout, /updated expected-dead\.jsonl/);
  const text = readFileSync(path.join(dir, 'job.test.yaml'), 'utf8');
  assert.match(text, /^# readings of two sensors$/m);
  assert.match(text, /# the answer, worked out by hand/);
  assert.match(text, /- \{sensor: a, window_start: 2024-05-20T10:00:00Z, n: 1, mean: 1\}/);
  assert.doesNotMatch(text, /sensor: c/);
  const dead = readFileSync(path.join(dir, 'expected-dead.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(dead, [{ reason: dead[0]!['reason'], raw: 'not json' }]);
  assert.match(String(dead[0]!['reason']), /JSON/);
  const again = sluice(['test'], dir);
  assert.equal(again.code, 0, again.stdout);
  assert.match(again.stdout, /Tests: 2 passed, 0 failed/);
});

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

/** A strict little XML reader: well-formed nesting, quoted attributes, only the five entities. */
function parseXml(xml: string): El {
  const body = xml.replace(/^<\?xml [^?]*\?>\s*/, '');
  const unescape = (s: string) => {
    assert.doesNotMatch(s, /&(?!(amp|lt|gt|quot|apos);)/, `bad entity in ${s}`);
    return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  };
  const root: El = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const re = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(body)) !== null) {
    at = re.lastIndex;
    const top = stack[stack.length - 1]!;
    if (m[5] !== undefined) {
      top.text += unescape(m[5]);
      continue;
    }
    if (m[1]) {
      assert.equal(m[2], top.name, 'mismatched closing tag');
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (m[3] ?? '').matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) attrs[a[1]!] = unescape(a[2]!);
    const el: El = { name: m[2]!, attrs, children: [], text: '' };
    top.children.push(el);
    if (!m[4]) stack.push(el);
  }
  assert.equal(at, body.length, `unparsable XML at ${at}: ${body.slice(at, at + 40)}`);
  assert.equal(stack.length, 1, 'unclosed element');
  assert.equal(root.children.length, 1);
  return root.children[0]!;
}

test('--reporter junit --output: testsuites/testsuite/testcase/failure with the required attributes, escaped', () => {
  const dir = project();
  const bad = path.join(dir, 'sub');
  spawnSync('mkdir', [bad]);
  writeFileSync(path.join(bad, 'broken.test.yaml'), 'cases: [\n');
  writeFileSync(path.join(bad, 'broken.sql'), JOB);
  const r = sluice(['test', '--reporter', 'junit', '--output', 'report.xml'], dir);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const doc = parseXml(readFileSync(path.join(dir, 'report.xml'), 'utf8'));
  assert.equal(doc.name, 'testsuites');
  for (const a of ['name', 'tests', 'failures', 'errors', 'time']) assert.ok(a in doc.attrs, `testsuites lacks ${a}`);
  assert.deepEqual([doc.attrs['tests'], doc.attrs['failures'], doc.attrs['errors']], ['3', '1', '1']);
  assert.equal(doc.children.length, 2);
  for (const s of doc.children) {
    assert.equal(s.name, 'testsuite');
    for (const a of ['name', 'tests', 'failures', 'errors', 'time']) assert.ok(a in s.attrs, `testsuite lacks ${a}`);
    assert.match(s.attrs['time']!, /^\d+\.\d{3}$/);
    assert.equal(Number(s.attrs['tests']), s.children.length);
    for (const c of s.children) {
      assert.equal(c.name, 'testcase');
      for (const a of ['name', 'classname', 'time']) assert.ok(a in c.attrs, `testcase lacks ${a}`);
    }
  }
  const suite = doc.children.find((s) => s.attrs['name'] === 'job.test.yaml')!;
  assert.deepEqual(suite.children.map((c) => c.attrs['name']), ['two sensors <one window> & "quotes"', 'wrong on purpose']);
  assert.equal(suite.children[0]!.children.length, 0);
  const failure = suite.children[1]!.children[0]!;
  assert.equal(failure.name, 'failure');
  assert.ok(failure.attrs['message'] && failure.attrs['type']);
  assert.match(failure.text, /~ changed +\{sensor: a, .* mean: 1\.5 → 1\}/);
  const broken = doc.children.find((s) => s.attrs['name'] === 'sub/broken.test.yaml')!;
  assert.equal(broken.attrs['errors'], '1');
  assert.equal(broken.children[0]!.children[0]!.name, 'error');
  assert.match(broken.children[0]!.children[0]!.text, /invalid YAML/);
  // the text report still goes to the terminal
  assert.match(r.stdout, /Tests: 1 passed, 1 failed, 1 file error/);
});

test('SIGTERM during a long case stops promptly with exit 130, the case neither passed nor failed', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-test-cmd-'));
  // A case far longer than the wait before the signal however fast the engine gets: 200k rows,
  // each in 1,000 HOP windows (about 12 s of work; a 1M-row TUMBLE case once took 6 s and takes
  // 2 s now, and a child that had already exited left the test waiting for its exit forever).
  writeFileSync(path.join(dir, 'job.sql'), JOB.replace('TUMBLE(ts, 10s)', 'HOP(ts, 100ms, 100s)'));
  const t0 = Date.parse('2024-05-20T10:00:00Z');
  const lines: string[] = [];
  for (let i = 0; i < 200_000; i++) lines.push(`{"sensor":"s${i % 7}","value":${i % 50},"ts":${t0 + i * 10}}`);
  writeFileSync(path.join(dir, 'big.jsonl'), lines.join('\n') + '\n');
  lines.length = 0;
  writeFileSync(path.join(dir, 'job.test.yaml'), 'cases:\n  - name: big\n    sources:\n      raw: big.jsonl\n    expect:\n      raw.late: []\n');
  const child = spawn(process.execPath, [BIN, 'test'], { cwd: dir });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  // Listened for from the start, so an early exit is seen (and reported) rather than waited for.
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const early = await Promise.race([exited.then((c) => ({ code: c })), new Promise<undefined>((r) => setTimeout(() => r(undefined), 3000))]);
  assert.equal(early, undefined, `the case ended before the signal (exit ${early?.code}): make it longer\n${stdout}`);
  const sent = Date.now();
  child.kill('SIGTERM');
  const code = await exited;
  assert.ok(Date.now() - sent < 3000, `took ${Date.now() - sent} ms to stop`);
  assert.equal(code, 130, stdout);
  assert.doesNotMatch(stdout, /(PASS|FAIL) job\.test\.yaml › big/);
  rmSync(dir, { recursive: true, force: true });
});

test("the README's Testing your jobs workflow: the job and test as written pass; the changed filter gives the diff shown", () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Testing your jobs'));
  const sql = /```sql\n([^]*?)```/.exec(section)![1]!;
  const yaml = /```yaml\n([^]*?)```/.exec(section)![1]!;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-readme-'));
  spawnSync('mkdir', [path.join(dir, 'jobs')]);
  writeFileSync(path.join(dir, 'jobs/hot.sql'), sql);
  writeFileSync(path.join(dir, 'jobs/hot.test.yaml'), yaml);
  const ok = sluice(['test', 'jobs'], dir);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^PASS jobs\/hot\.test\.yaml › hot readings per sensor and 10 s window \(\d+ ms\)$/m);
  assert.ok(sql.includes('WHERE value > 50'));
  writeFileSync(path.join(dir, 'jobs/hot.sql'), sql.replace('WHERE value > 50', 'WHERE value >= 20'));
  const bad = sluice(['test', 'jobs'], dir);
  assert.equal(bad.code, 1);
  const shown = /\$ npx sluice test jobs\nFAIL[^]*?```/.exec(section)![0]!;
  for (const line of ['    hot: 1 changed (expected 3 rows, got 3)', '      ~ changed     {sensor: s1, window_start: 2024-05-20T10:00:00Z, n: 1 → 2, peak: 55} (line 13)']) {
    assert.ok(shown.includes(line), `README lacks ${line}`);
    assert.ok(bad.stdout.includes(line), `output lacks ${line}:\n${bad.stdout}`);
  }
});

test('--update on a .test.json file writes JSON back', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-test-cmd-'));
  writeFileSync(path.join(dir, 'job.sql'), JOB);
  const tests = { cases: [{ name: 'j', sources: { raw: [{ sensor: 'a', value: 1, ts: '2024-05-20T10:00:01Z' }] }, expect: { agg: [{ sensor: 'a', window_start: '2024-05-20T10:00:00Z', n: 2, mean: 1 }] } }] };
  writeFileSync(path.join(dir, 'job.test.json'), JSON.stringify(tests, null, 2));
  assert.equal(sluice(['test'], dir).code, 1);
  assert.equal(sluice(['test', '--update'], dir).code, 0);
  const updated = JSON.parse(readFileSync(path.join(dir, 'job.test.json'), 'utf8')) as typeof tests;
  assert.deepEqual(updated.cases[0]!.expect.agg, [{ sensor: 'a', window_start: '2024-05-20T10:00:00Z', n: 1, mean: 1 }]);
  assert.equal(sluice(['test'], dir).code, 0);
});

const ALERTS = `CREATE SOURCE readings (
  sensor VARCHAR, temp DOUBLE, ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (connector = 'file', path = 'readings.jsonl', format = 'jsonl');

CREATE SINK jumps WITH (connector = 'file', path = 'jumps.jsonl') AS
SELECT sensor, temp, prev, ts FROM (
  SELECT sensor, temp, ts, LAG(temp) OVER (PARTITION BY sensor ORDER BY ts) AS prev FROM readings
) WHERE ABS(temp - prev) > 5;
`;

test('--reporter junit: each generated-stream check is a testcase; a SKIP is <skipped>, a failure carries the fixture case and the seed', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-test-cmd-'));
  writeFileSync(path.join(dir, 'alerts.sql'), ALERTS);
  writeFileSync(path.join(dir, 'last.sql'), `CREATE SOURCE raw (sensor VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'x.jsonl');
CREATE SINK s WITH (connector = 'file', path = 'o.jsonl') AS SELECT sensor, LATEST_BY_OFFSET(v) AS v FROM raw GROUP BY sensor, TUMBLE(ts, 5s);
`);
  writeFileSync(path.join(dir, 'last.test.yaml'), 'generate:\n  runs: 5\n  seed: 1\n');
  const r = sluice(['test', '--generate', 'alerts.sql', '--seed', '7', '--reporter', 'junit', '--output', 'report.xml', 'last.test.yaml'], dir);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const doc = parseXml(readFileSync(path.join(dir, 'report.xml'), 'utf8'));
  const checks = ['oracle', 'changelog', 'late', 'dead_letter', 'second_way', 'order'];
  const alerts = doc.children.find((s) => s.attrs['name'] === 'generated: alerts.sql');
  assert.ok(alerts, doc.children.map((s) => s.attrs['name']).join(', '));
  assert.deepEqual(alerts.children.map((c) => c.attrs['name']), checks);
  assert.deepEqual([alerts.attrs['tests'], alerts.attrs['failures'], alerts.attrs['errors']], ['6', '1', '0']);
  const order = alerts.children.find((c) => c.attrs['name'] === 'order')!;
  assert.equal(order.children[0]!.name, 'failure');
  assert.match(order.children[0]!.attrs['message']!, /sink 'jumps'.*\(seed 7\)/);
  assert.match(order.children[0]!.text, /- name: generated \(seed 7, order\)/);
  assert.match(order.children[0]!.text, /replay: sluice test --generate alerts\.sql --seed 7 --runs 100/);
  for (const c of alerts.children.filter((c) => c.attrs['name'] !== 'order')) assert.equal(c.children.length, 0, c.attrs['name']);
  const last = doc.children.find((s) => s.attrs['name'] === 'generated: last.sql')!;
  assert.ok(last, doc.children.map((s) => s.attrs['name']).join(', '));
  assert.equal(last.attrs['skipped'], '1');
  const skipped = last.children.find((c) => c.attrs['name'] === 'order')!;
  assert.equal(skipped.children[0]!.name, 'skipped');
  assert.match(skipped.children[0]!.attrs['message']!, /LATEST_BY_OFFSET follows arrival order by definition/);
  for (const s of doc.children) for (const c of s.children) for (const a of ['name', 'classname', 'time']) assert.ok(a in c.attrs, `testcase lacks ${a}`);
  // The totals count the generated checks.
  assert.deepEqual([doc.attrs['tests'], doc.attrs['failures']], ['12', '1']);
  rmSync(dir, { recursive: true, force: true });
});
