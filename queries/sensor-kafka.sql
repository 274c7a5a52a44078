-- Readings from a Kafka topic keyed by sensor: each partition keeps its own watermark and the
-- source's is the minimum over the partitions that are not idle (idle after 5 s of silence).
-- Per sensor, 10-second counts and means; late readings go to their own topic.
CREATE SOURCE readings (
  sensor VARCHAR KEY,
  value DOUBLE,
  ts TIMESTAMP,
  _partition INT,
  WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (connector = 'kafka', topic = 'readings', format = 'json', idle_timeout = '5s', dead_letter = 'readings.dlq', late = 'readings.late');

CREATE SINK sensor_10s WITH (connector = 'kafka', topic = 'sensor-10s', format = 'json') AS
SELECT sensor, window_start, window_end, COUNT(*) AS cnt, AVG(value) AS mean_v
FROM readings
GROUP BY sensor, TUMBLE(ts, 10s);

CREATE SINK hot WITH (connector = 'kafka', topic = 'hot', format = 'json') AS
SELECT sensor, value, ts, _partition AS p FROM readings WHERE value > 50;
