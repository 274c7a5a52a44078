// The DuckDB tier with many keys: a 1-byte budget spills every batch, so window partials, LAG's
// waiting rows, session timers and keyed state (GROUP BY, sessions, LAG history) go back and
// forth through DuckDB, with crashes and restores from a DuckDB checkpoint store (spilled rows
// copied inside DuckDB); the result must equal DuckDB's batch answer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareWithOracle, renderComparison } from '../../src/oracle/index.js';
import { CheckpointStore } from '../../src/state/checkpoint.js';
import { counted, planOverEvents, runWithCrashes, type Counted, type Event } from './harness.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { decodeState, encodeState } from '../../src/state/codec.js';
import { NUM_COLUMNS, ShapeCache, ShapeRegistry } from '../../src/state/shape-codec.js';
import { SPILL, SPILL_DDL, SpillWriter, SpilledChunk, spillColumns } from '../../src/state/spill-rows.js';
import type { Value } from '../../src/catalog/types.js';
import { ColumnarTimeKeyedTable, type ColumnarLayout } from '../../src/state/columnar.js';
import type { NumericSegment } from '../../src/state/columnar-segment.js';
import { SpillStore, SpillableTimeKeyedTable } from '../../src/state/spill.js';

const BASE = Date.UTC(2024, 4, 20, 10, 0, 0);
const EVENTS: Event[] = Array.from({ length: 400 }, (_, i) => ({ k: `k${(i * 7) % 23}`, v: i % 13, d: i / 3, ms: BASE + i * 300 - (i % 5) * 200 }));

/** Events of ~100 values of v: NUMBER_KEYED's open windows hold enough keys to be staged. */
const MANY_V: Event[] = EVENTS.map((e, i) => ({ ...e, v: (i * 31) % 101 }));
/** A plain columnar window keyed by one integer: spilled and staged rows go to the narrow table, keyed by number. */
const NUMBER_KEYED = 'SELECT v, window_start, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY v, TUMBLE(ts, 10s)';
const QUERIES = [
  'SELECT k, COUNT(*) AS n, SUM(d) AS s, COUNT(DISTINCT v) AS dv FROM ev GROUP BY k',
  'SELECT k, window_start, window_end, COUNT(*) AS n FROM ev GROUP BY k, SESSION(ts, 1s) EMIT CHANGES',
  'SELECT k, window_start, window_end, COUNT(*) AS n, MAX(d) AS m FROM ev GROUP BY k, SESSION(ts, 2s)',
  'SELECT k, v, ts, prev FROM (SELECT k, v, ts, LAG(v, 2, -1) OVER (PARTITION BY k ORDER BY ts) AS prev FROM ev)',
  'SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s, COUNT(DISTINCT v) AS dv FROM ev GROUP BY k, HOP(ts, 1s, 3s)',
  NUMBER_KEYED,
];

for (const query of QUERIES) {
  test(`spilling every batch with DuckDB checkpoints and crashes equals DuckDB: ${query}`, async () => {
    const { plan } = planOverEvents(query, 1000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-spill-keyed-'));
    const store = await CheckpointStore.open(dir);
    try {
      const r = await runWithCrashes(plan, EVENTS, [7, 3, 11], (n) => n % 3 === 0, [5, 9, 14, 30], { stateMemory: { bytes: 1, dir } }, store);
      assert.equal(r.crashes, 4);
      const comparisons = await compareWithOracle({ plan, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
      for (const c of comparisons) assert.ok(c.equal, renderComparison([c]));
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// A budget that state outgrows by a quarter but not a half: checkpoints stage the memory state
// into the checkpoint database without spilling it (SpillStore.stageEntries), and each restore
// brings it back as spilled rows.
for (const query of [QUERIES[0]!, QUERIES[2]!, 'SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS m FROM ev GROUP BY k, TUMBLE(ts, 2s)', NUMBER_KEYED]) {
  test(`checkpoints staging memory state in DuckDB, through crashes, equal DuckDB: ${query}`, async () => {
    const { plan } = planOverEvents(query, 1000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-spill-staged-'));
    const store = await CheckpointStore.open(dir);
    const stageEntries = SpillStore.prototype.stageEntries;
    const stageMemory = SpillableTimeKeyedTable.prototype.stageMemory;
    let staged = 0;
    SpillStore.prototype.stageEntries = async function (this: SpillStore, ...args: Parameters<typeof stageEntries>) {
      const r = await stageEntries.apply(this, args);
      staged += r.rows;
      return r;
    };
    SpillableTimeKeyedTable.prototype.stageMemory = async function (this: SpillableTimeKeyedTable<unknown>, ...args: Parameters<typeof stageMemory>) {
      const r = await stageMemory.apply(this, args);
      staged += r.rows;
      return r;
    };
    try {
      const r = await runWithCrashes(plan, query === NUMBER_KEYED ? MANY_V : EVENTS, [7, 3, 11], (n) => n % 3 === 0, [5, 9, 14, 30], { stateMemory: { bytes: 16_384, dir } }, store);
      assert.equal(r.crashes, 4);
      assert.ok(staged > 0, 'no memory row was staged');
      const comparisons = await compareWithOracle({ plan, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
      for (const c of comparisons) assert.ok(c.equal, renderComparison([c]));
    } finally {
      SpillStore.prototype.stageEntries = stageEntries;
      SpillableTimeKeyedTable.prototype.stageMemory = stageMemory;
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// Spilled values in numeric columns (shape-codec.ts): reading one back, and the JSON a checkpoint
// copies (stage renders it in SQL), both give what a JSON round trip gives, NaN, infinities and
// -0 included; values without a fixed shape stay JSON.
const KEY = 'k\u0001"\\é';
const SHAPED: unknown[] = [
  { keyValues: [KEY], accs: [3, { n: 2, s: -0 }, { v: NaN }], lastEmitted: undefined },
  { keyValues: [KEY], accs: [0, { n: 1, s: 1e300, c: -1.5e-10, pinf: 1, ninf: 0, nan: 0 }, { v: -Infinity }], lastEmitted: undefined },
  { keyValues: [KEY, null, true], accs: [Infinity, { v: null }, { v: false }] },
  [[1, 2.5], [], {}, { '1': 0.1, a: [KEY] }],
  5e-324,
  null,
];
const UNSHAPED: unknown[] = [{ keyValues: ['other'], accs: [1] }, [1, undefined], { items: { k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7, k8: 8, k9: 9 } }, 'text'];

test('shaped spill values read back, and render as checkpoint JSON, as a JSON round trip does', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    for (const statement of SPILL_DDL) await conn.run(statement);
    const registry = new ShapeRegistry();
    const cache = new ShapeCache(registry);
    const values = [...SHAPED, ...UNSHAPED];
    const writer = await SpillWriter.open(conn, 0, cache);
    values.forEach((v, i) => writer.add(i, KEY, v));
    writer.close();
    assert.equal(registry.shapes.length, SHAPED.length);
    const expected = values.map((v) => decodeState(encodeState(v)));
    const result = await conn.run(`SELECT time, ${spillColumns(cache.width)}, ${registry.jsonSql()} FROM ${SPILL} ORDER BY time`);
    let row = 0;
    for (const c of await result.fetchAllChunks()) {
      const chunk = new SpilledChunk(c, registry, cache.width, 1);
      const json = c.getColumnValues(4 + cache.width) as string[];
      for (let i = 0; i < chunk.count; i++, row++) {
        const key = chunk.key(i);
        assert.equal(key, KEY);
        const v = chunk.value(i, key);
        assert.deepStrictEqual(v, expected[row], `value ${row}`);
        assert.equal(encodeState(v), encodeState(expected[row]), `key order of value ${row}`);
        assert.deepStrictEqual(decodeState(json[i]!), expected[row], `checkpoint JSON of value ${row}: ${json[i]}`);
      }
    }
    assert.equal(row, values.length);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
});

test('a value whose keys come in another order takes another shape', () => {
  const registry = new ShapeRegistry();
  const cache = new ShapeCache(registry);
  const cols = Array.from({ length: NUM_COLUMNS }, () => new Float64Array(1));
  const a = cache.encode({ n: 1, s: 2 }, 'k', cols, 0);
  const b = cache.encode({ s: 2, n: 1 }, 'k', cols, 0);
  assert.ok(a && b && a.id !== b.id);
  assert.deepStrictEqual(Object.keys(b.decode('k', cols, 0) as object), ['s', 'n']);
  assert.equal(cache.encode({ n: 1, s: 'x' }, 'k', cols, 0), undefined);
});

// A closing time whose spilled partials share one shape that SQL can merge is merged by one
// GROUP BY in DuckDB; partials of several shapes (a NULL key beside numbers) merge in JS. Both
// must give the sums a Map gives, memory partials of spilled keys included.

for (const [withNull, plain] of [[false, false], [true, false], [false, true], [true, true]] as const) {
  test(`a closing time's spilled partials merge ${withNull ? 'in JS when their shapes differ' : 'in DuckDB when they share a shape'}${plain ? ', spilled straight from the fields' : ''}`, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-spill-merge-'));
    const store = await SpillStore.open(dir, 64 * 2 ** 20);
    const queries: string[] = [];
    const stream = store.reader.stream.bind(store.reader);
    store.reader.stream = ((sql: string, values?: unknown) => {
      queries.push(sql);
      return stream(sql, values as never);
    }) as typeof store.reader.stream;
    try {
      const table = new ColumnarTimeKeyedTable<Counted>('w', (a, b) => ({ keyValues: a.keyValues, n: a.n + b.n }), { ...counted, plain });
      const model = new Map<string, number>();
      const T1 = 1000;
      // Three rounds: each key touched, then spilled; the last round stays in memory.
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 500; i++) {
          // The last round also has keys never spilled (memory only at the close).
          const k: number | null = withNull && i % 50 === 0 ? null : round === 2 && i % 5 === 1 ? 7_000_000_000 + i : ((i * 7 + round * 13) % 300) * 1_000_003;
          const key = k === null ? '' : String(k);
          const seg = table.segment(T1) as NumericSegment;
          const s = seg.slotOf(k);
          if (seg.isNew) {
            seg.isNew = false;
            seg.data[s] = 0;
          }
          seg.data[s]!++;
          model.set(key, (model.get(key) ?? 0) + 1);
        }
        if (round < 2) await table.spill(store, Number.POSITIVE_INFINITY);
      }
      // Spilled straight from the fields, a key that is a safe integer is its number only (n0), no text.
      const [texts, numbers] = (await store.conn.runAndReadAll(`SELECT count(key), count(*) - count(key) FROM spill_rows`)).getRowsJS()[0]!.map(Number);
      // ... in the narrow table of its width (key, count), the wide one holding only the rest.
      const narrow = Number((await store.conn.runAndReadAll(`SELECT count(*) FROM spill_p2`)).getRowsJS()[0]![0]);
      assert.equal(narrow, numbers);
      assert.equal(numbers! > 0, plain, `${texts} keys as text, ${numbers} as numbers`);
      if (plain) assert.equal(texts, withNull ? 2 : 0);
      const got = new Map<string, number>();
      let memoryAtFirstChunk: number | undefined;
      await table.closeThrough(store, T1, (entries) => {
        memoryAtFirstChunk ??= table.size;
        for (const e of entries) {
          assert.equal(got.has(e.key), false, `key ${e.key} closed twice`);
          got.set(e.key, e.value.n);
        }
      });
      for (const e of table.drainThrough(T1)) got.set(e.key, e.value.n);
      assert.deepEqual(new Map([...got].sort()), new Map([...model].sort()));
      assert.equal(table.spilledRows, 0);
      // Merged by SQL, the memory partials, of spilled keys or not, went to DuckDB before the
      // merge (their memory freed first).
      if (!withNull) assert.equal(memoryAtFirstChunk, 0);
      assert.equal(queries.some((q) => q.includes('GROUP BY')), !withNull, queries.join('\n'));
      // Keys all numbers: DuckDB groups the partials by n0, not by key text.
      assert.equal(queries.some((q) => q.includes('GROUP BY spill_p2.n0')), plain && !withNull, queries.join('\n'));
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
