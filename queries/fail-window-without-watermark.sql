-- fail: EMIT FINAL needs a watermark
-- A source without a WATERMARK has no event time: a window over it never closes, so it is an
-- updating result (EMIT CHANGES, the default there); asking for EMIT FINAL is refused.
CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP)
WITH (connector = 'file', path = 'data/raw-temp-data.jsonl', format = 'jsonl');

SELECT sensor, COUNT(*) FROM raw GROUP BY sensor, TUMBLE(ts, 10s) EMIT FINAL;
