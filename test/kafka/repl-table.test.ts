// The REPL's \compare with a Kafka table, against a real broker: the live temporal join runs and
// sees the tombstone, but \compare replays only the rows the query read, which would lose that
// deletion; it says so (and how to compare) instead of reporting a wrong difference or a wrong
// "equal". A file table beside it is compared as before (test/repl/table-join.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { broker, createTopic, produceMessages, unique } from './broker.js';
import { session, text, until } from '../repl/helpers.js';

const at = (s: number) => `2024-05-20T10:00:${String(s).padStart(2, '0')}`;
const ms = (s: number) => String(Date.UTC(2024, 4, 20, 10, 0, s));

test('REPL: a live temporal join with a Kafka table sees its tombstone; \\compare refuses to replay it, with the way to compare', { timeout: 120_000 }, async () => {
  const brokers = await broker();
  const topic = unique('repl-table-rates');
  await createTopic(topic);
  await produceMessages(topic, [
    { key: 'a', value: JSON.stringify({ rate: 1, ts: at(0) }) },
    { key: 'b', value: JSON.stringify({ rate: 2, ts: at(0) }) },
    { key: 'b', value: null, timestamp: ms(5) },
  ]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-repl-kafka-table-'));
  try {
    const file = path.join(dir, 'readings.jsonl');
    writeFileSync(file, [['a', 3], ['b', 2], ['b', 7]].map(([k, s]) => JSON.stringify({ k, ts: at(s as number) })).join('\n') + '\n');
    const s = session(`CREATE SOURCE readings (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = '${file}');`);
    assert.match(
      text(await s.submit(`CREATE TABLE rates (k VARCHAR, rate DOUBLE, ts TIMESTAMP, PRIMARY KEY (k), WATERMARK FOR ts AS ts) WITH (connector = 'kafka', topic = '${topic}', brokers = '${brokers}', bounded = 'latest');`)),
      /created table rates/,
    );
    await s.submit('SELECT r.k, r.ts, t.rate FROM readings AS r LEFT JOIN rates FOR SYSTEM_TIME AS OF r.ts AS t ON r.k = t.k;');
    await until(() => s.live?.running === false, 60_000);
    const rows = s.live!.result.rows.map((r) => `${String(r[0])}=${String(r[2])}`).sort();
    assert.deepEqual(rows, ['a=1', 'b=2', 'b=null'], 'the reading at 7 s comes after the tombstone at 5 s');
    const said = text(await s.submit('\\compare'));
    assert.match(said, /not compared: \\compare replays the rows the query read, and Kafka table 'rates' is an upsert changelog whose deletions \(tombstones\) a replay would lose/);
    assert.match(said, /sluice compare FILE\.sql/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
