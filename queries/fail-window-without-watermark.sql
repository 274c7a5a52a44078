-- fail: has no watermark
CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP)
WITH (connector = 'file', path = 'data/raw-temp-data.jsonl', format = 'jsonl');

SELECT sensor, COUNT(*) FROM raw GROUP BY sensor, TUMBLE(ts, 10s);
