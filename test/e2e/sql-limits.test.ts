// `sluice run` on SQL nested past the limits (the four shapes of issue 10): exit 2 with a
// diagnostic naming the file, line and column, and no stack trace; and a HOP with too many
// windows per row refused before the job starts, instead of running out of memory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve('bin/sluice.js');

const SOURCE = `CREATE SOURCE t (v DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector = 'file', path = 'in.jsonl', format = 'jsonl');
`;

const SHAPES: Record<string, string> = {
  '150 parentheses': `SELECT ${'('.repeat(150)}v${')'.repeat(150)} AS x FROM t;`,
  '2,000 nested CASE': `SELECT ${'CASE WHEN v > 0 THEN '.repeat(2000)}1${' ELSE 0 END'.repeat(2000)} AS x FROM t;`,
  '500 nested subqueries': `SELECT v FROM ${'(SELECT v, ts FROM '.repeat(500)}t${')'.repeat(500)};`,
  '10,000 chained +': `SELECT ${Array.from({ length: 10_000 }, () => 'v').join(' + ')} AS x FROM t;`,
  'HOP(ts, 1ms, 1d)': 'SELECT COUNT(*) AS n FROM t GROUP BY HOP(ts, 1ms, 1d);',
};

for (const [name, query] of Object.entries(SHAPES)) {
  test(`sluice run: ${name} is a diagnostic with exit 2, no stack trace`, () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-limits-'));
    writeFileSync(path.join(dir, 'in.jsonl'), '{"v":1,"ts":"2024-05-20T10:00:00Z"}\n');
    writeFileSync(path.join(dir, 'job.sql'), SOURCE + query + '\n');
    const r = spawnSync(process.execPath, [BIN, 'run', 'job.sql', '--state-dir', path.join(dir, 'state')], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^error: .*(nests too deeply|the limit is 10,000)/m);
    assert.match(r.stderr, /--> job\.sql:3:\d+/);
    assert.match(r.stderr, /= hint: /);
    assert.doesNotMatch(r.stderr, /RangeError|Invalid array length|Maximum call stack|\n\s+at /);
    assert.equal(r.stdout, '');
  });
}
