-- Use case 1 (Quix Streams) on Kafka: the sensor downsampling job of queries/, reading the
-- tutorial's topic raw-temp-data (key = sensor id, value {"ts": ..., "value": ...}) and writing
-- agg-temperature, keyed by sensor, value {"sensor", "time", "temperature": {count, min, max,
-- mean}}. Closed windows only, 1 s grace; when the producer stops, the partitions go idle after
-- 5 s and the watermark follows the clock, so the last windows close too. Feed it with
--   npx sluice produce raw-temp-data --generator sensors --rate 4
-- Brokers: $SLUICE_BROKERS or 127.0.0.1:9092 (npm run kafka:up); Redpanda in Docker:
-- SLUICE_BROKERS=localhost:19092.
CREATE SOURCE raw_temp (
  sensor VARCHAR KEY,
  value DOUBLE,
  ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (
  connector = 'kafka', topic = 'raw-temp-data', format = 'json', startup = 'earliest',
  idle_timeout = '5s',
  dead_letter = 'raw-temp-data.dlq', late = 'raw-temp-data.late'
);

CREATE SINK agg_temperature WITH (connector = 'kafka', topic = 'agg-temperature', format = 'json') AS
SELECT sensor,
       window_end AS time,
       STRUCT(COUNT(*) AS count, MIN(value) AS min, MAX(value) AS max, AVG(value) AS mean) AS temperature
FROM raw_temp
GROUP BY sensor, TUMBLE(ts, 10s);
