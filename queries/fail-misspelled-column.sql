-- fail: did you mean 'value'?
CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector = 'file', path = 'data/raw-temp-data.jsonl', format = 'jsonl');

SELECT sensor, AVG(vlaue) FROM raw GROUP BY sensor, TUMBLE(ts, 10s);
