-- fail: MODE() is not supported yet
CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector = 'file', path = 'data/raw-temp-data.jsonl', format = 'jsonl');

SELECT sensor, window_start, MODE(value) AS mid FROM raw GROUP BY sensor, TUMBLE(ts, 10s);
