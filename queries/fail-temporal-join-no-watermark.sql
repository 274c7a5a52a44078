-- fail: table 'sensor_meta' has no event-time column, so it has no versions in time to join AS OF
CREATE SOURCE readings (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'data/raw-temp-data.jsonl', format = 'jsonl');
CREATE TABLE sensor_meta (sensor VARCHAR, building VARCHAR, PRIMARY KEY (sensor)) WITH (connector = 'file', path = 'data/sensor-meta.csv', format = 'csv');
CREATE SINK out WITH (connector = 'stdout') AS
SELECT r.sensor, m.building FROM readings r JOIN sensor_meta FOR SYSTEM_TIME AS OF r.ts AS m ON r.sensor = m.sensor;
