-- fail: APPROX_COUNT_DISTINCT cannot take back a retracted row
CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector = 'file', path = 'sensors.jsonl', format = 'jsonl');

CREATE VIEW counts AS SELECT sensor, COUNT(*) AS n FROM raw GROUP BY sensor;

SELECT APPROX_COUNT_DISTINCT(n) AS sizes FROM counts;
