-- Nexmark q11, user sessions: the number of bids of each bidder per session (a gap of 10 s
-- without a bid ends one). As Flink's q11. Adapted: Sluice writes the session window in GROUP
-- BY as `SESSION(date_time, 10s)` and names its bounds window_start and window_end (Flink's
-- legacy SESSION_START/SESSION_END).
CREATE SOURCE bid WITH (connector = 'datagen', generator = 'bid', count = 20000, first_event_rate = 500, seed = 7);

CREATE SINK nexmark_q11 WITH (connector = 'file', path = '../../out/nexmark-q11.jsonl') AS
SELECT bidder, COUNT(*) AS bid_count, window_start AS starttime, window_end AS endtime
FROM bid
GROUP BY bidder, SESSION(date_time, 10s);
