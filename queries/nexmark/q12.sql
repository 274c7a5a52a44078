-- Nexmark q12, bids per bidder in 10-second windows. Flink's q12 windows by processing time
-- (PROCTIME()): its result depends on when each event happens to be processed, so no two runs
-- (and no DuckDB query) can agree on it. Adapted: the same TUMBLE over the bid's event time,
-- which the datagen advances at a fixed event rate, as a processing-time clock would at that
-- rate. Sluice has no processing-time windows.
CREATE SOURCE bid WITH (connector = 'datagen', generator = 'bid', count = 20000, first_event_rate = 500, seed = 7);

CREATE SINK nexmark_q12 WITH (connector = 'file', path = '../../out/nexmark-q12.jsonl') AS
SELECT bidder, COUNT(*) AS bid_count, window_start AS starttime, window_end AS endtime
FROM TUMBLE(bid, date_time, 10s)
GROUP BY bidder, window_start, window_end;
