// Opening a job's state database: a corrupt state.duckdb is reported with DuckDB's own words,
// the file and --fresh (not as "in use by another running job"), and a database another process
// really holds is reported as in use.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, writeSync, closeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointStore, STATE_DB } from '../../src/state/checkpoint.js';

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'sluice-open-state-'));
}

test('a corrupt state.duckdb: DuckDB\'s words, the file and --fresh, not "in use"', async () => {
  const dir = tmp();
  const store = await CheckpointStore.open(dir);
  await store.write({ id: 1, createdAt: 0, fingerprint: 'f', meta: {}, tables: [] }, false);
  store.close();
  // Overwrite the start of the first database header block (bytes 4096..) with garbage: its checksum no longer matches.
  const fd = openSync(path.join(dir, STATE_DB), 'r+');
  writeSync(fd, Buffer.alloc(64, 0xff), 0, 64, 4096 + 8);
  closeSync(fd);
  await assert.rejects(CheckpointStore.open(dir), (e: Error) => {
    assert.doesNotMatch(e.message, /in use/);
    assert.match(e.message, /Corrupt database file/);
    assert.ok(e.message.includes(path.join(dir, STATE_DB)), e.message);
    assert.match(e.message, /--fresh/);
    return true;
  });
});

test('a state database another process holds: in use by another running job', async () => {
  const dir = tmp();
  (await CheckpointStore.open(dir)).close();
  const script = `import { DuckDBInstance } from '@duckdb/node-api';
const i = await DuckDBInstance.create(${JSON.stringify(path.join(dir, STATE_DB))});
await i.connect();
process.stdout.write('held\\n');
setTimeout(() => {}, 60000);`;
  const holder = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout.once('data', () => resolve());
      holder.once('exit', (c) => reject(new Error(`holder exited ${c}`)));
    });
    const t0 = Date.now();
    await assert.rejects(CheckpointStore.open(dir, 600), (e: Error) => {
      assert.match(e.message, new RegExp(`the state in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by another running job`));
      assert.match(e.message, /Could not set lock/);
      return true;
    });
    assert.ok(Date.now() - t0 >= 600, 'refused only after waiting for the lock');
    // A holder that exits while the next run waits (a SIGKILLed run's child): the lock is taken.
    const opening = CheckpointStore.open(dir, 10_000);
    setTimeout(() => holder.kill('SIGKILL'), 500);
    (await opening).close();
  } finally {
    holder.kill('SIGKILL');
  }
});
