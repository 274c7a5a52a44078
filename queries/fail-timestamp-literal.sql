-- fail: '2024-05-20 25:00:00' is not a timestamp
CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector = 'file', path = 'data/raw-temp-data.jsonl', format = 'jsonl');

SELECT sensor, value FROM raw WHERE ts >= TIMESTAMP '2024-05-20 25:00:00';
