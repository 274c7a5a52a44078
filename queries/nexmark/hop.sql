-- Nexmark: bids per auction in 10-second windows sliding every 2 seconds (the hot-items
-- query's first step), and the price range per bidder, over a deterministic bid stream.
CREATE SOURCE bid WITH (connector = 'datagen', generator = 'bid', count = 20000, seed = 7);

CREATE SINK bids_per_auction WITH (connector = 'file', path = '../../out/bids-per-auction.jsonl') AS
SELECT auction, window_start, window_end, COUNT(*) AS bids, MAX(price) AS top_price
FROM bid
GROUP BY auction, HOP(date_time, 2s, 10s);

CREATE SINK bidder_prices WITH (connector = 'file', path = '../../out/bidder-prices.jsonl') AS
SELECT bidder, window_start, SUM(price) AS spent, STDDEV(price) AS price_stddev
FROM TUMBLE(bid, date_time, 10s)
WHERE channel <> 'Baidu'
GROUP BY bidder, window_start;
