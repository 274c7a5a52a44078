-- Use case 1 (Quix Streams): downsample temperature readings into 10-second windows per
-- sensor: count, min, max and mean, event time from the payload, 1 s grace for late readings,
-- only closed windows emitted. Output shaped like the tutorial's agg-temperature topic.
CREATE SOURCE raw_temp (
  sensor VARCHAR,
  value DOUBLE,
  ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (
  connector = 'file', path = 'data/raw-temp-data.jsonl', format = 'jsonl',
  dead_letter = '../out/raw-temp-data.dlq.jsonl', late = '../out/raw-temp-data.late.jsonl'
);

CREATE SINK agg_temperature WITH (connector = 'file', path = '../out/agg-temperature.jsonl', format = 'jsonl') AS
SELECT sensor,
       window_end AS time,
       STRUCT(COUNT(*) AS count, MIN(value) AS min, MAX(value) AS max, AVG(value) AS mean) AS temperature
FROM raw_temp
GROUP BY sensor, TUMBLE(ts, 10s);
