-- Top-N per window: the 3 sensors with the highest reading in each 10-second window, emitted
-- once when the window closes (final, append-only), with their rank. A view aggregates per
-- sensor and window; ROW_NUMBER ranks the sensors of each window by their peak, ties broken by
-- the remaining columns (README, Top-N). A second sink deduplicates: each sensor's first reading.
CREATE SOURCE raw (
  sensor VARCHAR,
  value DOUBLE,
  ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (connector = 'file', path = 'sensors.jsonl', format = 'jsonl');

CREATE VIEW peaks AS
SELECT sensor, window_start, window_end, MAX(value) AS peak
FROM raw
GROUP BY sensor, TUMBLE(ts, 10s);

CREATE SINK top_sensors WITH (connector = 'file', path = '../out/top-sensors.jsonl', format = 'jsonl') AS
SELECT window_start, window_end, sensor, peak, rn
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY peak DESC) AS rn
  FROM peaks
)
WHERE rn <= 3;

CREATE SINK first_readings WITH (connector = 'file', path = '../out/first-readings.jsonl', format = 'jsonl') AS
SELECT sensor, value, ts
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY sensor ORDER BY ts) AS rn
  FROM raw
)
WHERE rn = 1;
