-- Enrichment with reference data: each temperature reading joined with its sensor's metadata
-- (a CSV file read whole before the stream is joined: a lookup join), and with the alert limit
-- that was valid at the reading's event time (a JSON-lines history of limits: a temporal join).
-- Late readings go to the late file; readings of sensors without metadata are dropped by the
-- INNER join, kept with NULLs by the LEFT join.
CREATE SOURCE readings (
  sensor VARCHAR,
  value DOUBLE,
  ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (
  connector = 'file', path = 'data/raw-temp-data.jsonl', format = 'jsonl',
  late = '../out/enrichment-readings.late.jsonl'
);

CREATE TABLE sensor_meta (
  sensor VARCHAR,
  building VARCHAR,
  floor INT,
  max_temp DOUBLE,
  PRIMARY KEY (sensor)
) WITH (connector = 'file', path = 'data/sensor-meta.csv', format = 'csv');

CREATE TABLE sensor_limits (
  sensor VARCHAR,
  limit_c DOUBLE,
  valid_from TIMESTAMP,
  PRIMARY KEY (sensor),
  WATERMARK FOR valid_from AS valid_from
) WITH (connector = 'file', path = 'data/sensor-limits.jsonl', format = 'jsonl');

-- Every reading with where its sensor is (NULLs for a sensor the CSV does not list).
CREATE SINK enriched WITH (connector = 'file', path = '../out/enriched-readings.jsonl', format = 'jsonl') AS
SELECT r.sensor, r.ts, r.value, m.building, m.floor, r.value > m.max_temp AS over_max
FROM readings AS r LEFT JOIN sensor_meta AS m ON r.sensor = m.sensor;

-- Readings above the limit valid at their event time, with their building.
CREATE SINK alerts WITH (connector = 'file', path = '../out/limit-alerts.jsonl', format = 'jsonl') AS
SELECT a.sensor, a.ts, a.value, a.limit_c, m.building
FROM (SELECT r.sensor, r.ts, r.value, l.limit_c
      FROM readings AS r JOIN sensor_limits FOR SYSTEM_TIME AS OF r.ts AS l ON r.sensor = l.sensor
      WHERE r.value > l.limit_c) AS a
JOIN sensor_meta AS m ON a.sensor = m.sensor;

-- Readings per building and minute: a window after the join, on the reading's event time.
CREATE SINK per_building WITH (connector = 'file', path = '../out/readings-per-building.jsonl', format = 'jsonl') AS
SELECT building, window_start, COUNT(*) AS readings, MAX(value) AS max_value
FROM (SELECT r.ts, r.value, m.building FROM readings AS r JOIN sensor_meta AS m ON r.sensor = m.sensor)
GROUP BY building, TUMBLE(ts, 1m);
