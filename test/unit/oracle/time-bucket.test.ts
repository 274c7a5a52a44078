// The offset convention against DuckDB's own: time_bucket(width, ts, offset) puts buckets at
// origin + offset + k * width, like Sluice's windows (exec/time.ts), but from the origin
// 2000-01-03 rather than the epoch; for widths dividing the days in between the two agree.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import { tumbleStart } from '../../../src/exec/time.js';

const S = 1_000_000;
const H = 3600 * S;

test('TUMBLE with an offset agrees with DuckDB time_bucket for widths that divide 2000-01-03 - epoch', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const cases: Array<[number, number, number]> = [
    [24 * H, 8 * H, Date.UTC(2024, 4, 20, 7, 59, 59) * 1000],
    [24 * H, 8 * H, Date.UTC(2024, 4, 20, 8) * 1000],
    [24 * H, 8 * H, -16 * H - 1],
    [10 * S, 3 * S, -1],
    [60 * S, 59 * S, Date.UTC(2024, 4, 20, 10, 0, 58, 999) * 1000],
    [H, 1, 12345],
  ];
  for (const [size, offset, ts] of cases) {
    const r = await c.runAndReadAll(`SELECT epoch_us(time_bucket(to_microseconds(${size}), make_timestamp(${ts}::BIGINT), to_microseconds(${offset})))`);
    assert.equal(Number(r.getRows()[0]![0]), tumbleStart(ts, size, offset), `size ${size} offset ${offset} ts ${ts}`);
  }
  // A 7 s width does not divide it: DuckDB's buckets are not epoch-aligned, Sluice's are.
  const r = await c.runAndReadAll('SELECT epoch_us(time_bucket(INTERVAL 7 SECOND, make_timestamp(0::BIGINT)))');
  assert.notEqual(Number(r.getRows()[0]![0]), tumbleStart(0, 7 * S));
  c.closeSync();
});
