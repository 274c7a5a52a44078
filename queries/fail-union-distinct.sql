-- fail: UNION without ALL (a union that removes duplicates) is not supported
CREATE SOURCE a (sensor VARCHAR, value DOUBLE, ts TIMESTAMP) WITH (connector = 'file', path = 'sensors.jsonl', format = 'jsonl');
CREATE SOURCE b (sensor VARCHAR, value DOUBLE, ts TIMESTAMP) WITH (connector = 'file', path = 'sensors.jsonl', format = 'jsonl');
SELECT sensor FROM a UNION SELECT sensor FROM b;
