-- Cascading rollups: 10-second windows per sensor, then 1-minute windows over them through
-- window_time (README, window_time), and a running total within each minute in 10-second steps
-- (CUMULATE) with minutes that start 5 s past the epoch-aligned ones (a window offset).
CREATE SOURCE raw (
  sensor VARCHAR,
  value DOUBLE,
  ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (connector = 'file', path = 'sensors.jsonl', format = 'jsonl');

CREATE VIEW per_10s AS
SELECT sensor, window_start, window_end, window_time,
       COUNT(*) AS n, SUM(value) AS total, MIN(value) AS low, MAX(value) AS peak
FROM raw
GROUP BY sensor, TUMBLE(ts, 10s);

CREATE SINK per_minute WITH (connector = 'file', path = '../out/per-minute.jsonl', format = 'jsonl') AS
SELECT sensor, window_start, window_end,
       SUM(n) AS n, SUM(total) / SUM(n) AS mean, MIN(low) AS low, MAX(peak) AS peak, COUNT(*) AS windows
FROM per_10s
GROUP BY sensor, TUMBLE(window_time, 1m);

CREATE SINK running WITH (connector = 'file', path = '../out/running.jsonl', format = 'jsonl') AS
SELECT sensor, window_start, window_end, COUNT(*) AS n, MAX(value) AS peak
FROM raw
GROUP BY sensor, CUMULATE(ts, 10s, 1m, 5s);
