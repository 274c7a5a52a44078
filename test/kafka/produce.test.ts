// `sluice produce` against a real broker: the Quix tutorial's sensor messages (key = sensor id,
// value {ts, value}, a uuid header) and JSON-lines files with a key field, through the CLI.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { broker, readAll, unique } from './broker.js';

const run = promisify(execFile);
const CLI = path.resolve('bin/sluice.js');

test('produce --generator sensors writes the tutorial messages', async () => {
  const brokers = await broker();
  const topic = unique('produce-sensors');
  const { stderr } = await run(process.execPath, [CLI, 'produce', topic, '--generator', 'sensors', '--count', '50', '--brokers', brokers]);
  assert.match(stderr, /produced 50 messages/);
  const out = await readAll(topic);
  assert.equal(out.length, 50);
  const uuids = new Set<string>();
  for (const m of out) {
    assert.match(m.key!.toString(), /^Sensor[1-5]$/);
    const v = JSON.parse(m.value!.toString()) as { ts: string; value: number };
    assert.match(v.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/, 'ISO with microseconds, no zone');
    assert.ok(Number.isInteger(v.value) && v.value >= 0 && v.value <= 100);
    uuids.add(m.headers!['uuid']!.toString());
  }
  assert.equal(uuids.size, 50, 'a uuid header per message');
});

test('produce --file sends each line, keyed by --key, at --rate', async () => {
  const brokers = await broker();
  const topic = unique('produce-file');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-produce-')), 'in.jsonl');
  fs.writeFileSync(file, ['{"id":"a","x":1}', '', '{"id":"b","x":2}', '{"x":3}'].join('\n') + '\n');
  const t0 = Date.now();
  await run(process.execPath, [CLI, 'produce', topic, '--file', file, '--key', 'id', '--rate', '20', '--brokers', brokers]);
  assert.ok(Date.now() - t0 >= 100, 'the rate spaces the sends');
  const out = await readAll(topic);
  assert.deepEqual(out.map((m) => [m.key?.toString() ?? null, m.value!.toString()]), [
    ['a', '{"id":"a","x":1}'],
    ['b', '{"id":"b","x":2}'],
    [null, '{"x":3}'],
  ]);
});
