-- fail: each query of a UNION must select as many columns
CREATE SOURCE a (sensor VARCHAR, value DOUBLE, ts TIMESTAMP) WITH (connector = 'file', path = 'sensors.jsonl', format = 'jsonl');
CREATE SOURCE b (sensor VARCHAR, value DOUBLE, ts TIMESTAMP) WITH (connector = 'file', path = 'sensors.jsonl', format = 'jsonl');
SELECT sensor FROM a UNION SELECT sensor, value FROM b;
