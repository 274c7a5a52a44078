-- Use case 2 (Faust): user engagement events with nested metadata and space-separated
-- timestamps. Events per user in 10-second tumbling windows, and per-user sessions that end
-- after 30 s of inactivity. Invalid events go to a dead-letter file.
CREATE SOURCE events (
  event_type VARCHAR,
  user_id VARCHAR,
  action VARCHAR,
  "timestamp" TIMESTAMP,
  metadata STRUCT<session_id VARCHAR, page VARCHAR, item_id VARCHAR, user_agent VARCHAR>,
  WATERMARK FOR "timestamp" AS "timestamp" - INTERVAL '2' SECOND
) WITH (
  connector = 'file', path = 'data/engagement-events.jsonl', format = 'jsonl',
  dead_letter = '../out/engagement-events.dlq.jsonl'
);

CREATE VIEW page_views AS
SELECT user_id, metadata.page AS page, "timestamp" FROM events WHERE event_type = 'page_view';

CREATE SINK user_stats WITH (connector = 'file', path = '../out/user-stats.jsonl') AS
SELECT window_end AS "timestamp", user_id, COUNT(*) AS count
FROM events
GROUP BY user_id, TUMBLE("timestamp", 10s);

CREATE SINK user_sessions WITH (connector = 'file', path = '../out/user-sessions.jsonl') AS
SELECT user_id, window_start AS session_start, window_end AS session_end,
       COUNT(*) AS views, COUNT(DISTINCT page) AS pages
FROM page_views
GROUP BY user_id, SESSION("timestamp", 30s);
