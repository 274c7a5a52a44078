-- fail: CROSS JOIN (every pair of rows, state without bound) is not supported
CREATE SOURCE orders (order_id VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '10' SECOND) WITH (connector = 'file', path = 'data/orders.jsonl', format = 'jsonl');
CREATE SOURCE payments (order_id VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '30' SECOND) WITH (connector = 'file', path = 'data/payments.jsonl', format = 'jsonl');
CREATE SINK out WITH (connector = 'stdout') AS
SELECT o.order_id, o.ts, p.ts AS paid_at FROM orders o CROSS JOIN payments p;
