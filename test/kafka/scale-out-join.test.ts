// Scale-out of an interval join on the real broker: orders and payments, two 4-partition topics
// keyed by the order id (kafkajs's default partitioner hashes the key, so one id sits in
// partitions of the same number in both), joined on that id. Two processes with --scale-out
// share the partitions; the committed output equals a single-process run of the same job, and
// that run equals DuckDB under `sluice compare`. A join on another column is refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { broker, createTopic, produceMessages, readCommitted, unique, type TestMessage } from './broker.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/sluice.js');
const PARTITIONS = 4;
const ORDERS = 6000;

function job(orders: string, payments: string, out: string, group: string, on = 'o.id = p.id', extra = ''): string {
  const src = (name: string, topic: string, col: string) =>
    `CREATE SOURCE ${name} (id VARCHAR KEY, ${col} INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = '${topic}', group = '${group}', bounded = 'latest', session_timeout = '6s', fetch_max_bytes = '16384'${extra});\n`;
  return `${src('orders', orders, 'amount')}${src('payments', payments, 'paid')}CREATE SINK paid WITH (connector = 'kafka', topic = '${out}', key = 'id', partitions = '2') AS
  SELECT o.id, o.amount, p.paid, o.ts, p.ts AS paid_at
  FROM orders AS o JOIN payments p
    ON ${on} AND p.ts BETWEEN o.ts - INTERVAL '1' MINUTE AND o.ts + INTERVAL '1' MINUTE;
`;
}

/** Orders every 20 ms; most get one or two payments 90 s before to 90 s after (some out of the bound); each topic in event-time order, so no row is late. */
function input(): { orders: TestMessage[]; payments: TestMessage[] } {
  const base = Date.UTC(2024, 4, 20, 10, 0, 0);
  const orders: TestMessage[] = [];
  const payments: Array<{ ms: number; m: TestMessage }> = [];
  for (let i = 0; i < ORDERS; i++) {
    const id = `o${i}`;
    const ms = base + i * 20;
    orders.push({ key: id, value: JSON.stringify({ amount: i % 97, ts: new Date(ms).toISOString() }) });
    for (let j = 0; j < (i % 5 === 0 ? 0 : i % 7 === 0 ? 2 : 1); j++) {
      const pms = ms + ((((i * 37 + j * 11) % 181) - 90) * 1000);
      payments.push({ ms: pms, m: { key: id, value: JSON.stringify({ paid: (i + j) % 50, ts: new Date(pms).toISOString() }) } });
    }
  }
  payments.sort((a, b) => a.ms - b.ms);
  return { orders, payments: payments.map((p) => p.m) };
}

function start(dir: string, file: string, args: string[]) {
  const child = spawn(process.execPath, [BIN, 'run', file, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { exit, stderr: () => stderr };
}

test('scale-out: an interval join of two co-partitioned topics keyed by the join key, in two processes, equals the single-process run and DuckDB', { timeout: 300_000 }, async () => {
  const brokers = await broker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-scale-join-'));
  const orders = unique('sj-orders');
  const payments = unique('sj-payments');
  const refOut = unique('sj-ref');
  const out = unique('sj-out');
  const group = unique('g-sj');
  await createTopic(orders, PARTITIONS);
  await createTopic(payments, PARTITIONS);
  const data = input();
  await produceMessages(orders, data.orders);
  await produceMessages(payments, data.payments);
  writeFileSync(path.join(dir, 'ref.sql'), job(orders, payments, refOut, unique('g-sj-ref')));
  writeFileSync(path.join(dir, 'scale.sql'), job(orders, payments, out, group, 'o.id = p.id', ", rate = '1500'"));
  const env = { ...process.env, SLUICE_BROKERS: brokers };

  const compared = await run(process.execPath, [BIN, 'compare', 'ref.sql'], { cwd: dir, env });
  assert.match(compared.stdout, /paid: equal \(\d+ rows\)/, compared.stdout);

  const ref = start(dir, 'ref.sql', []);
  assert.deepEqual(await ref.exit, { code: 0, signal: null }, ref.stderr());

  const explain = spawnSync(process.execPath, [BIN, 'explain', 'scale.sql', '--scale-out'], { cwd: dir, encoding: 'utf8', env });
  assert.equal(explain.status, 0, explain.stderr);
  assert.match(explain.stdout, /^Scaled out: one task per input partition/);
  assert.match(explain.stdout, /IntervalJoin #\d+ INNER keys=\[left id = right id\]/);

  const args = ['--scale-out', '--checkpoint-interval', '200ms'];
  const a = start(dir, 'scale.sql', args);
  const b = start(dir, 'scale.sql', args);
  const [ea, eb] = await Promise.all([a.exit, b.exit]);
  assert.deepEqual(ea, { code: 0, signal: null }, a.stderr());
  assert.deepEqual(eb, { code: 0, signal: null }, b.stderr());
  // Between them, the two processes ran every partition (each log names the ones it ran).
  const ran = new Set([...`${a.stderr()}\n${b.stderr()}`.matchAll(/partition (\d): read to its end/g)].map((m) => Number(m[1])));
  assert.deepEqual([...ran].sort(), [0, 1, 2, 3], `${a.stderr()}\n${b.stderr()}`);

  const want = await readCommitted(refOut);
  const got = await readCommitted(out);
  assert.ok(want.length > ORDERS / 2, `the reference run wrote ${want.length} rows`);
  assert.equal(got.length, want.length, `scaled out ${got.length} rows, one process ${want.length}`);
  assert.deepEqual(got, want);
});

test('scale-out: a join that is not on both topics\' message keys is refused with the reason, before it starts', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-scale-join-'));
  writeFileSync(path.join(dir, 'amount.sql'), job('no-such-a', 'no-such-b', 'out', 'g', 'o.amount = p.paid'));
  const r = spawnSync(process.execPath, [BIN, 'run', 'amount.sql', '--scale-out'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /a scaled-out job runs a JOIN only when both sides are Kafka topics keyed by the join key, and operator \d+'s it does not join orders\.id = payments\.id \(KEY column 1 of each side\) unchanged/);
  assert.match(r.stderr, /declare the join key as the KEY column of both sources/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
