// Joins with a table in the REPL: CREATE TABLE answered, SHOW TABLES, a live lookup join with a
// CSV table and a live temporal join with a JSON-lines history, each with EXPLAIN and \compare
// equal to DuckDB; a table read as a stream refused with the caret and a hint.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { session, text, until } from './helpers.js';

const FEED = "CREATE SOURCE feed WITH (connector = 'datagen', generator = 'sensors', count = 300, disorder = '800ms', seed = 3, start = '2024-05-20T10:00:00Z');";

test('a live lookup join and a live temporal join with file tables, EXPLAIN, \\compare, SHOW TABLES', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-repl-table-'));
  try {
    writeFileSync(path.join(dir, 'meta.csv'), 'sensor,building\nSensor1,North\nSensor2,North\nSensor3,South\n');
    const limits = [
      { sensor: 'Sensor1', lim: 40, valid: '2024-05-20T09:00:00Z' },
      { sensor: 'Sensor1', lim: 60, valid: '2024-05-20T10:00:20Z' },
      { sensor: 'Sensor2', lim: 50, valid: '2024-05-20T10:00:05Z' },
    ];
    writeFileSync(path.join(dir, 'limits.jsonl'), limits.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const s = session(FEED);
    assert.match(text(await s.submit(`CREATE TABLE meta (sensor VARCHAR, building VARCHAR, PRIMARY KEY (sensor)) WITH (connector = 'file', path = '${path.join(dir, 'meta.csv')}', format = 'csv');`)), /created table meta/);
    await s.submit(`CREATE TABLE limits (sensor VARCHAR, lim DOUBLE, valid TIMESTAMP, PRIMARY KEY (sensor), WATERMARK FOR valid AS valid) WITH (connector = 'file', path = '${path.join(dir, 'limits.jsonl')}');`);
    assert.match(text(await s.submit('SHOW TABLES;')), /meta {2}\(file, primary key sensor\)\nlimits {2}\(file, primary key sensor, watermark on valid\)/);
    const lookup = 'SELECT f.sensor, f.value, m.building, f.ts FROM feed AS f LEFT JOIN meta AS m ON f.sensor = m.sensor';
    assert.match(text(await s.submit(`EXPLAIN ${lookup};`)), /LookupJoin #\d+ LEFT OUTER table=meta/);
    await s.submit(`${lookup};`);
    await until(() => s.live?.running === false, 20_000);
    assert.equal(s.live!.result.rows.length, 300);
    assert.match(text(await s.submit('\\compare')), /query: equal/);
    const temporal = 'SELECT f.sensor, f.value, l.lim, f.ts FROM feed AS f JOIN limits FOR SYSTEM_TIME AS OF f.ts AS l ON f.sensor = l.sensor';
    assert.match(text(await s.submit(`EXPLAIN ${temporal};`)), /TemporalJoin #\d+ INNER table=limits/);
    await s.submit(`${temporal};`);
    await until(() => s.live?.running === false, 20_000);
    assert.ok(s.live!.result.rows.length > 0);
    assert.match(text(await s.submit('\\compare')), /query: equal/);
    const refused = text(await s.submit('SELECT * FROM meta;'));
    assert.match(refused, /'meta' is a table: it is joined with a stream, not read as one/);
    assert.match(refused, /\^{4}/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
