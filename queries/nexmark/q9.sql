-- Nexmark q9, winning bids: each auction with its highest bid made while it was open (ties: the
-- earliest). As Flink's q9: ROW_NUMBER over the auction/bid join partitioned by auction, kept
-- where rownum <= 1. Adapted: the column names of the datagen (`date_time`, `item_name`,
-- `initial_bid`), and `a.*` spelled out since both sides have `date_time` and `extra`.
CREATE SOURCE auction WITH (connector = 'datagen', generator = 'auction', count = 600, seed = 7);
CREATE SOURCE bid WITH (connector = 'datagen', generator = 'bid', count = 9200, seed = 7);

CREATE SINK nexmark_q9 WITH (connector = 'file', path = '../../out/nexmark-q9.jsonl') AS
SELECT id, item_name, description, initial_bid, reserve, date_time, expires, seller, category, extra,
       auction, bidder, price, bid_date_time, bid_extra
FROM (
  SELECT a.id, a.item_name, a.description, a.initial_bid, a.reserve, a.date_time, a.expires, a.seller, a.category, a.extra,
         b.auction, b.bidder, b.price, b.date_time AS bid_date_time, b.extra AS bid_extra,
         ROW_NUMBER() OVER (PARTITION BY a.id ORDER BY b.price DESC, b.date_time ASC) AS rownum
  FROM auction AS a
  JOIN bid AS b ON a.id = b.auction AND b.date_time BETWEEN a.date_time AND a.expires
) AS q
WHERE rownum <= 1;
