// The kafkajs client of a ClientSettings: brokers, SASL and TLS as kafkajs takes them, its
// bounded retries, and its log lines filtered into the process's log (warnings and errors only,
// each outage line once a minute). Made on the engine's thread and on the Kafka thread alike.

// First: its record and record batch decoders, its consumer batches and its grouping of a send's
// messages take kafkajs's place before kafkajs loads (record-decoder.ts, batch-decoder.ts,
// batch.ts, group-messages.ts).
import './record-decoder.js';
import './batch-decoder.js';
import './batch.js';
import './group-messages.js';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import { log } from '../../../util/log.js';
import type { ClientSettings } from '../port.js';

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
    // CONCURRENT_TRANSACTIONS (the coordinator still finishing the previous commit) is retried (errors.ts).
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

/** The kafkajs client config of `settings`. */
export function kafkajsConfig(settings: ClientSettings, logSink: KafkaLogSink = toLog): KafkaConfig {
  const config: KafkaConfig = {
    brokers: [...settings.brokers],
    clientId: settings.clientId,
    logLevel: logLevel.WARN,
    logCreator: () => logCreator(logSink),
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 5000 },
  };
  if (settings.sasl) config.sasl = { ...settings.sasl } as SASLOptions;
  const tls = settings.tls;
  if (tls) {
    config.ssl = {
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.ca !== undefined ? { ca: [tls.ca] } : {}),
      ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
      ...(tls.key !== undefined ? { key: tls.key } : {}),
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

/** A kafkajs client for `settings` (also what tests and benchmarks use to reach kafkajs itself). */
export function kafkajsClient(settings: ClientSettings, logSink?: KafkaLogSink): Kafka {
  filterKafkajsTimeoutWarning();
  return new Kafka(kafkajsConfig(settings, logSink));
}
