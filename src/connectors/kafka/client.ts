// Kafka client settings shared by the source, the sink, the dead-letter/late topics and
// `sluice produce`: brokers, SASL (PLAIN, SCRAM) and TLS, secrets read from `${env:NAME}`; the
// port (port.ts) made from them, and the admin work every connector shares: sessions retried
// through outages, topics created, a deleted output topic told apart from an outage.

import { startupMark } from '../../util/startup-marks.js';
import * as fs from 'node:fs';
import { ConnectorError } from '../connector.js';
import { boolOption, choiceOption } from '../options.js';
import { registerSecret } from '../../util/log.js';
import { isTopicError, withKafkaRetry } from './retry.js';
import type { ClientSettings, KafkaAdmin, KafkaClient } from './port.js';
import { lazyPort } from './lazy-port.js';

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

/** The client settings from a connector's options; throws ConnectorError on a bad one. */
export function clientSettings(options: Options, fallbackClientId: string): ClientSettings {
  const mechanism = options['sasl_mechanism'] !== undefined ? choiceOption(options, 'sasl_mechanism', SASL, 'plain') : undefined;
  let sasl: ClientSettings['sasl'];
  if (mechanism !== undefined) {
    const username = secretOption(options, 'sasl_username');
    const password = secretOption(options, 'sasl_password');
    if (username === undefined || password === undefined) {
      throw new ConnectorError(`SASL ${mechanism} needs sasl_username and sasl_password`, username === undefined ? 'sasl_username' : 'sasl_password', "sasl_password = '${env:KAFKA_PASSWORD}'");
    }
    sasl = { mechanism, username, password };
  }
  let tls: ClientSettings['tls'];
  if (boolOption(options, 'tls', false) || options['tls_ca'] !== undefined || options['tls_cert'] !== undefined) {
    const ca = readFileOption(options, 'tls_ca');
    const cert = readFileOption(options, 'tls_cert');
    const key = readFileOption(options, 'tls_key');
    tls = {
      rejectUnauthorized: boolOption(options, 'tls_reject_unauthorized', true),
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(key !== undefined ? { key } : {}),
    };
  }
  return { brokers: brokerList(options), clientId: options['client_id'] ?? fallbackClientId, ...(sasl ? { sasl } : {}), ...(tls ? { tls } : {}) };
}

/** The Kafka port for a connector's options: the one place that names the implementation (loaded on first use: lazy-port.ts). */
export function kafkaClient(options: Options, fallbackClientId: string): KafkaClient {
  return lazyPort(clientSettings(options, fallbackClientId));
}

/**
 * One admin session for `f`, the whole of it made again while it fails retriably (retry.ts):
 * `f` must be safe to repeat. `what` names the work in the log.
 */
export async function withAdmin<T>(kafka: KafkaClient, what: string, f: (admin: KafkaAdmin) => Promise<T>): Promise<T> {
  return withKafkaRetry(what, async () => {
    const admin = kafka.admin();
    try {
      await admin.connect();
      startupMark('kafka admin connected');
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
export function failIfTopicDeleted(kafka: KafkaClient, topic: string, what: string): (e: unknown) => Promise<void> {
  return async (e) => {
    if (!isTopicError(e)) return;
    const admin = kafka.admin({ retries: 0 });
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
export async function ensureTopic(kafka: KafkaClient, topic: string, partitions = 1): Promise<void> {
  await withAdmin(kafka, `kafka: creating topic '${topic}'`, async (admin) => {
    try {
      const existing = await admin.listTopics();
      if (existing.includes(topic)) return;
      await admin.createTopic(topic, partitions);
    } catch (e) {
      // Another client created it in between (or an earlier attempt did).
      if (!(e instanceof Error && /already exists/i.test(e.message))) throw e;
    }
  });
}
