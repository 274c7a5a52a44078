-- fail: checkpoint_interval 'banana' is not a positive duration
SET checkpoint_interval = 'banana';

CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector = 'file', path = 'data/raw-temp-data.jsonl', format = 'jsonl');

SELECT sensor, value FROM raw;
