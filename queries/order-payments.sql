-- Orders and their payments (an INNER interval join): a payment counts for an order when it
-- has the order's id and arrives between 1 minute before and 5 minutes after the order. Each
-- side's rows wait only while a match can still arrive; a row behind its own feed's watermark
-- is late (the old order below goes to the orders' late file). The join keeps the order's
-- event time, so a window can follow it: paid totals per customer per 10 minutes. A LEFT JOIN
-- finds the orders left unpaid.
CREATE SOURCE orders (
  order_id VARCHAR,
  customer VARCHAR,
  amount DOUBLE,
  ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '10' SECOND
) WITH (connector = 'file', path = 'data/orders.jsonl', format = 'jsonl', late = '../out/orders.late.jsonl');

CREATE SOURCE payments (
  payment_id VARCHAR,
  order_id VARCHAR,
  paid DOUBLE,
  method VARCHAR,
  ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '30' SECOND
) WITH (connector = 'file', path = 'data/payments.jsonl', format = 'jsonl', late = '../out/payments.late.jsonl');

CREATE VIEW paid_orders AS
SELECT o.order_id, o.customer, o.amount, p.paid, p.method, o.ts, p.ts AS paid_at
FROM orders AS o
JOIN payments p
  ON o.order_id = p.order_id
 AND p.ts BETWEEN o.ts - INTERVAL '1' MINUTE AND o.ts + INTERVAL '5' MINUTE
 AND p.paid > 0;

CREATE SINK payments_matched WITH (connector = 'file', path = '../out/payments-matched.jsonl', format = 'jsonl') AS
SELECT * FROM paid_orders;

CREATE SINK paid_per_customer WITH (connector = 'file', path = '../out/paid-per-customer.jsonl', format = 'jsonl') AS
SELECT customer, window_start, COUNT(*) AS payments, SUM(paid) AS paid
FROM paid_orders
GROUP BY customer, TUMBLE(ts, 10m);

-- Orders with no payment in their interval (LEFT JOIN): each comes out once the watermark
-- proves no payment can still arrive for it, with the payment's columns NULL.
CREATE SINK unpaid_orders WITH (connector = 'file', path = '../out/unpaid-orders.jsonl', format = 'jsonl') AS
SELECT o.order_id, o.customer, o.amount, o.ts
FROM orders o
LEFT JOIN payments p
  ON o.order_id = p.order_id
 AND p.ts BETWEEN o.ts - INTERVAL '1' MINUTE AND o.ts + INTERVAL '5' MINUTE
WHERE p.payment_id IS NULL;
