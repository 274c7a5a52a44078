-- Nexmark q1, currency conversion: each bid's price from dollars to euros (a projection with
-- arithmetic). Adapted: Sluice has no DECIMAL, so `0.908 * price` is a DOUBLE (Flink's sink
-- declares DECIMAL(23, 3)); `date_time` as in RisingWave.
CREATE SOURCE bid WITH (connector = 'datagen', generator = 'bid', count = 5000, seed = 7);

CREATE SINK nexmark_q1 WITH (connector = 'file', path = '../../out/nexmark-q1.jsonl') AS
SELECT auction, bidder, 0.908 * price AS price, date_time, extra FROM bid;
