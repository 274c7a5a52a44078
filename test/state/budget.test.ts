// The split of a state budget (state/budget.ts): every budget the option accepts gives DuckDB a
// buffer pool it can work in, and a smaller one is refused naming the smallest that works. The
// spill tier at the smallest budget's pool takes a few hundred thousand window partials through
// appender batches and a checkpoint copy (at 16 MB, what a 64 MB budget once gave, DuckDB
// failed to pin a block and the job died; the floor is 32 MB).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DUCKDB_FLOOR, MIN_STATE_MEMORY, duckdbBytes, parseStateMemory } from '../../src/state/budget.js';
import { CheckpointStore } from '../../src/state/checkpoint.js';
import { SpillableTimeKeyedTable } from '../../src/state/spill.js';

test('a budget below the smallest is refused naming it; the accepted ones give DuckDB at least its floor', () => {
  for (const text of ['1MB', '16MB', '63MB']) {
    const r = parseStateMemory(text);
    assert.ok('error' in r, text);
    assert.match(r.error, /smallest budget that works, 64\.0 MB/);
  }
  assert.ok('error' in parseStateMemory('lots'));
  for (const text of ['64MB', '256MB', '2GB']) {
    const r = parseStateMemory(text);
    assert.ok('bytes' in r, text);
    assert.ok(duckdbBytes(r.bytes) >= DUCKDB_FLOOR);
  }
  assert.equal((parseStateMemory('64MB') as { bytes: number }).bytes, MIN_STATE_MEMORY);
  assert.equal(duckdbBytes(MIN_STATE_MEMORY), DUCKDB_FLOOR);
  assert.equal(duckdbBytes(256 * 2 ** 20), 64 * 2 ** 20);
});

test('the spill tier works within the pool the smallest budget gives DuckDB', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-budget-'));
  const store = await CheckpointStore.open(dir);
  try {
    const spill = await store.openSpill(duckdbBytes(MIN_STATE_MEMORY));
    type V = { keyValues: number[]; accs: [number, { n: number; s: number }] };
    const merge = (a: V, b: V): V => ({ keyValues: a.keyValues, accs: [a.accs[0] + b.accs[0], { n: a.accs[1].n + b.accs[1].n, s: a.accs[1].s + b.accs[1].s }] });
    const table = new SpillableTimeKeyedTable<V>('7/windows', merge);
    const KEYS = 400_000;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < KEYS; i++) table.set(86_400_000_000, String(i * 1_000_003), { keyValues: [i * 1_000_003], accs: [1, { n: 1, s: i % 1000 }] });
      await table.spill(spill, Number.POSITIVE_INFINITY);
    }
    assert.equal(table.spilledRows, 2 * KEYS);
    await spill.stage(1);
    let rows = 0;
    let sum = 0;
    await table.closeThrough(spill, 86_400_000_000, (entries) => {
      for (const e of entries) {
        rows++;
        sum += e.value.accs[1].s;
        assert.equal(e.value.accs[0], 2);
      }
    });
    assert.equal(rows, KEYS);
    assert.equal(sum, 2 * 1000 * 999 * (KEYS / 2000));
    spill.close();
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a window close whose GROUP BY merge runs out of DuckDB memory merges its spilled partials in JS instead', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-budget-'));
  const store = await CheckpointStore.open(dir);
  try {
    const spill = await store.openSpill(duckdbBytes(MIN_STATE_MEMORY));
    type V = { keyValues: number[]; accs: [number, { n: number; s: number }] };
    const merge = (a: V, b: V): V => ({ keyValues: a.keyValues, accs: [a.accs[0] + b.accs[0], { n: a.accs[1].n + b.accs[1].n, s: a.accs[1].s + b.accs[1].s }] });
    // Numbers of one shape whose SQL merge is exact: the close would merge them by GROUP BY key.
    const table = new (class extends SpillableTimeKeyedTable<V> {
      protected override mergeSql(): readonly ('sum' | 'min' | 'max')[] {
        return ['sum', 'sum', 'sum', 'sum'];
      }
    })('7/windows', merge);
    const KEYS = 200_000;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < KEYS; i++) table.set(86_400_000_000, String(i * 1_000_003), { keyValues: [i * 1_000_003], accs: [1, { n: 1, s: i % 1000 }] });
      await table.spill(spill, Number.POSITIVE_INFINITY);
    }
    // A buffer pool too small for the hash aggregate of 400K partials, large enough for scans
    // (At 4 MB a partition's streamed scan used to end half-way with no error, DuckDB's streaming
    // results ending on an error as when complete; readSpilled now counts, see spill-scan.test.)
    await spill.conn.run(`SET memory_limit = '8MB'`);
    let rows = 0;
    let sum = 0;
    await table.closeThrough(spill, 86_400_000_000, (entries) => {
      for (const e of entries) {
        rows++;
        sum += e.value.accs[1].s;
        assert.equal(e.value.accs[0], 2);
      }
    });
    assert.equal(rows, KEYS);
    assert.equal(sum, 2 * 1000 * 999 * (KEYS / 2000));
    spill.close();
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
