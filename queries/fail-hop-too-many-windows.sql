-- fail: puts every row into 86,400,000 windows; the limit is 10,000
CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector = 'file', path = 'data/raw-temp-data.jsonl', format = 'jsonl');

SELECT sensor, window_start, COUNT(*) AS n FROM raw GROUP BY sensor, HOP(ts, 1ms, 1d);
