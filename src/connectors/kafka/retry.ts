// Riding out a Kafka outage: every Kafka call of the engine (admin calls, sends, transactions,
// the consumer's restarts: kafkajs/consumer.ts) goes through withKafkaRetry, which retries a
// retriable failure with capped exponential backoff for up to `kafka_retry_for`
// (--kafka-retry-for, default 5m) after the first failure, logs each attempt at warn level, and
// then fails with the last reason.
// WHY: kafkajs's own retries give up after 20-33 s, and a broker killed with kill -9 is back
// only 30-40 s later. The rule of what is retriable lives here (isRetriable), unit-tested.

import { log } from '../../util/log.js';
import { KafkaFencedError } from './port.js';

/** How long a Kafka call keeps retrying after its first failure, unless set otherwise. */
export const DEFAULT_KAFKA_RETRY_FOR_MS = 5 * 60_000;
/** The first wait after a failure; each later one doubles, up to MAX_BACKOFF_MS. */
export const INITIAL_BACKOFF_MS = 500;
export const MAX_BACKOFF_MS = 10_000;

let retryForMs = DEFAULT_KAFKA_RETRY_FOR_MS;

/** Sets the process's retry window (`--kafka-retry-for`, SET kafka_retry_for); 0 fails at the first error kafkajs gives up on. */
export function setKafkaRetryFor(ms: number): void {
  retryForMs = ms;
}

export function kafkaRetryFor(): number {
  return retryForMs;
}

/** The clock retries wait on (tests pass a fake one). */
export interface RetryClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** Protocol errors that end once the cluster recovers (coordinator moving or loading, leader elections, timeouts). */
const RETRIABLE_TYPES = new Set([
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'CONCURRENT_TRANSACTIONS',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'KAFKA_STORAGE_ERROR',
  'REBALANCE_IN_PROGRESS',
  'NOT_CONTROLLER',
  'FETCH_SESSION_ID_NOT_FOUND',
]);

/** kafkajs errors of the client's own making that mean "the broker was not reachable (yet)". */
const RETRIABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
]);

/** Errors of a producer whose transactional id another producer took over (or whose transaction the coordinator timed out). */
const FENCED_TYPES = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH']);

interface ErrorShape {
  name?: string;
  message?: string;
  type?: string;
  retriable?: boolean;
  cause?: unknown;
}

/** The error and its causes, outermost first (kafkajs wraps the last failure in KafkaJSNumberOfRetriesExceeded). */
function chain(e: unknown): ErrorShape[] {
  const out: ErrorShape[] = [];
  let at: unknown = e;
  while (at !== null && typeof at === 'object' && out.length < 8) {
    out.push(at as ErrorShape);
    at = (at as ErrorShape).cause;
  }
  return out;
}

export function isFencedError(e: unknown): boolean {
  return chain(e).some((c) => c instanceof KafkaFencedError || (c.type !== undefined && FENCED_TYPES.has(c.type)) || /operation with an old epoch|has been fenced/i.test(c.message ?? ''));
}

/**
 * Whether a failed Kafka call may succeed if made again: the broker unreachable or restarting, a
 * coordinator or leader moving, a request timing out. Not: authentication or authorization, a
 * bad request, a fenced producer, or any error that is not Kafka's.
 */
export function isRetriable(e: unknown): boolean {
  const errors = chain(e);
  if (errors.length === 0) return false;
  if (isFencedError(e)) return false;
  for (const c of errors) {
    if (/authenticat|authoriz|SASL/i.test(`${c.name ?? ''} ${c.type ?? ''}`)) return false;
    if (c.type !== undefined && RETRIABLE_TYPES.has(c.type)) return true;
    if (c.name !== undefined && RETRIABLE_NAMES.has(c.name)) return true;
  }
  // kafkajs marks the protocol errors it knows as transient; only its own errors count.
  const root = errors[errors.length - 1]!;
  return root.retriable === true && (root.name ?? '').startsWith('KafkaJS');
}

/** Topic metadata errors: an outage (a leader moving) or a topic that no longer exists. */
const TOPIC_TYPES = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);
const TOPIC_NAMES = new Set(['KafkaJSTopicMetadataNotLoaded', 'KafkaJSStaleTopicMetadataAssignment']);

/** Whether a failure is about a topic's metadata, so that it is worth asking whether the topic still exists. */
export function isTopicError(e: unknown): boolean {
  return chain(e).some((c) => (c.type !== undefined && TOPIC_TYPES.has(c.type)) || (c.name !== undefined && TOPIC_NAMES.has(c.name)) || /topic-partition|unknown topic/i.test(c.message ?? ''));
}

/** The wait before retry `attempt` (1 = the first retry): INITIAL_BACKOFF_MS doubled each time, capped. */
export function backoffMs(attempt: number, initialMs = INITIAL_BACKOFF_MS, maxMs = MAX_BACKOFF_MS): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
}

/** `90s` -> "1m30s", for log lines and messages. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
}

/** The reason of a failure, with the cause kafkajs wrapped it around. */
export function reasonOf(e: unknown): string {
  const errors = chain(e);
  if (errors.length === 0) return String(e);
  const messages = [...new Set(errors.map((c) => c.message ?? '').filter((m) => m !== ''))];
  return messages.join(': ') || (errors[0]!.name ?? 'unknown error');
}

/** A Kafka call that kept failing for the whole retry window (or failed in a way no retry mends). */
export class KafkaGaveUpError extends Error {
  constructor(
    readonly what: string,
    readonly attempts: number,
    readonly elapsedMs: number,
    override readonly cause: unknown,
  ) {
    super(
      attempts > 1
        ? `${what} failed for ${formatMs(elapsedMs)} (${attempts} attempts, giving up after kafka_retry_for = ${formatMs(kafkaRetryFor())}): ${reasonOf(cause)}`
        : `${what} failed: ${reasonOf(cause)}`,
    );
    this.name = 'KafkaGaveUpError';
  }
}

export interface RetryOptions {
  /** Stops waiting when aborted: the last error is thrown at once. */
  readonly signal?: AbortSignal;
  readonly clock?: RetryClock;
  /** The window; default the process's kafka_retry_for. */
  readonly retryForMs?: number;
  /** Overrides isRetriable (the exactly-once sink also redoes a transaction the coordinator fenced mid-outage). */
  readonly retriable?: (e: unknown, attempt: number) => boolean;
  /** Where each attempt is reported; default a warn line in the log. */
  readonly onRetry?: (info: RetryInfo) => void;
  /** Before each retry of a retriable failure: may throw to end the retries (a sink's topic found deleted). */
  readonly beforeRetry?: (e: unknown) => Promise<void>;
}

export interface RetryInfo {
  readonly what: string;
  readonly attempt: number;
  readonly delayMs: number;
  readonly remainingMs: number;
  readonly error: unknown;
}

export function logRetry({ what, attempt, delayMs, remainingMs, error }: RetryInfo): void {
  log.warn(`sluice: ${what} failed (${reasonOf(error)}); retry ${attempt} in ${formatMs(delayMs)}, giving up in ${formatMs(remainingMs)}`, {
    event: 'kafka-retry',
    what,
    attempt,
    delayMs,
    error: reasonOf(error),
  });
}

/**
 * Runs `f` until it succeeds; a retriable failure is retried after backoffMs(n) while the time
 * since the first failure is within the window, each retry logged; then throws KafkaGaveUpError
 * with the last reason. An error that is not retriable is thrown as it is, at once. `what` names
 * the call for the log ("kafka sink 'out': send").
 */
export async function withKafkaRetry<T>(what: string, f: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const clock = options.clock ?? realClock;
  const windowMs = options.retryForMs ?? retryForMs;
  const retriable = options.retriable ?? isRetriable;
  const report = options.onRetry ?? logRetry;
  let first: number | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await f();
    } catch (e) {
      const now = clock.now();
      first ??= now;
      const elapsed = now - first;
      const delay = backoffMs(attempt);
      // Not a Kafka outage (a missing topic, a refused login, the engine's own error): as it is.
      if (!retriable(e, attempt)) throw e;
      if (options.signal?.aborted || elapsed + delay > windowMs) throw new KafkaGaveUpError(what, attempt, elapsed, e);
      await options.beforeRetry?.(e);
      report({ what, attempt, delayMs: delay, remainingMs: windowMs - elapsed, error: e });
      await clock.sleep(delay, options.signal);
    }
  }
}
