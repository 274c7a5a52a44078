// Which keys a keyed table spills first: the least recently used, not the first inserted. A key
// an operator reads (get) moves behind the untouched ones, and so does a key loaded back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpillStore } from '../../src/state/spill.js';
import { SpillableKeyedTable } from '../../src/state/spill-keyed.js';

interface Acc {
  n: number;
}

/** Bytes that spill exactly `n` of the table's entries (its estimate is per entry, uniform here). */
function bytesFor(table: SpillableKeyedTable<Acc>, n: number): number {
  return (table.estimatedBytes() / table.size) * n - 1;
}

test('a keyed table spills its least recently used keys; a key read or loaded back counts as used', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-keyed-eviction-'));
  const store = await SpillStore.open(dir, 64 * 2 ** 20);
  try {
    const table = new SpillableKeyedTable<Acc>('g');
    for (let i = 0; i < 6; i++) table.set(`k${i}`, { n: i });
    // The two oldest keys are the hot ones: an operator reads them again.
    table.get('k0')!.n++;
    table.get('k1')!.n++;
    await table.spill(store, bytesFor(table, 2));
    assert.deepEqual(
      ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'].filter((k) => !table.has(k)),
      ['k2', 'k3'],
    );
    assert.equal(table.rowsSpilledTotal, 2);

    await table.load(store, ['k2']);
    assert.deepEqual(table.get('k2'), { n: 2 });
    assert.equal(table.rowsLoadedTotal, 1);
    // Now k4 and k5 are the least recently used (k2 came back after them).
    await table.spill(store, bytesFor(table, 2));
    assert.deepEqual(
      ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'].filter((k) => !table.has(k)),
      ['k3', 'k4', 'k5'],
    );
    await table.load(store, ['k3', 'k4', 'k5']);
    assert.deepEqual(
      [...table.entries()].map(([k, v]) => [k, v.n]).sort(),
      [
        ['k0', 1],
        ['k1', 2],
        ['k2', 2],
        ['k3', 3],
        ['k4', 4],
        ['k5', 5],
      ],
    );
    assert.equal(table.spilledRows, 0);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
