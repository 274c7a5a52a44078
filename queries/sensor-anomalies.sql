-- Use case 3 (confluent-kafka + pandas): per sensor, 1-minute statistics in event time, and an
-- alert for every reading that moved more than 5 °C from the sensor's previous reading.
-- Timestamps are epoch milliseconds.
CREATE SOURCE readings (
  sensor_id VARCHAR,
  temperature DOUBLE,
  "timestamp" TIMESTAMP,
  WATERMARK FOR "timestamp" AS "timestamp" - INTERVAL '2' SECOND
) WITH (connector = 'file', path = 'data/sensor-readings.jsonl', format = 'jsonl');

CREATE SINK sensor_stats WITH (connector = 'file', path = '../out/sensor-readings-aggregated.jsonl') AS
SELECT sensor_id, window_start, window_end,
       AVG(temperature) AS avg_temp, MAX(temperature) AS max_temp,
       MIN(temperature) AS min_temp, COUNT(*) AS readings
FROM readings
GROUP BY sensor_id, TUMBLE("timestamp", 1m);

CREATE SINK sensor_alerts WITH (connector = 'file', path = '../out/sensor-alerts.jsonl') AS
SELECT sensor_id,
       temperature AS current_temperature,
       prev AS previous_temperature,
       ROUND(temperature - prev, 2) AS delta,
       5.0 AS threshold,
       "timestamp"
FROM (
  SELECT sensor_id, temperature, "timestamp",
         LAG(temperature) OVER (PARTITION BY sensor_id ORDER BY "timestamp") AS prev
  FROM readings
)
WHERE ABS(temperature - prev) > 5;
