// A spill appends in one DuckDB transaction (SpillStore.transaction): its rows appear when it
// commits, and a spill that fails leaves none of them and the connection out of the transaction.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpillStore } from '../../src/state/spill-store.js';
import { SpillWriter, SPILL_ROWS } from '../../src/state/spill-rows.js';
import { ShapeCache } from '../../src/state/shape-codec.js';

async function count(store: SpillStore): Promise<number> {
  return Number((await store.conn.runAndReadAll(`SELECT count(*) FROM ${SPILL_ROWS}`)).getRowsJS()[0]![0]);
}

async function append(store: SpillStore, rows: number): Promise<void> {
  const writer = await SpillWriter.open(store.conn, store.tableId('t'), new ShapeCache(store.shapes));
  try {
    for (let i = 0; i < rows; i++) writer.add(1, `k${i}`, { n: i });
  } finally {
    writer.close();
  }
}

test('SpillStore.transaction: appended rows commit together; a failure rolls them back and ends the transaction', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-spill-txn-'));
  const store = await SpillStore.open(dir, 32 * 2 ** 20);
  try {
    await store.transaction(() => append(store, 50_000));
    assert.equal(await count(store), 50_000);
    await assert.rejects(
      store.transaction(async () => {
        await append(store, 30_000);
        throw new Error('spill failed');
      }),
      /spill failed/,
    );
    assert.equal(await count(store), 50_000);
    // Out of the failed transaction: a new one begins and commits.
    await store.transaction(() => append(store, 10));
    assert.equal(await count(store), 50_010);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
