import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { session, text } from '../helpers.js';

const JOB = `CREATE SOURCE r (sensor VARCHAR, value DOUBLE) WITH (connector = 'file', path = 'r.jsonl');
CREATE VIEW v AS SELECT sensor, value * 2 AS twice FROM r;
`;

test('\\test runs the test file of the job loaded with \\i, or of a named file', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-test-cmd-'));
  writeFileSync(path.join(dir, 'job.sql'), `${JOB}CREATE SINK s WITH (connector = 'file', path = 's.jsonl') AS SELECT * FROM v;\n`);
  writeFileSync(
    path.join(dir, 'job.test.yaml'),
    `cases:
  - name: doubles
    sources:
      r:
        - {sensor: a, value: 2}
    expect:
      s:
        - {sensor: a, twice: 4}
  - name: wrong
    sources:
      r:
        - {sensor: a, value: 2}
    expect:
      s:
        - {sensor: a, twice: 5}
`,
  );
  const s = session();
  assert.match(text(await s.submit('\\test')), /no job loaded: \\i JOB\.sql first/);
  await s.submit(`\\i ${path.join(dir, 'job.sql')}`);
  for (const q of ['DROP SINK s;']) await s.submit(q);
  const t = text(await s.submit('\\test'));
  assert.match(t, /PASS .*job\.test\.yaml › doubles/);
  assert.match(t, /FAIL .*job\.test\.yaml › wrong/);
  assert.match(t, /~ changed +\{sensor: a, twice: 5 → 4\}/);
  assert.match(t, /Tests: 1 passed, 1 failed/);
  assert.match(text(await s.submit(`\\test ${path.join(dir, 'job.test.yaml')}`)), /PASS .* › doubles/);
  writeFileSync(path.join(dir, 'other.sql'), JOB);
  assert.match(text(await s.submit(`\\test ${path.join(dir, 'other.sql')}`)), /no test file for .*other\.sql: write .*other\.test\.yaml beside it/);
});
