// `sluice run --kafka-retry-for` and `SET kafka_retry_for`: a value that is not a duration is
// refused before the job starts, naming it and how to write one; the option documents itself.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve('bin/sluice.js');
const JOB = `CREATE SOURCE sensors WITH (connector = 'datagen', generator = 'sensors', rate = 4, count = 1);
SELECT sensor, COUNT(*) AS n FROM sensors GROUP BY sensor, TUMBLE(ts, 5s);
`;

test('a kafka retry time that is not a duration is refused, from the command line or SET', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-retry-for-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'job.sql'), JOB);
  writeFileSync(path.join(dir, 'set.sql'), `SET kafka_retry_for = 'soon';\n${JOB}`);
  const flag = spawnSync(process.execPath, [BIN, 'run', 'job.sql', '--kafka-retry-for', 'banana'], { cwd: dir, encoding: 'utf8' });
  assert.notEqual(flag.status, 0);
  assert.match(flag.stderr, /kafka retry time 'banana' is not a duration; write e\.g\. 30s, 5m or 0s/);
  const set = spawnSync(process.execPath, [BIN, 'run', 'set.sql'], { cwd: dir, encoding: 'utf8' });
  assert.notEqual(set.status, 0);
  // SET is checked when the file is planned: a diagnostic at the value, as the REPL shows it.
  assert.match(set.stderr, /kafka_retry_for 'soon' is not a duration\n --> set\.sql:1:23\n/);
  const help = spawnSync(process.execPath, [BIN, 'run', '--help'], { encoding: 'utf8' });
  assert.match(help.stdout.replace(/\s+/g, ' '), /--kafka-retry-for <duration> how long a Kafka call keeps retrying through a broker outage/);
});
