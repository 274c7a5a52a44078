-- Per sensor, in event-time order: the moving average over the last 5 readings (ROWS) and over
-- the last 30 seconds (RANGE), the running maximum since the first reading (SQL's default
-- frame), and the change from the previous reading (LAG) and to the next one (LEAD).
-- Timestamps are epoch milliseconds; each row leaves once the watermark has passed it and its
-- next reading (a sensor's last reading leaves at the end of input, with delta_next NULL).
-- The averages are not ROUNDed: a sum kept as the frame slides may differ from DuckDB's in the
-- last bits, which compare allows but a ROUND at a .0005 boundary would turn into 0.001.
CREATE SOURCE readings (
  sensor_id VARCHAR,
  temperature DOUBLE,
  "timestamp" TIMESTAMP,
  WATERMARK FOR "timestamp" AS "timestamp" - INTERVAL '2' SECOND
) WITH (connector = 'file', path = 'data/sensor-readings.jsonl', format = 'jsonl', late = '../out/sensor-moving-average-late.jsonl');

CREATE SINK sensor_moving_average WITH (connector = 'file', path = '../out/sensor-moving-average.jsonl') AS
SELECT sensor_id, "timestamp", temperature,
       avg5 AS avg_last_5,
       avg30s AS avg_last_30s,
       readings_30s,
       max_so_far,
       first_reading,
       ROUND(temperature - prev, 2) AS delta_prev,
       ROUND(next - temperature, 2) AS delta_next
FROM (
  SELECT sensor_id, "timestamp", temperature,
         AVG(temperature) OVER (PARTITION BY sensor_id ORDER BY "timestamp" ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) AS avg5,
         AVG(temperature) OVER (PARTITION BY sensor_id ORDER BY "timestamp" RANGE BETWEEN INTERVAL '30' SECOND PRECEDING AND CURRENT ROW) AS avg30s,
         COUNT(*) OVER (PARTITION BY sensor_id ORDER BY "timestamp" RANGE BETWEEN INTERVAL '30' SECOND PRECEDING AND CURRENT ROW) AS readings_30s,
         MAX(temperature) OVER (PARTITION BY sensor_id ORDER BY "timestamp") AS max_so_far,
         FIRST_VALUE(temperature) OVER (PARTITION BY sensor_id ORDER BY "timestamp") AS first_reading,
         LAG(temperature) OVER (PARTITION BY sensor_id ORDER BY "timestamp") AS prev,
         LEAD(temperature) OVER (PARTITION BY sensor_id ORDER BY "timestamp") AS next
  FROM readings
);
