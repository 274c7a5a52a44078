-- fail: must be quoted: "客户"
CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector = 'file', path = 'data/raw-temp-data.jsonl', format = 'jsonl');

SELECT sensor AS 客户, value FROM raw;
