// Kafka client settings shared by the source, the sink, the dead-letter/late topics and
// `sluice produce`: brokers, SASL (PLAIN, SCRAM) and TLS passed through to kafkajs, secrets read
// from `${env:NAME}`. kafkajs is only touched here and in this folder, so that a maintained
// client can replace it without touching the engine.

import * as fs from 'node:fs';
import { Kafka, logLevel, type Admin, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import { ConnectorError } from '../connector.js';
import { boolOption, choiceOption } from '../options.js';
import { log, registerSecret } from '../../util/log.js';
import { isTopicError, withKafkaRetry } from './retry.js';

type Options = Readonly<Record<string, string>>;

/** The broker of `npm run kafka:up`; SLUICE_BROKERS overrides it for every job. */
export const DEFAULT_BROKERS = '127.0.0.1:9092';

/** Options every Kafka connector accepts. */
export const CLIENT_OPTIONS = [
  'brokers',
  'client_id',
  'sasl_mechanism',
  'sasl_username',
  'sasl_password',
  'tls',
  'tls_ca',
  'tls_cert',
  'tls_key',
  'tls_reject_unauthorized',
] as const;

const SASL = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
const ENV_REF = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * An option value, with `${env:NAME}` replaced by that environment variable. WARNING: the
 * resolved value may be a secret: it must never reach an error message, a log line or EXPLAIN;
 * errors name the variable, never its value.
 */
export function secretOption(options: Options, name: string): string | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  const m = ENV_REF.exec(v.trim());
  if (!m) return v;
  const resolved = process.env[m[1]!];
  if (resolved === undefined) {
    throw new ConnectorError(`option '${name}' reads the environment variable ${m[1]}, which is not set`, name, `export ${m[1]}=... before running the job`);
  }
  // From here on the log and the CLI's error output print it as ***.
  registerSecret(resolved);
  return resolved;
}

export function brokerList(options: Options): string[] {
  const raw = secretOption(options, 'brokers') ?? process.env['SLUICE_BROKERS'] ?? DEFAULT_BROKERS;
  const list = raw.split(',').map((b) => b.trim()).filter((b) => b.length > 0);
  for (const b of list) {
    if (!/^[^:\s]+:\d+$/.test(b)) throw new ConnectorError(`broker '${b}' is not host:port`, 'brokers', "brokers = '127.0.0.1:9092'");
  }
  if (list.length === 0) throw new ConnectorError('option brokers lists no broker', 'brokers', "brokers = '127.0.0.1:9092'");
  return list;
}

function readFileOption(options: Options, name: string): string | undefined {
  const p = secretOption(options, name);
  if (p === undefined) return undefined;
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    throw new ConnectorError(`cannot read the file of option '${name}'`, name, 'a PEM file path (or ${env:NAME} holding one)');
  }
}

/** Where a kafkajs warning or error goes: the process's log, or (on the producer thread) the engine's. */
export type KafkaLogSink = (level: 'warn' | 'error', text: string, fields: Record<string, unknown>) => void;

/** The process's own log, where kafkajs lines end up (the Kafka thread forwards its lines here). */
export const toLog: KafkaLogSink = (level, text, fields) => (level === 'error' ? log.error(text, fields) : log.warn(text, fields));

/** How long an outage line of kafkajs is not repeated (per client). */
const REPEAT_MS = 60_000;

/** kafkajs logs go to stderr, one line each, warnings and errors only (no payloads, no secrets). */
function logCreator(sink: KafkaLogSink) {
  const repeated = new Map<string, number>();
  // `entry`, not `log`: the entry's field must not shadow the logger.
  return ({ namespace, level, log: entry }: LogEntry): void => {
    // Connection-level errors are retried by kafkajs; a final failure reaches us as an exception.
    if (level > logLevel.WARN || namespace === 'Connection') return;
    const { message, error } = entry as { message?: string; error?: string };
    // The transactional producer keeps the client's bounded retries on purpose: a failure surfaces and the job restores.
    if (message?.startsWith('Limiting retries for the idempotent producer')) return;
    // CONCURRENT_TRANSACTIONS (the coordinator still finishing the previous commit) is retried by the exactly-once sink.
    if (/concurrent operation on the same transaction/.test(`${message ?? ''} ${error ?? ''}`)) return;
    // A fenced producer is how a scaled-out task learns its partition moved; the job says so itself.
    if (/operation with an old epoch/.test(message ?? '')) return;
    // A rebalance is how scaled-out processes share partitions; the job logs the new assignment itself.
    if (/The group is rebalancing, re-joining/.test(message ?? '')) return;
    // An outage: each of the engine's retries logs one line with the reason (retry.ts), and a
    // failure it gives up on ends the job with it; kafkajs's own lines would repeat it dozens of
    // times a minute. The first of each stays (a wrong broker address shows at once).
    if (/^(Failed to connect to seed broker|Restarting the consumer in|Crash: )/.test(message ?? '')) {
      const key = `${namespace} ${message ?? ''}`;
      const now = Date.now();
      if (now - (repeated.get(key) ?? -Infinity) < REPEAT_MS) return;
      repeated.set(key, now);
    }
    const text = `kafka ${level === logLevel.ERROR ? 'error' : 'warning'} [${namespace}]: ${message ?? ''}${error ? ` (${error})` : ''}`;
    sink(level === logLevel.ERROR ? 'error' : 'warn', text, { component: 'kafka', namespace });
  };
}

/** The kafkajs client config from a connector's options; throws ConnectorError on a bad one. */
export function clientConfig(options: Options, fallbackClientId: string, logSink: KafkaLogSink = toLog): KafkaConfig {
  const config: KafkaConfig = {
    brokers: brokerList(options),
    clientId: options['client_id'] ?? fallbackClientId,
    logLevel: logLevel.WARN,
    logCreator: () => logCreator(logSink),
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 5000 },
  };
  const mechanism = options['sasl_mechanism'] !== undefined ? choiceOption(options, 'sasl_mechanism', SASL, 'plain') : undefined;
  if (mechanism !== undefined) {
    const username = secretOption(options, 'sasl_username');
    const password = secretOption(options, 'sasl_password');
    if (username === undefined || password === undefined) {
      throw new ConnectorError(`SASL ${mechanism} needs sasl_username and sasl_password`, username === undefined ? 'sasl_username' : 'sasl_password', "sasl_password = '${env:KAFKA_PASSWORD}'");
    }
    config.sasl = { mechanism, username, password } as SASLOptions;
  }
  const tls = boolOption(options, 'tls', false) || options['tls_ca'] !== undefined || options['tls_cert'] !== undefined;
  if (tls) {
    const ca = readFileOption(options, 'tls_ca');
    const cert = readFileOption(options, 'tls_cert');
    const key = readFileOption(options, 'tls_key');
    config.ssl = {
      rejectUnauthorized: boolOption(options, 'tls_reject_unauthorized', true),
      ...(ca !== undefined ? { ca: [ca] } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(key !== undefined ? { key } : {}),
    };
  }
  return config;
}

let warningFilterInstalled = false;

/**
 * kafkajs 2.2.4 arms `setTimeout(fn, throttledUntil - Date.now())` with throttledUntil = -1,
 * which Node 24 reports on every run as a TimeoutNegativeWarning (the delay becomes 1 ms, the
 * intended behavior). Drop that one warning type; every other warning passes through.
 */
function filterKafkajsTimeoutWarning(): void {
  if (warningFilterInstalled) return;
  warningFilterInstalled = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const first = rest[0];
    const type = typeof first === 'string' ? first : (first as { type?: string } | undefined)?.type;
    if (type === 'TimeoutNegativeWarning') return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}

/** The options each client was made from, for the producer thread to make the same client. */
const made = new WeakMap<Kafka, { options: Options; clientId: string }>();

export function kafkaClient(options: Options, fallbackClientId: string, logSink?: KafkaLogSink): Kafka {
  filterKafkajsTimeoutWarning();
  const kafka = new Kafka(clientConfig(options, fallbackClientId, logSink));
  made.set(kafka, { options, clientId: fallbackClientId });
  return kafka;
}

export function clientOf(kafka: Kafka): { options: Options; clientId: string } {
  const c = made.get(kafka);
  if (!c) throw new Error('a Kafka client not made by kafkaClient()');
  return c;
}

/**
 * One admin session for `f`, the whole of it made again while it fails retriably (retry.ts):
 * `f` must be safe to repeat. `what` names the work in the log.
 */
export async function withAdmin<T>(kafka: Kafka, what: string, f: (admin: Admin) => Promise<T>): Promise<T> {
  return withKafkaRetry(what, async () => {
    const admin = kafka.admin();
    try {
      await admin.connect();
      return await f(admin);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  });
}

/**
 * An output topic deleted while the job ran: retrying would wait out kafka_retry_for for a topic
 * that is not coming back (Sluice never recreates it silently: the output it held is gone).
 */
export class TopicDeletedError extends Error {
  constructor(
    readonly what: string,
    readonly topic: string,
  ) {
    super(
      `${what}: topic '${topic}' no longer exists: it was deleted while the job ran, and the output written to it went with it. ` +
        'Create it again (or point the sink at a new topic) and run with --fresh to write the whole output again',
    );
    this.name = 'TopicDeletedError';
  }
}

/**
 * For withKafkaRetry's beforeRetry: after a topic metadata error, asks the broker once (no
 * retries) whether `topic` still exists and throws TopicDeletedError when it does not. A broker
 * that cannot answer (an outage) lets the retries go on.
 */
export function failIfTopicDeleted(kafka: Kafka, topic: string, what: string): (e: unknown) => Promise<void> {
  return async (e) => {
    if (!isTopicError(e)) return;
    const admin = kafka.admin({ retry: { retries: 0 } });
    let exists: boolean;
    try {
      await admin.connect();
      exists = (await admin.listTopics()).includes(topic);
    } catch {
      return;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    if (!exists) throw new TopicDeletedError(what, topic);
  };
}

/**
 * Creates `topic` when it does not exist (waiting for its leaders: auto-created topics give
 * transient "does not host this topic-partition" errors on KRaft). Existing topics are kept.
 */
export async function ensureTopic(kafka: Kafka, topic: string, partitions = 1): Promise<void> {
  await withAdmin(kafka, `kafka: creating topic '${topic}'`, async (admin) => {
    try {
      const existing = await admin.listTopics();
      if (existing.includes(topic)) return;
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    } catch (e) {
      // Another client created it in between (or an earlier attempt did).
      if (!(e instanceof Error && /already exists/i.test(e.message))) throw e;
    }
  });
}
