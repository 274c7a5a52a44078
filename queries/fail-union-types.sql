-- fail: column 2 of the UNION ALL ('value') is DOUBLE before the second query, which makes it VARCHAR
CREATE SOURCE a (sensor VARCHAR, value DOUBLE, ts TIMESTAMP) WITH (connector = 'file', path = 'sensors.jsonl', format = 'jsonl');
CREATE SOURCE b (sensor VARCHAR, reading VARCHAR, ts TIMESTAMP) WITH (connector = 'file', path = 'sensors.jsonl', format = 'jsonl');
SELECT sensor, value FROM a
UNION ALL
SELECT sensor, reading FROM b;
