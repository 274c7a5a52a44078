// A checkpoint's spilled rows, copied in their typed columns (spill-checkpoint.ts), restore
// exactly: every row of the wide and the narrow spill tables comes back once, under its table's
// name, with its time, its key and the value a JSON round trip gives. A checkpoint written
// before the typed copies (JSON rows in checkpoint_spill) still restores.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointStore, type JobCheckpoint } from '../../src/state/checkpoint.js';
import type { SpillStore } from '../../src/state/spill.js';
import { SPILL, SpillWriter } from '../../src/state/spill-rows.js';
import { ShapeCache } from '../../src/state/shape-codec.js';
import { decodeState, encodeState } from '../../src/state/codec.js';

type Row = readonly [table: string, time: number | null, key: string, value: unknown];

/** Every row of the spill table after a restore (all JSON), as [table, time, key, value] sorted. */
async function restoredRows(spill: SpillStore, names: readonly string[]): Promise<string[]> {
  const byId = new Map(names.map((n) => [spill.tableId(n), n]));
  const rows = (await spill.conn.runAndReadAll(`SELECT tbl, time, key, value, shape FROM ${SPILL}`)).getRowsJS();
  return rows
    .map((r) => {
      assert.equal(Number(r[4]), -1, 'restored rows are JSON');
      return encodeState([byId.get(Number(r[0])), r[1] === null ? null : Number(r[1]), String(r[2]), decodeState(String(r[3]))]);
    })
    .sort();
}

function expected(rows: readonly Row[]): string[] {
  return rows.map(([t, time, k, v]) => encodeState([t, time, k, decodeState(encodeState(v))])).sort();
}

/** Commits checkpoint `id` whose only table `name` keeps `rows` spilled rows in the store's database. */
async function commit(store: CheckpointStore, id: number, names: readonly string[], rows: number): Promise<void> {
  const c: JobCheckpoint = { id, createdAt: 0, fingerprint: 'f', meta: {}, tables: names.map((name, i) => ({ operator: 0, name, shape: 'timeKeyed', rows: i === 0 ? rows : 0, chunks: [], spilledRows: i === 0 ? rows : 0, spilledBytes: 0, spilledInStore: true })) };
  await store.write(c, false);
}

test('spilled rows of the wide and narrow tables restore exactly from a checkpoint, and an older checkpoint is dropped', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-ckspill-'));
  try {
    const rows: Row[] = [];
    const names = ['w', "it's"];
    {
      const store = await CheckpointStore.open(dir);
      const spill = await store.openSpill(Number.POSITIVE_INFINITY);
      // Table `w`: plain rows keyed by number (narrow spill_p3), shaped rows with text keys and
      // JSON rows (wide table); table `it's`: keyed rows (no time) of another shape.
      const cacheW = new ShapeCache(spill.shapes);
      const w = await SpillWriter.open(spill.conn, spill.tableId('w'), cacheW, 3);
      const plainShape = spill.shapes.learn({ keyValues: [1], accs: [2, 0.5] }, '1')!;
      assert.equal(plainShape.width, 3);
      const fields = new Float64Array(2);
      for (let i = 0; i < 5000; i++) {
        const k = i * 1_000_003 - 7;
        fields[0] = i % 17;
        fields[1] = i === 3 ? -0 : i / 7;
        w.addRaw(1000 + (i % 3), null, k, plainShape, fields, 0);
        rows.push(['w', 1000 + (i % 3), String(k), { keyValues: [k], accs: [fields[0], fields[1]] }]);
      }
      for (let i = 0; i < 700; i++) {
        const v = i % 5 === 0 ? { keyValues: [`k${i}`], accs: ['text', i] } : { keyValues: [`k${i}`], accs: [i, i === 1 ? NaN : i / 3] };
        w.add(2000, `k${i}`, v);
        rows.push(['w', 2000, `k${i}`, v]);
      }
      w.close();
      const other = await SpillWriter.open(spill.conn, spill.tableId("it's"), new ShapeCache(spill.shapes));
      for (let i = 0; i < 300; i++) {
        const v = { n: i, last: i === 7 ? Infinity : -i };
        other.add(Number.NaN, `q'${i}`, v);
        rows.push(["it's", null, `q'${i}`, v]);
      }
      other.close();
      // Checkpoint 1, then checkpoint 2 after more spilled rows: only 2's copies stay.
      await spill.stage(1);
      await spill.finishStage(1);
      await commit(store, 1, names, rows.length);
      const more = await SpillWriter.open(spill.conn, spill.tableId('w'), cacheW, 3);
      for (let i = 0; i < 10; i++) {
        fields[0] = 1;
        fields[1] = i;
        more.addRaw(3000, null, i, plainShape, fields, 0);
        rows.push(['w', 3000, String(i), { keyValues: [i], accs: [1, i] }]);
      }
      more.close();
      await spill.stage(2);
      await spill.finishStage(2);
      await commit(store, 2, names, rows.length);
      const copies = (await spill.conn.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'ckspill%' ORDER BY 1`)).getRowsJS().map((r) => String(r[0]));
      assert.deepStrictEqual(copies, ['ckspill_2_spill', 'ckspill_2_spill_p3']);
      spill.close();
      store.close();
    }
    const store = await CheckpointStore.open(dir);
    try {
      const last = await store.latest();
      assert.equal(last?.checkpoint.id, 2);
      const spill = await store.openSpill(Number.POSITIVE_INFINITY);
      // A new process numbers its tables in another order.
      spill.tableId('unrelated');
      await spill.restoreFrom(2);
      assert.deepStrictEqual(await restoredRows(spill, names), expected(rows));
      spill.close();
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a checkpoint written before typed copies (JSON rows in checkpoint_spill) restores', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-ckspill-old-'));
  try {
    const rows: Row[] = [
      ['w', 1000, '42', { keyValues: [42], accs: [3, 1.5] }],
      ['w', 1000, 'k', { keyValues: ['k'], accs: [1, { $num: 'NaN' }] }],
      ['keyed', null, 'a', [1, 2]],
    ];
    {
      const store = await CheckpointStore.open(dir);
      store.close();
    }
    // The layout the previous version wrote: its checkpoint row, and spilled rows as JSON text.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(path.join(dir, 'state.duckdb'));
    const conn = await db.connect();
    await conn.run(`INSERT INTO checkpoints VALUES (5, 0, 'f', '{}', false)`);
    await conn.run(`INSERT INTO checkpoint_state VALUES (5, 0, 'w', 'timeKeyed', 0, 3, NULL)`);
    await conn.run(`INSERT INTO checkpoint_spilled VALUES (5, 0, 'w', 3, 0)`);
    for (const [t, time, k, v] of rows) await conn.run(`INSERT INTO checkpoint_spill VALUES (5, $1, $2, $3, $4)`, [t, time, k, encodeState(v)]);
    conn.closeSync();
    db.closeSync();
    const store = await CheckpointStore.open(dir);
    try {
      assert.equal((await store.latest())?.checkpoint.tables[0]?.spilledInStore, true);
      const spill = await store.openSpill(Number.POSITIVE_INFINITY);
      await spill.restoreFrom(5);
      assert.deepStrictEqual(await restoredRows(spill, ['w', 'keyed']), expected(rows));
      spill.close();
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
