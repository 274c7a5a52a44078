// The Kafka retry rule (connectors/kafka/retry.ts) on a fake clock and fake failing calls: which
// errors are retried (kafkajs's own, also after crossing the Kafka thread), the capped doubling
// backoff, one warn line per attempt, giving up with the reason once kafka_retry_for is spent,
// and the consumer's restart rule.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  backoffMs,
  isRetriable,
  KafkaGaveUpError,
  withKafkaRetry,
  type RetryClock,
  type RetryInfo,
} from '../../../src/connectors/kafka/retry.js';
import { errorData, toError } from '../../../src/connectors/kafka/kafkajs/thread.js';
import { consumerRestarts } from '../../../src/connectors/kafka/kafkajs/consumer.js';
import { ConnectorError } from '../../../src/connectors/connector.js';
import { configureLog, logConfig } from '../../../src/util/log.js';

// kafkajs's own error classes and its table of broker error codes, as its clients raise them.
type ErrorClass = new (e: unknown, extra?: Record<string, unknown>) => Error;
const require = createRequire(import.meta.url);
const { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSSASLAuthenticationError } = require('kafkajs') as Record<string, ErrorClass>;
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as { createErrorFromCode: (code: number) => unknown };
const protocol = (code: number): Error => new KafkaJSProtocolError!(createErrorFromCode(code));

/** A clock that only moves when a retry sleeps; the sleeps are recorded. */
function fakeClock(): RetryClock & { sleeps: number[]; t: number } {
  const c = {
    t: 0,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
      c.t += ms;
    },
  };
  return c;
}

const connection = (): Error => new KafkaJSConnectionError!('Connection error: connect ECONNREFUSED 127.0.0.1:9292', { broker: '127.0.0.1:9292', code: 'ECONNREFUSED' });

test('retriable: the broker unreachable, coordinators loading or moving, leaders electing; kafkajs giving up on any of them', () => {
  const cases: Array<[string, unknown, boolean]> = [
    ['connection refused', connection(), true],
    ['kafkajs gave up after its retries of a refused connection', new KafkaJSNumberOfRetriesExceeded!(connection(), { retryCount: 8, retryTime: 5000 }), true],
    ['coordinator loading (fetchOffsets on a fresh broker)', protocol(14), true],
    ['not coordinator', protocol(16), true],
    ['coordinator not available', protocol(15), true],
    ['leader not available', protocol(5), true],
    ['unknown topic or partition (KRaft, just created)', protocol(3), true],
    ['request timed out', protocol(7), true],
    ['concurrent transactions', protocol(51), true],
    ['kafkajs gave up on a loading coordinator', new KafkaJSNumberOfRetriesExceeded!(protocol(14), { retryCount: 8, retryTime: 5000 }), true],
    // Not mended by waiting.
    ['producer fenced', protocol(90), false],
    ['invalid producer epoch', protocol(47), false],
    ['topic authorization failed', protocol(29), false],
    ['SASL authentication failed', new KafkaJSSASLAuthenticationError!('SASL PLAIN authentication failed'), false],
    ['a kafkajs state error', new KafkaJSNonRetriableError!('Transaction state exception: Cannot call "commit" in state "COMMITTING"'), false],
    ['the engine failing', new Error('boom'), false],
    ['a connector error (missing topic)', new ConnectorError("topic 'x' does not exist", 'topic'), false],
    ['not an error', 'text', false],
  ];
  for (const [what, e, want] of cases) {
    assert.equal(isRetriable(e), want, what);
    // The producers run on the Kafka thread: what crosses it must classify the same.
    if (e instanceof Error) assert.equal(isRetriable(toError(errorData(e))), want, `${what}, across the thread`);
  }
});

test('backoff doubles from 500 ms and is capped at 10 s', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffMs(n)), [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
});

test('a call failing retriably is retried with backoff until it succeeds, one report per attempt', async () => {
  const clock = fakeClock();
  const reports: RetryInfo[] = [];
  let calls = 0;
  const got = await withKafkaRetry(
    'kafka sink \'out\': send',
    async () => {
      calls++;
      if (calls <= 3) throw protocol(14);
      return 'sent';
    },
    { clock, retryForMs: 60_000, onRetry: (r) => reports.push(r) },
  );
  assert.equal(got, 'sent');
  assert.equal(calls, 4);
  assert.deepEqual(clock.sleeps, [500, 1000, 2000]);
  assert.deepEqual(reports.map((r) => [r.attempt, r.delayMs, r.remainingMs]), [
    [1, 500, 60_000],
    [2, 1000, 59_500],
    [3, 2000, 58_500],
  ]);
});

test('each retry is one warn line naming the call, the failure and the next delay', async () => {
  const lines: string[] = [];
  const before = logConfig();
  configureLog({ write: (l) => lines.push(l), json: false, level: 'warn' });
  try {
    let calls = 0;
    await withKafkaRetry('kafka source \'in\': reading its offsets', async () => {
      if (calls++ === 0) throw protocol(14);
    }, { clock: fakeClock(), retryForMs: 300_000 });
  } finally {
    configureLog(before);
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^sluice: kafka source 'in': reading its offsets failed \(The coordinator is loading and hence can't process requests for this group\); retry 1 in 500ms, giving up in 5m\n$/);
});

test('the call gives up once the next wait would pass the window, with the reason and how long it tried', async () => {
  const clock = fakeClock();
  let calls = 0;
  const err = await withKafkaRetry(
    'kafka sink \'out\': send',
    async () => {
      calls++;
      throw new KafkaJSNumberOfRetriesExceeded!(connection(), { retryCount: 8, retryTime: 5000 });
    },
    { clock, retryForMs: 5000, onRetry: () => {} },
  ).catch((e: unknown) => e);
  // Failures at 0, 500, 1500 and 3500 ms; the next wait (8 s) would end past 5 s.
  assert.equal(calls, 4);
  assert.deepEqual(clock.sleeps, [500, 1000, 2000]);
  assert.ok(err instanceof KafkaGaveUpError);
  assert.equal(err.attempts, 4);
  assert.equal(err.elapsedMs, 3500);
  assert.match(err.message, /^kafka sink 'out': send failed for 4s \(4 attempts, giving up after kafka_retry_for = .*\): Connection error: connect ECONNREFUSED 127\.0\.0\.1:9292$/);
});

test('an error no retry mends is thrown as it is, at once', async () => {
  const clock = fakeClock();
  const fatal = new ConnectorError("topic 'x' does not exist", 'topic', 'create it first');
  let calls = 0;
  const err = await withKafkaRetry('x', async () => {
    calls++;
    throw fatal;
  }, { clock, onRetry: () => {} }).catch((e: unknown) => e);
  assert.equal(err, fatal);
  assert.equal(calls, 1);
  assert.deepEqual(clock.sleeps, []);
});

test('a window of 0 fails at the first retriable error, naming it', async () => {
  const err = await withKafkaRetry('kafka admin', async () => {
    throw connection();
  }, { clock: fakeClock(), retryForMs: 0, onRetry: () => {} }).catch((e: unknown) => e);
  assert.ok(err instanceof KafkaGaveUpError);
  assert.equal(err.message, 'kafka admin failed: Connection error: connect ECONNREFUSED 127.0.0.1:9292');
});

test('an aborted signal ends the retries', async () => {
  const controller = new AbortController();
  let calls = 0;
  const err = await withKafkaRetry('x', async () => {
    calls++;
    controller.abort();
    throw connection();
  }, { clock: fakeClock(), signal: controller.signal, onRetry: () => {} }).catch((e: unknown) => e);
  assert.ok(err instanceof KafkaGaveUpError);
  assert.equal(calls, 1);
});

test('a custom rule decides per attempt (the exactly-once sink retries a fence only after an outage)', async () => {
  const clock = fakeClock();
  const errors = [connection(), protocol(47)];
  let calls = 0;
  let outage = false;
  await withKafkaRetry('txn', async () => {
    const e = errors[calls++];
    if (e) throw e;
  }, {
    clock,
    onRetry: () => {},
    retriable: (e) => (isRetriable(e) ? (outage = true) : outage && /epoch/.test((e as Error).message)),
  });
  assert.equal(calls, 3);
});

test('the consumer restarts while within the window from its first crash, and the window starts over once it is back', async () => {
  const clock = fakeClock();
  const before = logConfig();
  configureLog({ write: () => {} });
  try {
    const r = consumerRestarts('kafka source \'in\': consumer', clock);
    const crash = new KafkaJSNumberOfRetriesExceeded!(connection(), { retryCount: 5, retryTime: 3000 });
    assert.equal(await r.restartOnFailure(crash), true);
    clock.t += 299_000;
    assert.equal(await r.restartOnFailure(crash), true);
    clock.t += 2_000;
    assert.equal(await r.restartOnFailure(crash), false);
    const gaveUp = r.failure(crash);
    assert.ok(gaveUp instanceof KafkaGaveUpError);
    assert.match(gaveUp.message, /failed for 5m1s \(3 attempts/);
    r.ok();
    assert.equal(await r.restartOnFailure(crash), true);
    // Not an outage: no restart, and the error is the consumer's own.
    const fatal = protocol(29);
    assert.equal(await r.restartOnFailure(fatal), false);
  } finally {
    configureLog(before);
  }
});
