-- Nexmark q4, average closing price per category: the highest bid on each auction made while
-- it was open (from its start until it expires), then the average of those per category. The
-- join bounds the bid's time by the auction's start and by its `expires` column, which is not
-- an event time, so it is a regular join (rows kept per auction id) with the bounds as its
-- residual. Its output feeds a GROUP BY (an updating MAX per auction), whose changes feed the
-- AVG per category: a changelog whose -U/+U pairs retract the old maximum and add the new one.
-- As Flink's q4. Adapted: the inner query is a view, its join written JOIN ... ON (Flink: a
-- comma join with the condition in WHERE); `date_time` for Flink's `dateTime`.
CREATE SOURCE auction WITH (connector = 'datagen', generator = 'auction', count = 600, seed = 7);
CREATE SOURCE bid WITH (connector = 'datagen', generator = 'bid', count = 9200, seed = 7);

CREATE VIEW winning_bids AS
SELECT a.id, a.category, MAX(b.price) AS final
FROM auction AS a
JOIN bid AS b ON a.id = b.auction AND b.date_time BETWEEN a.date_time AND a.expires
GROUP BY a.id, a.category;

CREATE SINK avg_closing_price WITH (connector = 'file', path = '../../out/nexmark-q4.jsonl') AS
SELECT category, AVG(final) AS avg_price
FROM winning_bids
GROUP BY category;
