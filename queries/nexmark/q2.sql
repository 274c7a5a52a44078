-- Nexmark q2, selection: the bids on every 123rd auction (Flink's form of q2; the original
-- lists five auction ids, which match only a few hundred bids of any stream). Not adapted
-- beyond the column name `date_time`.
CREATE SOURCE bid WITH (connector = 'datagen', generator = 'bid', count = 20000, seed = 7);

CREATE SINK nexmark_q2 WITH (connector = 'file', path = '../../out/nexmark-q2.jsonl') AS
SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;
