-- Nexmark q8: the people who joined and created an auction in the same 10-second window (new
-- sellers). A window join: both sides are windowed aggregates with the same TUMBLE, joined on
-- window_start, window_end and the person's id; a window's pairs come out once the watermarks
-- of both streams have passed its end. person and auction are slices of one deterministic
-- Nexmark stream (same seed and event rate), so sellers refer to people generated before them.
-- As Flink's q8. Adapted: the windows are written in GROUP BY (`TUMBLE(date_time, 10s)`, the same
-- windows as Flink's TABLE(TUMBLE(TABLE person, DESCRIPTOR(dateTime), ...)) grouped by
-- window_start, window_end), and the subqueries keep the names window_start and window_end
-- (Flink renames them starttime and endtime); `date_time` for Flink's `dateTime`.
CREATE SOURCE person WITH (connector = 'datagen', generator = 'person', count = 1000, first_event_rate = 1000, seed = 7);
CREATE SOURCE auction WITH (connector = 'datagen', generator = 'auction', count = 3000, first_event_rate = 1000, seed = 7);

CREATE SINK new_sellers WITH (connector = 'file', path = '../../out/nexmark-q8.jsonl') AS
SELECT p.id, p.name, p.window_start AS starttime
FROM (SELECT id, name, window_start, window_end FROM person GROUP BY id, name, TUMBLE(date_time, 10s)) AS p
JOIN (SELECT seller, window_start, window_end FROM auction GROUP BY seller, TUMBLE(date_time, 10s)) AS a
  ON p.id = a.seller AND p.window_start = a.window_start AND p.window_end = a.window_end;
