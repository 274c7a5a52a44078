-- Nexmark q6, average selling price by seller: the average of each seller's last 10 winning
-- bids. As Flink's q6 (which Flink itself cannot run: its OVER window does not take
-- retractions): the winning bid of each auction by ROW_NUMBER over the auction/bid join, then a
-- ROWS frame of the 10 preceding rows per seller. Adapted: `date_time` as in RisingWave.
CREATE SOURCE auction WITH (connector = 'datagen', generator = 'auction', count = 600, seed = 7);
CREATE SOURCE bid WITH (connector = 'datagen', generator = 'bid', count = 9200, seed = 7);

CREATE SINK nexmark_q6 WITH (connector = 'file', path = '../../out/nexmark-q6.jsonl') AS
SELECT seller, AVG(price) OVER (PARTITION BY seller ORDER BY date_time ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) AS avg_price
FROM (
  SELECT id, seller, price, date_time, ROW_NUMBER() OVER (PARTITION BY id, seller ORDER BY price DESC) AS rownum
  FROM (
    SELECT a.id, a.seller, b.price, b.date_time
    FROM auction AS a
    JOIN bid AS b ON a.id = b.auction AND b.date_time BETWEEN a.date_time AND a.expires
  ) AS j
) AS q
WHERE rownum <= 1;
