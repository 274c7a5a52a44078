-- fail: this JOIN has no equality key between its two sides
CREATE SOURCE orders (order_id VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '10' SECOND) WITH (connector = 'file', path = 'data/orders.jsonl', format = 'jsonl');
CREATE SOURCE payments (order_id VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '30' SECOND) WITH (connector = 'file', path = 'data/payments.jsonl', format = 'jsonl');
CREATE SINK out WITH (connector = 'stdout') AS
SELECT o.order_id, o.ts FROM orders o JOIN payments p ON o.order_id <> p.order_id AND p.ts >= o.ts;
