-- Windows over a source without a WATERMARK: no watermark ever closes a window, so each is an
-- updating result (EMIT CHANGES): every new reading sends -U (the old count) and +U (the new).
-- A row that arrives long after its window is still counted there; nothing is late. State
-- holds every window ever seen (EXPLAIN flags it UNBOUNDED).
CREATE SOURCE raw (
  sensor VARCHAR,
  value DOUBLE,
  ts TIMESTAMP
) WITH (connector = 'file', path = 'data/raw-temp-data.jsonl', format = 'jsonl', batch_size = '7');

CREATE SINK per_10s WITH (connector = 'file', path = 'out/no-watermark-10s.jsonl', format = 'jsonl') AS
SELECT sensor, window_start, window_end, COUNT(*) AS n, MAX(value) AS max_v
FROM raw
GROUP BY sensor, TUMBLE(ts, 10s);

CREATE SINK hopping WITH (connector = 'file', path = 'out/no-watermark-hop.jsonl', format = 'jsonl') AS
SELECT window_start, window_end, AVG(value) AS mean_v
FROM HOP(raw, ts, 5s, 10s)
GROUP BY window_start, window_end;
