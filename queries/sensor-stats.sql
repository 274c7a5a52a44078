-- Per-sensor statistics with the order and sketch aggregates (README, the table of aggregates):
-- each 10-second window's first and last reading by event time, median, approximate 95th
-- percentile, spread and distinct readings; and per sensor, updated as readings arrive, the
-- latest reading in arrival order and the time of its peak.
CREATE SOURCE raw (
  sensor VARCHAR,
  value DOUBLE,
  ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (connector = 'file', path = 'sensors.jsonl', format = 'jsonl');

CREATE SINK per_10s WITH (connector = 'file', path = '../out/sensor-stats.jsonl', format = 'jsonl') AS
SELECT sensor, window_start, window_end,
       FIRST_VALUE(value) AS opening, LAST_VALUE(value) AS closing,
       MEDIAN(value) AS mid, APPROX_QUANTILE(value, 0.95) AS p95, STDDEV_POP(value) AS spread,
       APPROX_COUNT_DISTINCT(value) AS distinct_values, ARRAY_AGG(value) AS readings
FROM raw
GROUP BY sensor, TUMBLE(ts, 10s);

CREATE SINK latest WITH (connector = 'file', path = '../out/sensor-latest.jsonl', format = 'jsonl') AS
SELECT sensor, LATEST_BY_OFFSET(value) AS latest, ARG_MAX(ts, value) AS peak_at, BOOL_OR(value > 40) AS ever_hot
FROM raw
GROUP BY sensor;
