// Round trips: parse -> print -> parse gives the same AST (ignoring spans), and printing is a
// fixed point, over statements covering the whole dialect.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScript, parseStatement, printStatement } from '../../../src/sql/index.js';
import { stripSpans } from './helpers.js';

const PIPELINE = `CREATE SOURCE raw (
  sensor VARCHAR,
  value DOUBLE,
  ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (connector = 'file', path = 'sensors.jsonl', format = 'jsonl');

CREATE VIEW hot AS SELECT sensor, value, ts FROM raw WHERE value > 50;

CREATE SINK agg WITH (connector = 'file', path = 'out.jsonl', format = 'jsonl') AS
SELECT sensor, window_start, window_end,
       COUNT(*) AS cnt, MIN(value) AS min_v, MAX(value) AS max_v, AVG(value) AS mean_v
FROM raw
GROUP BY sensor, TUMBLE(ts, 10s);`;

const STATEMENTS = [
  // Sources
  "CREATE SOURCE s WITH (connector = 'datagen')",
  "create source if not exists s (a int key, b bigint, c double, d varchar, e timestamp, f boolean) with (connector = 'kafka', topic = 'x')",
  "CREATE SOURCE s (WATERMARK FOR ts AS ts, ts TIMESTAMP, v INTEGER) WITH (connector = 'file')",
  "CREATE SOURCE s (a FLOAT, b STRING, c TEXT) WITH (connector = 'file')",
  "CREATE SOURCE s (m STRUCT<page VARCHAR, ref STRUCT<id BIGINT, \"Tag\" VARCHAR>>) WITH (connector = 'kafka')",
  "CREATE SOURCE s (a INT) WITH (sasl.mechanism = 'plain', rows.per.second = 100, ratio = -1.5, enabled = TRUE, disabled = false, \"Mixed\" = 1, fmt = jsonl, every = 500ms)",
  'CREATE SOURCE "MySource" ("Value" DOUBLE, "a""b" INT) WITH (connector = \'file\')',
  // Views and sinks
  'CREATE VIEW v AS SELECT DISTINCT a FROM t',
  "CREATE SINK k AS SELECT * FROM t",
  "CREATE SINK k WITH (connector = 'stdout') AS SELECT t.*, a FROM t AS x EMIT CHANGES",
  // Queries
  'SELECT value, timestamp, key, count, date_time, window_start, window_end, time, min, max FROM t',
  'SELECT MIN(value) AS min, MAX(value) max, COUNT(DISTINCT sensor) AS n FROM raw',
  'SELECT a FROM (SELECT a, b FROM t WHERE b IS NOT NULL) AS sub',
  // UNION ALL: in a statement, a view, a sink, a subquery and a window table function's input
  'SELECT a, ts FROM t UNION ALL SELECT b, ts FROM u WHERE b > 1 UNION all SELECT c, ts FROM v',
  'CREATE VIEW both_feeds AS SELECT k, COUNT(*) AS n FROM t GROUP BY k EMIT CHANGES UNION ALL SELECT k, 1 FROM u',
  "CREATE SINK k WITH (connector = 'stdout') AS SELECT a FROM t UNION ALL SELECT a FROM t",
  'SELECT a, COUNT(*) FROM (SELECT a, ts FROM t UNION ALL SELECT a, ts FROM u) AS x GROUP BY a, TUMBLE(ts, 10s)',
  'SELECT window_start, COUNT(*) FROM TUMBLE((SELECT ts FROM t UNION ALL SELECT ts FROM u), ts, 10s) GROUP BY window_start',
  'EXPLAIN SELECT a FROM t UNION ALL SELECT a FROM u',
  'SELECT all FROM t',
  'SELECT a FROM (SELECT a FROM t) sub WHERE a IS NULL',
  'SELECT window_start, COUNT(*) FROM TUMBLE(raw, ts, 10s) GROUP BY window_start EMIT FINAL',
  "SELECT * FROM HOP(raw, ts, INTERVAL '5' SECOND, INTERVAL '1' MINUTE) AS w",
  'SELECT * FROM TUMBLE((SELECT ts, v FROM raw WHERE v > 0), ts, 1h) w',
  'SELECT sensor, AVG(v) FROM raw GROUP BY sensor, HOP(ts, 1s, 10s) HAVING AVG(v) > 2 AND COUNT(*) >= 3',
  'SELECT sensor FROM raw GROUP BY sensor, SESSION(ts, 30s)',
  "SELECT TIMESTAMP '2024-05-20 10:00:00' AS t, DATE '2024-05-20', date, timestamp FROM raw WHERE ts >= DATE '2024-05-20'",
  "SELECT * FROM raw WHERE ts BETWEEN TIMESTAMP '2024-05-20T10:00:00Z' AND TIMESTAMP '2024-05-20 11:00' + INTERVAL '5 minutes'",
  'SELECT LAG(v) OVER (PARTITION BY k ORDER BY ts ASC), desc FROM raw',
  'SELECT ts - INTERVAL 5 MINUTE, ts + INTERVAL 1.5 SECONDS FROM raw',
  'SELECT a OR b AND NOT c = 1 FROM t',
  'SELECT (a OR b) AND NOT (c = 1 OR d <> 2) FROM t',
  'SELECT x BETWEEN 1 AND 2 AND y, x NOT BETWEEN a + 1 AND b * 2 FROM t',
  'SELECT -a * b, -(a * b), - -a, +a, a - (b - c), (a - b) - c, a / (b * c), a % b FROM t',
  "SELECT a || 'x' || b, (a || b) = 'ab', a != b, a < b, a <= b, a > b, a >= b FROM t",
  'SELECT a IN (1, 2, 3), a NOT IN (\'x\'), a LIKE \'%x\', a NOT ILIKE \'Y%\' FROM t',
  'SELECT x::int, x::BIGINT::VARCHAR, (-x)::DOUBLE, -x::DOUBLE, CAST(x AS TIMESTAMP) FROM t',
  'SELECT CAST(m AS STRUCT<a INT, b VARCHAR>), STRUCT(a AS x, b + 1 AS "Y") AS s FROM t',
  "SELECT CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END, CASE a WHEN 1 THEN TRUE END FROM t",
  'SELECT 1, 1.5, .5, 1e3, 2.5E-3, 500ms, 10s, 5m, 1h, 1d, 2.5s FROM t',
  "SELECT INTERVAL '1' SECOND, INTERVAL '10' SECONDS, INTERVAL '500' MILLISECOND, INTERVAL '2' MINUTES, INTERVAL '1' HOUR, INTERVAL '3' DAYS FROM t",
  "SELECT INTERVAL '10 seconds', INTERVAL '10s', INTERVAL '1' DAY AS second FROM t",
  "SELECT 'it''s', '', NULL, TRUE, FALSE FROM t",
  'SELECT t.metadata.page, metadata.page, "T"."Col" FROM t',
  'SELECT ROW_NUMBER() OVER (PARTITION BY a, b ORDER BY ts ASC, c) AS rn, SUM(v) OVER () FROM t',
  // Window frames (both forms), DESC, and the frame words as plain names.
  'SELECT PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY v), percentile_cont(0.1) within group (order by v + 1 DESC), within FROM t GROUP BY k',
  "SELECT AVG(v) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 4 PRECEDING AND CURRENT ROW), SUM(v) OVER (ORDER BY ts ROWS 2 PRECEDING) FROM t",
  "SELECT COUNT(*) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '30' SECOND PRECEDING AND CURRENT ROW), MIN(v) OVER (ORDER BY ts RANGE 5s PRECEDING) FROM t",
  'SELECT FIRST_VALUE(v) OVER (ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), LAG(v) OVER (PARTITION BY k ORDER BY ts DESC) FROM t',
  'SELECT SUM(v) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING), SUM(v) OVER (ORDER BY ts RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM t',
  'SELECT rows, range, row, current, preceding, following, unbounded FROM t',
  'SELECT now(), coalesce(a, b, 0), abs(-1) FROM t',
  'SELECT "select", "FROM", "value" FROM "order"',
  'SELECT a FROM t WHERE NOT NOT a',
  'SELECT a = (b = c), (a < b) = TRUE FROM t',
  // Other statements
  'EXPLAIN SELECT a FROM t',
  'EXPLAIN agg',
  "SET checkpoint.interval = '10s'",
  "CREATE SOURCE s WITH (scan.order = 'x', \"Key\".on = 1)",
  'SET parallelism = 4',
  'SET mode = fast',
  'SHOW SOURCES',
  'show views',
  'SHOW SINKS',
  'SHOW STATE',
  'DESCRIBE raw',
  'DROP SOURCE raw',
  'DROP VIEW IF EXISTS hot',
  'drop sink "Agg"',
];

function roundTrip(sql: string): void {
  const first = parseStatement(sql);
  const printed = printStatement(first);
  const second = parseStatement(printed);
  assert.deepEqual(stripSpans(second), stripSpans(first), `round trip changed the AST of:\n${sql}\nprinted as:\n${printed}`);
  assert.equal(printStatement(second), printed, 'printing is not a fixed point');
}

describe('round trip parse -> print -> parse', () => {
  for (const sql of STATEMENTS) it(sql, () => roundTrip(sql));

  it('the README pipeline, statement by statement', () => {
    const { statements } = parseScript(PIPELINE);
    assert.equal(statements.length, 3);
    for (const s of statements) roundTrip(s.text);
  });

  it('case, comments and whitespace do not change the AST', () => {
    const a = parseStatement('SELECT a, b FROM t WHERE a > 1 GROUP BY a');
    const b = parseStatement(`select A, /* the second column */ B
      from T -- the table
      where A>1 group   by A;`);
    assert.deepEqual(stripSpans(b), stripSpans(a));
  });

  it('prints canonical SQL', () => {
    assert.equal(
      printStatement(parseStatement("select Sensor, count(*) cnt from RAW r where \"Value\" > 1 and x not in (1,2) group by sensor, tumble(ts, 10S) emit final")),
      'SELECT sensor, count(*) AS cnt FROM raw AS r WHERE "Value" > 1 AND x NOT IN (1, 2) GROUP BY sensor, tumble(ts, 10s) EMIT FINAL',
    );
    assert.equal(printStatement(parseStatement('SELECT (a + b) * c, a + b * c, (a * b) + c FROM t')), 'SELECT (a + b) * c, a + b * c, a * b + c FROM t');
    assert.equal(printStatement(parseStatement('SELECT - -a, -(-a) FROM t')), 'SELECT - -a, - -a FROM t');
  });
});
