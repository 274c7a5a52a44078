-- Rollups in one pass (GROUPING SETS): per 10-second window, the readings per sensor, per site
-- and in total, from one aggregate that updates each set's group per reading. A key a set
-- lacks is NULL in its rows; GROUPING(...) tells that rolled-up NULL from a NULL value (Sensor5
-- has no site, one reading has no sensor). The second sink is the same by ROLLUP over HOP
-- windows (site, then sensor within site, then total). Late readings go to the late file.
CREATE SOURCE readings (
  sensor VARCHAR,
  site VARCHAR,
  value DOUBLE,
  ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (
  connector = 'file', path = 'data/sensor-sites.jsonl', format = 'jsonl',
  late = '../out/rollup-sets.late.jsonl'
);

CREATE SINK per_window WITH (connector = 'file', path = '../out/rollup-sets.jsonl', format = 'jsonl') AS
SELECT window_start, window_end, sensor, site,
       CASE GROUPING(sensor, site) WHEN 0 THEN 'sensor' WHEN 2 THEN 'site' ELSE 'total' END AS level,
       COUNT(*) AS n, AVG(value) AS mean, MAX(value) AS peak
FROM readings
GROUP BY TUMBLE(ts, 10s), GROUPING SETS ((sensor, site), (site), ());

CREATE SINK site_rollup WITH (connector = 'file', path = '../out/rollup-sets-hop.jsonl', format = 'jsonl') AS
SELECT window_start, site, sensor, GROUPING(site) AS site_rolled_up, GROUPING(sensor) AS sensor_rolled_up,
       COUNT(*) AS n, SUM(value) AS total
FROM readings
GROUP BY HOP(ts, 10s, 20s), ROLLUP(site, sensor);
