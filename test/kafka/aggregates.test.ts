// The order and sketch aggregates over a real 3-partition topic: LATEST_BY_OFFSET per key is
// the value at the key's highest offset (each key lives in one partition), and the windowed and
// updating aggregates equal DuckDB's (compare).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { broker, createTopic, produceMessages, unique } from './broker.js';
import { compareSql, runSql } from './job.js';
import { renderComparison } from '../../src/oracle/index.js';
import { isRetraction } from '../../src/exec/operator.js';

const BASE = Date.parse('2024-05-20T10:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '');

test('LATEST_BY_OFFSET is the value at the highest offset per key; FIRST_VALUE, ARG_MAX, MEDIAN, APPROX_QUANTILE equal DuckDB over Kafka', async () => {
  await broker();
  const topic = unique('aggs-latest');
  await createTopic(topic, 3);
  // 900 readings keyed by sensor, up to 3 s out of order, with repeated times and values.
  const messages = Array.from({ length: 900 }, (_, i) => {
    const sensor = `Sensor${(i * 7) % 5}`;
    return { key: sensor, value: JSON.stringify({ ts: iso(BASE + Math.floor(i / 3) * 250 - ((i * 37) % 3000)), value: (i * 13) % 41 }) };
  });
  await produceMessages(topic, messages);
  const source = `CREATE SOURCE raw (sensor VARCHAR KEY, value INT, ts TIMESTAMP, _offset BIGINT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
    WITH (connector = 'kafka', topic = '${topic}', bounded = 'latest');`;
  const { sinks } = await runSql(`${source}
    SELECT sensor, LATEST_BY_OFFSET(value) AS latest, ARG_MAX(value, _offset) AS at_last_offset FROM raw GROUP BY sensor;`, { capture: true });
  const live = new Map<string, unknown[]>();
  const out = sinks.get('query')!;
  out.rows.forEach((r, i) => {
    const op = out.ops[i]!;
    if (!isRetraction(op)) live.set(r[0] as string, r);
  });
  assert.equal(live.size, 5);
  for (const [sensor, r] of live) {
    const last = messages.filter((m) => m.key === sensor).at(-1)!;
    assert.equal(r[1], JSON.parse(last.value).value, `${sensor}: the last message's value`);
    assert.equal(r[1], r[2], `${sensor}: LATEST_BY_OFFSET = ARG_MAX(value, _offset)`);
  }

  const result = await compareSql(`${source}
    CREATE SINK w AS SELECT sensor, window_start, FIRST_VALUE(value) AS first, LAST_VALUE(value) AS last, ARG_MAX(ts, value) AS peak_at,
      MEDIAN(value) AS mid, APPROX_QUANTILE(value, 0.9) AS p90, STRING_AGG(CAST(value AS VARCHAR), ',') AS seq
    FROM raw GROUP BY sensor, HOP(ts, 5s, 10s);
    CREATE SINK g AS SELECT sensor, LATEST_BY_OFFSET(value) AS latest, APPROX_COUNT_DISTINCT(value) AS distinct_values, VAR_SAMP(value) AS var
    FROM raw GROUP BY sensor;`);
  for (const c of result.comparisons) {
    assert.ok(c.engineRows > 0, c.sink);
    assert.ok(c.equal, renderComparison([c]));
  }
});
