-- fail: duration 99999999999999999999d is out of range
CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector = 'file', path = 'data/raw-temp-data.jsonl', format = 'jsonl');

SELECT sensor, COUNT(*) AS n FROM raw GROUP BY sensor, TUMBLE(ts, 99999999999999999999d);
