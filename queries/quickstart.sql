CREATE SOURCE raw (
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
GROUP BY sensor, TUMBLE(ts, 10s);
