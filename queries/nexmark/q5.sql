-- Nexmark q5, hot items: the auctions with the most bids in each 10-second window sliding
-- every 2 seconds. As Flink's q5: the bids per auction and window, joined with the maximum of
-- those counts per window, keeping the auctions whose count reaches it. Adapted: the window
-- table function is Sluice's `HOP(bid, date_time, 2s, 10s)` (Flink: `TABLE(HOP(TABLE bid,
-- DESCRIPTOR(dateTime), ...))`), and the join equates window_start and window_end of the two
-- windowed aggregates with the `>=` as its residual; the views keep the names window_start
-- and window_end (Flink renames them starttime and endtime). The maximum per window is an
-- updating GROUP BY window_start, window_end, not a window aggregate, so the join is a regular
-- join whose state is kept per window for as long as the job runs (EXPLAIN: UNBOUNDED).
CREATE SOURCE bid WITH (connector = 'datagen', generator = 'bid', count = 20000, first_event_rate = 500, seed = 7);

CREATE VIEW auction_bids AS
SELECT auction, COUNT(*) AS num, window_start, window_end
FROM HOP(bid, date_time, 2s, 10s)
GROUP BY auction, window_start, window_end;

CREATE VIEW max_bids AS
SELECT MAX(num) AS maxn, window_start, window_end
FROM auction_bids
GROUP BY window_start, window_end;

CREATE SINK nexmark_q5 WITH (connector = 'file', path = '../../out/nexmark-q5.jsonl') AS
SELECT a.auction, a.num
FROM auction_bids AS a
JOIN max_bids AS m
  ON a.window_start = m.window_start AND a.window_end = m.window_end AND a.num >= m.maxn;
