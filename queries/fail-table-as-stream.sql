-- fail: 'sensor_meta' is a table: it is joined with a stream, not read as one
CREATE TABLE sensor_meta (sensor VARCHAR, building VARCHAR, PRIMARY KEY (sensor)) WITH (connector = 'file', path = 'data/sensor-meta.csv', format = 'csv');
CREATE SINK out WITH (connector = 'stdout') AS
SELECT sensor, building FROM sensor_meta;
