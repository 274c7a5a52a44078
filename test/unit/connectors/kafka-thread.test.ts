// The Kafka writers' send order and backpressure (SendChain), and what crosses the Kafka thread:
// errors keep what callers test (kafkajs's type, retriable), and a producer that cannot reach
// a broker fails its call instead of hanging, without keeping the process alive afterwards.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SendChain } from '../../../src/connectors/kafka/send-chain.js';
import { sendInSlices } from '../../../src/connectors/kafka/kafkajs/producer.js';
import type { ProducerRecord } from 'kafkajs';
import { errorData, toError, workerFlags } from '../../../src/connectors/kafka/kafkajs/thread.js';
import { isFenced } from '../../../src/exec/scale-out/task-output.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('SendChain runs steps in the order added, one at a time', async () => {
  const chain = new SendChain();
  const log: string[] = [];
  const gates = [deferred(), deferred(), deferred()];
  gates.forEach((g, i) =>
    void chain.add(async () => {
      log.push(`start ${i}`);
      await g.promise;
      log.push(`end ${i}`);
    }),
  );
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['start 0']);
  gates[2]!.resolve();
  gates[1]!.resolve();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['start 0']);
  gates[0]!.resolve();
  await chain.done;
  assert.deepEqual(log, ['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
});

test('SendChain.relieve waits only while more than max counted steps are outstanding', async () => {
  const chain = new SendChain();
  const gates = Array.from({ length: 5 }, deferred);
  for (const g of gates) void chain.add(() => g.promise);
  // An uncounted step (a commit waiting for its checkpoint) does not hold relieve back.
  const commit = deferred();
  void chain.add(() => commit.promise, false);
  assert.equal(chain.pending, 5);
  let relieved = false;
  const r = chain.relieve(2).then(() => (relieved = true));
  await new Promise((res) => setImmediate(res));
  assert.equal(relieved, false);
  gates[0]!.resolve();
  gates[1]!.resolve();
  await new Promise((res) => setImmediate(res));
  assert.equal(relieved, false, 'three still outstanding');
  gates[2]!.resolve();
  await r;
  assert.equal(chain.pending, 2);
  await chain.relieve(2);
  for (const g of gates) g.resolve();
  commit.resolve();
  await chain.done;
  assert.equal(chain.pending, 0);
});

test('SendChain.relieve also waits while more than maxBytes of messages are outstanding, however few the sends', async () => {
  const chain = new SendChain();
  const gates = Array.from({ length: 3 }, deferred);
  // Two sends of 6 MB and one of 1 MB: three sends (under a count bound of 8), 13 MB queued.
  const sizes = [6 << 20, 6 << 20, 1 << 20];
  gates.forEach((g, i) => void chain.add(() => g.promise, true, sizes[i]));
  assert.equal(chain.queuedBytes, 13 << 20);
  let relieved = false;
  const r = chain.relieve(8, 8 << 20).then(() => (relieved = true));
  await new Promise((res) => setImmediate(res));
  assert.equal(relieved, false, '13 MB queued, over the 8 MB bound');
  gates[0]!.resolve();
  await r;
  assert.equal(chain.queuedBytes, 7 << 20);
  // One send larger than the bound on its own: relieve waits until it is sent.
  const big = deferred();
  void chain.add(() => big.promise, true, 20 << 20);
  relieved = false;
  const r2 = chain.relieve(8, 8 << 20).then(() => (relieved = true));
  gates[1]!.resolve();
  gates[2]!.resolve();
  await new Promise((res) => setImmediate(res));
  assert.equal(relieved, false);
  big.resolve();
  await r2;
  assert.equal(chain.queuedBytes, 0);
});

test('SendChain keeps the first failure and skips the steps after it', async () => {
  const chain = new SendChain();
  const ran: number[] = [];
  void chain.add(async () => void ran.push(1));
  void chain.add(async () => {
    throw new Error('broker gone');
  });
  void chain.add(async () => void ran.push(3));
  await chain.done;
  assert.deepEqual(ran, [1]);
  assert.equal((chain.error as Error).message, 'broker gone');
  // What the writers throw: the first failure under their name.
  assert.throws(() => chain.check("kafka sink 'out'"), { message: "kafka sink 'out': broker gone" });
  assert.doesNotThrow(() => new SendChain().check('unused'));
  // A retry that gave up names the writer already: not twice.
  const gaveUp = new SendChain();
  gaveUp.error = new Error("kafka sink 'out': send failed for 5m1s (14 attempts, giving up after kafka_retry_for = 5m): Connection error");
  assert.throws(() => gaveUp.check("kafka sink 'out'"), { message: "kafka sink 'out': send failed for 5m1s (14 attempts, giving up after kafka_retry_for = 5m): Connection error" });
});

test('an error crossing the Kafka thread keeps its message, kafkajs type and retriable flag', () => {
  const original = Object.assign(new Error('The producer has been fenced'), { name: 'KafkaJSProtocolError', type: 'PRODUCER_FENCED', code: 90, retriable: false });
  const data = errorData(original);
  // What postMessage carries must be plain data.
  assert.deepEqual(structuredClone(data), data);
  const back = toError(structuredClone(data));
  assert.equal(back.message, 'The producer has been fenced');
  assert.equal(back.name, 'KafkaJSProtocolError');
  assert.equal((back as Error & { type?: string }).type, 'PRODUCER_FENCED');
  assert.equal((back as Error & { retriable?: boolean }).retriable, false);
  assert.equal(isFenced(back), true, 'a scaled-out task still recognizes it was fenced');
  assert.equal(errorData('plain').message, 'plain');
});

test('a producer on the Kafka thread that reaches no broker fails its call, and the process then exits by itself', () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const script = `
    const { clientSettings } = await import(${JSON.stringify(path.resolve(here, '../../../src/connectors/kafka/client.js'))});
    const { openProducer } = await import(${JSON.stringify(path.resolve(here, '../../../src/connectors/kafka/kafkajs/producer.js'))});
    const p = openProducer(clientSettings({ brokers: '127.0.0.1:1' }, 'thread-test'), { retry: { retries: 0 } });
    try { await p.connect(); console.log('connected?'); } catch (e) { console.log('failed: ' + e.name); }
  `;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-thread-')), 'no-broker.mjs');
  fs.writeFileSync(file, script);
  // As a file, and as `node --input-type=module -e` (whose flags the worker must not inherit),
  // also with per-process flags, which Node refuses when they are handed to a worker.
  for (const args of [[file], ['--input-type=module', '-e', script], ['--stack-trace-limit=10', '--v8-pool-size=4', file], ['--v8-pool-size=4', '--input-type=module', '-e', script]]) {
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, SLUICE_KAFKA_THREAD: '' } });
    assert.equal(r.status, 0, r.stderr);
    // kafkajs's own failure, from the thread: not the thread failing to start.
    assert.match(r.stdout, /^failed: KafkaJS/m, args[0]);
    // Its log lines came back to the engine's log.
    assert.match(r.stderr, /kafka error \[BrokerPool\]/);
  }
});

test('the Kafka thread takes the process flags except those about the main entry', () => {
  assert.deepEqual(workerFlags(['--input-type=module', '-e', 'code', '--max-old-space-size=100']), ['--max-old-space-size=100']);
  assert.deepEqual(workerFlags(['--expose-gc', '--input-type', 'module', '--eval', 'x', '--enable-source-maps']), ['--expose-gc', '--enable-source-maps']);
  // Nothing to take out: the worker inherits as Node does (handing per-process flags over would fail it).
  assert.equal(workerFlags(['--v8-pool-size=4', '--expose-gc']), undefined);
  assert.equal(workerFlags([]), undefined);
});

test('sendInSlices sends in order, at most size messages a send, acks from all replicas, each through attempt', async () => {
  const sent: Array<{ topic: string; keys: string[]; acks: number | undefined }> = [];
  const to = {
    send: async (r: ProducerRecord) => {
      sent.push({ topic: r.topic, keys: r.messages.map((m) => String(m.key)), acks: r.acks });
    },
  };
  const messages = Array.from({ length: 7 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
  let attempts = 0;
  await sendInSlices(to, 't', messages, 3, (send) => {
    attempts++;
    return send();
  });
  assert.deepEqual(sent, [
    { topic: 't', keys: ['k0', 'k1', 'k2'], acks: -1 },
    { topic: 't', keys: ['k3', 'k4', 'k5'], acks: -1 },
    { topic: 't', keys: ['k6'], acks: -1 },
  ]);
  assert.equal(attempts, 3);
  sent.length = 0;
  await sendInSlices(to, 't', [], 3);
  assert.deepEqual(sent, [], 'nothing to send: no send');
});
