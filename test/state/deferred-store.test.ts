// state/deferred-store.ts: the checkpoint store of a run on a fresh state directory opens (and
// loads DuckDB) with the first checkpoint, and refuses to write over a checkpoint that another
// run wrote there meanwhile.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointStore } from '../../src/state/checkpoint.js';
import { DeferredCheckpointStore, hasStateDatabase } from '../../src/state/deferred-store.js';

const checkpoint = (id: number) => ({ id, createdAt: Date.now(), fingerprint: 'f', meta: { n: id }, tables: [] });

test('a fresh state directory has no state database until the first checkpoint is written', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-deferred-'));
  try {
    const stateDir = path.join(dir, 'state');
    assert.equal(hasStateDatabase(stateDir), false);
    const store = new DeferredCheckpointStore(stateDir);
    assert.equal(hasStateDatabase(stateDir), false, 'nothing opened before it is used');
    await store.write(checkpoint(1), false);
    store.close();
    assert.equal(hasStateDatabase(stateDir), true);
    const reopened = await CheckpointStore.open(stateDir);
    assert.equal((await reopened.latest())?.checkpoint.id, 1);
    reopened.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a checkpoint another run wrote while this one started is not written over', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-deferred-'));
  try {
    const store = new DeferredCheckpointStore(dir);
    const other = await CheckpointStore.open(dir);
    await other.write(checkpoint(7), false);
    other.close();
    await assert.rejects(store.write(checkpoint(1), false), /received a checkpoint from another run/);
    store.close();
    const reopened = await CheckpointStore.open(dir);
    assert.equal((await reopened.latest())?.checkpoint.id, 7);
    reopened.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
