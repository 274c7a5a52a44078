-- Nexmark q0, pass through: every bid as it is, to measure the engine's cost of reading and
-- writing an event with no query work. As Flink's nexmark q0 and RisingWave's. Adapted: the
-- column is `date_time` (the datagen's name, as RisingWave's), not Flink's `dateTime`.
CREATE SOURCE bid WITH (connector = 'datagen', generator = 'bid', count = 5000, seed = 7);

CREATE SINK nexmark_q0 WITH (connector = 'file', path = '../../out/nexmark-q0.jsonl') AS
SELECT auction, bidder, price, date_time, extra FROM bid;
