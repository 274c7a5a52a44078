-- Nexmark q3, local item suggestion: every auction in category 10 with its seller, for sellers
-- in Oregon, Idaho or California. A regular join (no time bound): each side's rows are kept per
-- seller id for as long as the job runs (EXPLAIN warns), and a pair is emitted as soon as its
-- second row arrives, whichever side that is. Person and auction are slices of one generated
-- Nexmark stream (same seed), so sellers refer to people of the person stream. As Flink's q3,
-- not adapted.
CREATE SOURCE person WITH (connector = 'datagen', generator = 'person', count = 200, seed = 7);
CREATE SOURCE auction WITH (connector = 'datagen', generator = 'auction', count = 600, seed = 7);

CREATE SINK local_items WITH (connector = 'file', path = '../../out/nexmark-q3.jsonl') AS
SELECT p.name, p.city, p.state, a.id
FROM auction AS a
JOIN person AS p ON a.seller = p.id
WHERE a.category = 10 AND (p.state = 'OR' OR p.state = 'ID' OR p.state = 'CA');
