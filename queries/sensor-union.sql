-- Two sensor feeds as one stream (UNION ALL): the plant's readings (whole degrees, INT) and the
-- lab's (DOUBLE, other field names, epoch-millisecond times). Columns match by position and
-- widen to DOUBLE; the union keeps the event time, its watermark the slower feed's. Late rows
-- go to their own feed's late file. A second sink unions two updating results (a changelog).
CREATE SOURCE plant (
  sensor VARCHAR,
  value INT,
  ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (
  connector = 'file', path = 'data/raw-temp-data.jsonl', format = 'jsonl',
  dead_letter = '../out/union-plant.dlq.jsonl', late = '../out/union-plant.late.jsonl'
);

CREATE SOURCE lab (
  sensor_id VARCHAR,
  temperature DOUBLE,
  "timestamp" TIMESTAMP,
  WATERMARK FOR "timestamp" AS "timestamp" - INTERVAL '2' SECOND
) WITH (connector = 'file', path = 'data/lab-temp-data.jsonl', format = 'jsonl', late = '../out/union-lab.late.jsonl');

CREATE VIEW readings AS
SELECT sensor, value, ts FROM plant
UNION ALL
SELECT sensor_id, temperature, "timestamp" FROM lab;

CREATE SINK per_sensor WITH (connector = 'file', path = '../out/union-per-sensor.jsonl', format = 'jsonl') AS
SELECT sensor, window_start, COUNT(*) AS n, MIN(value) AS min_v, MAX(value) AS max_v, AVG(value) AS mean_v
FROM readings
GROUP BY sensor, TUMBLE(ts, 10s);

CREATE SINK counts WITH (connector = 'file', path = '../out/union-counts.jsonl', format = 'jsonl') AS
SELECT 'plant' AS feed, sensor, COUNT(*) AS n FROM plant GROUP BY sensor
UNION ALL
SELECT 'lab', sensor_id, COUNT(*) FROM lab GROUP BY sensor_id;
