// Through the engine and DuckDB (compare): TIMESTAMP and DATE literals mean what DuckDB's do, and
// DOUBLE arithmetic that overflows is IEEE as in DuckDB (Infinity, not NULL: IS NULL is false).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { selectSinks } from '../../../src/cli/select-sinks.js';
import { checkJob } from '../../../src/oracle/check-job.js';
import { renderComparison } from '../../../src/oracle/index.js';

function job(rows: readonly string[], query: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-literals-'));
  writeFileSync(path.join(dir, 'in.jsonl'), rows.join('\n') + '\n');
  const sql = `CREATE SOURCE raw (sensor VARCHAR, v DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
    WITH (connector = 'file', path = 'in.jsonl', format = 'jsonl');
    CREATE SINK out WITH (connector = 'file', path = 'out.jsonl') AS ${query};`;
  return loadScriptText(sql, path.join(dir, 'job.sql'), dir, new Catalog());
}

const ROWS = [
  '{"sensor":"a","v":1e10,"ts":"2024-05-19T23:59:59Z"}',
  '{"sensor":"b","v":-1e10,"ts":"2024-05-20T00:00:00Z"}',
  '{"sensor":"c","v":0,"ts":"2024-05-20T10:00:00Z"}',
  '{"sensor":"d","v":2,"ts":"2024-05-21T00:00:00Z"}',
];

test("TIMESTAMP '...' and DATE '...' give DuckDB's answer", async () => {
  const s = job(ROWS, "SELECT sensor, TIMESTAMP '2024-05-20 10:00:05' AS t, DATE '2024-05-20' AS d FROM raw WHERE ts >= DATE '2024-05-20' AND ts < TIMESTAMP '2024-05-21 00:00:00'");
  const r = await checkJob(s.catalog, selectSinks(s, undefined));
  const c = r.comparisons[0]!;
  assert.ok(c.equal, renderComparison([c]));
  assert.equal(c.engineRows, 2, 'b at midnight and c; not a (the day before) nor d (the next midnight)');
});

test('DOUBLE overflow and division by zero are IEEE values as in DuckDB, not NULL', async () => {
  const s = job(ROWS, 'SELECT sensor, v * 1e300 AS x, (v * 1e300) IS NULL AS x_null, v / 0 AS q FROM raw WHERE v * 1e300 > 1e308 OR v * 1e300 < -1e308');
  const r = await checkJob(s.catalog, selectSinks(s, undefined));
  const c = r.comparisons[0]!;
  assert.ok(c.equal, renderComparison([c]));
  assert.equal(c.engineRows, 2, 'a (Infinity) and b (-Infinity) pass the filter: they are not NULL');
});
