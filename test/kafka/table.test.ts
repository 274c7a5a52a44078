// A Kafka topic as a table (CREATE TABLE ... connector = 'kafka') against a real broker: read as
// an upsert changelog keyed by the message key, a tombstone (a message without a value) deleting
// its key from the record's timestamp on. A temporal join of a file stream with it gives, for
// each reading, the value valid at its event time, and `compare` agrees; a lookup join against
// it is excluded from compare with the reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { broker, createTopic, produceMessages, unique } from './broker.js';
import { compareSql, runSql } from './job.js';
import { ExcludedFromCompareError } from '../../src/oracle/check-job.js';

const at = (s: number) => `2024-05-20T10:00:${String(s).padStart(2, '0')}`;
const ms = (s: number) => String(Date.UTC(2024, 4, 20, 10, 0, s));

test('temporal join with a Kafka table: upserts by key, a tombstone deletes from its record timestamp; compare agrees', { timeout: 120_000 }, async () => {
  const brokers = await broker();
  const topic = unique('table-rates');
  await createTopic(topic);
  await produceMessages(topic, [
    { key: 'a', value: JSON.stringify({ rate: 1, ts: at(0) }) },
    { key: 'b', value: JSON.stringify({ rate: 2, ts: at(0) }) },
    { key: 'b', value: null, timestamp: ms(5) },
    { key: 'a', value: JSON.stringify({ rate: 3, ts: at(10) }) },
    { key: 'c', value: JSON.stringify({ rate: 9, ts: at(20) }) },
  ]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-kafka-table-'));
  try {
    const file = path.join(dir, 'readings.jsonl');
    const readings: Array<[string, number]> = [['a', 3], ['b', 2], ['b', 7], ['a', 12], ['b', 15]];
    writeFileSync(file, readings.map(([k, s]) => JSON.stringify({ k, ts: at(s) })).join('\n') + '\n');
    const sql = `
      CREATE SOURCE readings (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = '${file}');
      CREATE TABLE rates (k VARCHAR, rate DOUBLE, ts TIMESTAMP, PRIMARY KEY (k), WATERMARK FOR ts AS ts)
        WITH (connector = 'kafka', topic = '${topic}', brokers = '${brokers}', bounded = 'latest');
      CREATE SINK out AS SELECT r.k, r.ts, t.rate FROM readings AS r LEFT JOIN rates FOR SYSTEM_TIME AS OF r.ts AS t ON r.k = t.k;`;
    const { sinks, summary } = await runSql(sql, { capture: true });
    const rows = sinks.get('out')!.rows.map((r) => `${r[0]}@${new Date((r[1] as number) / 1000).toISOString().slice(17, 19)}=${r[2]}`).sort();
    assert.deepEqual(rows, ['a@03=1', 'a@12=3', 'b@02=2', 'b@07=null', 'b@15=null']);
    assert.equal(summary.metrics.sources.find((s) => s.name === 'rates')?.deadLetters ?? 0, 0, 'a tombstone is a row of a table, not a dead letter');
    const result = await compareSql(sql);
    for (const c of result.comparisons) assert.ok(c.equal, `compare: ${JSON.stringify(c)}`);
    await assert.rejects(
      compareSql(sql.replace('LEFT JOIN rates FOR SYSTEM_TIME AS OF r.ts AS t', 'LEFT JOIN rates AS t')),
      (e: unknown) => e instanceof ExcludedFromCompareError && /excluded from compare: the lookup join with Kafka table 'rates' has processing-time semantics/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
