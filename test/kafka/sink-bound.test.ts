// The exactly-once Kafka sink holds its open transaction's output until the checkpoint commits
// it: past TXN_CHECKPOINT_BYTES of it the job checkpoints before its interval is up, so what it
// holds stays bounded by bytes whatever the output rate. A pass-through job of ~9 MB of output
// with an hour's checkpoint interval takes checkpoints along the way, and commits every row once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { broker, createTopic, produceMessages, readCommitted, unique } from './broker.js';
import { TXN_CHECKPOINT_BYTES } from '../../src/connectors/kafka/exactly-once.js';

const BIN = path.resolve('bin/sluice.js');
const ROWS = 60_000;

test('an exactly-once sink asks for a checkpoint once it holds more than TXN_CHECKPOINT_BYTES of output', { timeout: 300_000 }, async (t) => {
  await broker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-sink-bound-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const input = unique('bound-in');
  const output = unique('bound-out');
  await createTopic(input, 1);
  const pad = 'x'.repeat(120);
  await produceMessages(input, Array.from({ length: ROWS }, (_, i) => ({ key: null, value: JSON.stringify({ id: i, pad, ts: 1_716_199_200_000 + i }) })));
  writeFileSync(
    path.join(dir, 'job.sql'),
    `CREATE SOURCE ev (id INT, pad VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = '${input}', group = '${unique('g')}', bounded = 'latest');
CREATE SINK out WITH (connector = 'kafka', topic = '${output}', key = 'id') AS SELECT id, pad FROM ev;
`,
  );
  const stderr = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'run', 'job.sql', '--checkpoint-interval', '1h'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(err) : reject(new Error(`exit ${code}:\n${err}`))));
  });
  // Each message is ~150 bytes: ~9 MB in all, so at least one checkpoint besides the one before
  // any input and the final one, although the interval never passed.
  const bytes = ROWS * (150 + String(ROWS).length);
  assert.ok(bytes > 2 * TXN_CHECKPOINT_BYTES, 'the output is larger than two early checkpoints');
  const last = Number(/checkpoint (\d+) in /.exec(stderr)?.[1]);
  assert.ok(last >= 3, `the job took ${last} checkpoints:\n${stderr}`);
  const got = await readCommitted(output);
  assert.equal(got.length, ROWS);
  assert.equal(new Set(got).size, ROWS);
});
