-- Nexmark q7, highest bid: the bids that carry the highest price of a 10-second window. As
-- Flink's q7: the maximum price per TUMBLE window, joined back with the bids from window_end
-- minus 10 s to window_end (both ends included, as Flink's BETWEEN). Adapted: an interval join
-- bounds one event-time column by the other, and a window's event time is `window_time`
-- (window_end minus 1 ms), so Flink's `B1.dateTime` (window_end) is written
-- `m.window_time + INTERVAL '1' MILLISECOND`; the bound is on the right side's column, so the
-- maxima are the left side and the bids the right; `date_time` as in RisingWave.
CREATE SOURCE bid WITH (connector = 'datagen', generator = 'bid', count = 20000, first_event_rate = 500, seed = 7);

CREATE VIEW max_prices AS
SELECT MAX(price) AS maxprice, window_time
FROM bid
GROUP BY TUMBLE(date_time, 10s);

CREATE SINK nexmark_q7 WITH (connector = 'file', path = '../../out/nexmark-q7.jsonl') AS
SELECT b.auction, b.price, b.bidder, b.date_time, b.extra
FROM max_prices AS m
JOIN bid AS b
  ON b.price = m.maxprice
 AND b.date_time BETWEEN m.window_time + INTERVAL '1' MILLISECOND - INTERVAL '10' SECOND AND m.window_time + INTERVAL '1' MILLISECOND;
