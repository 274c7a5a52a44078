// The `http` source: records POSTed to `path` (e.g. '/ingest/clicks') on `sluice serve`. Each
// request is validated against the source's schema with the decoder every JSON source uses, so a
// rejected record gets the reason a file or Kafka source would give it, and its position is the
// request (a sequence number within the run) and its index there. Without `topic` accepted records
// wait in an in-memory queue of at most `max_queue` records (at most once: lost on a crash); with
// `topic` the endpoint produces them to Kafka (acks from all in-sync replicas) before answering
// and the job reads that topic, so they are durable and the job resumes from its offsets.

import type { SourceDef } from '../../catalog/catalog.js';
import { ConnectorError, DecodeError, isBlank, type ResumePosition, type SourceConnector, type SourceReader, type SourceRecord } from '../connector.js';
import { compileDecoder, type RecordDecoder } from '../format/decode.js';
import { choiceOption, intOption } from '../options.js';
import { parseBytes } from '../../util/units.js';
import { ingestServed, registerIngest, unregisterIngest, type IngestEndpoint, type OfferResult } from './endpoints.js';
import { kafkaSource } from '../kafka/source.js';
import { CLIENT_OPTIONS, ensureTopic, kafkaClient } from '../kafka/client.js';
import type { KafkaProducer, OutMessage } from '../kafka/port.js';

/** Default largest request body. */
export const DEFAULT_MAX_BODY = 1024 * 1024;
/** Default in-memory queue bound, in records; past it requests get 503 and Retry-After. */
export const DEFAULT_MAX_QUEUE = 100_000;

type Emit = (records: SourceRecord[]) => void | Promise<void>;

interface HttpSettings {
  readonly path: string;
  readonly topic: string | undefined;
  readonly maxBodyBytes: number;
  readonly maxQueue: number;
}

function httpSettings(def: SourceDef): HttpSettings {
  const o = def.options;
  const path = o['path'];
  if (path === undefined || path === '') throw new ConnectorError("option 'path' is required", 'path', "path = '/ingest/" + def.name + "'");
  if (!/^\/ingest\/[A-Za-z0-9._~\-/]+$/.test(path)) {
    throw new ConnectorError(`option 'path' must start with /ingest/ and use only letters, digits and . _ ~ - /, not '${path}'`, 'path', `path = '/ingest/${def.name}'`);
  }
  choiceOption(o, 'format', ['json'] as const, 'json');
  let maxBodyBytes = DEFAULT_MAX_BODY;
  if (o['max_body'] !== undefined) {
    const n = parseBytes(o['max_body']);
    if (n === undefined || n <= 0) throw new ConnectorError(`option 'max_body' is not a size: '${o['max_body']}'`, 'max_body', "max_body = '1MB'");
    maxBodyBytes = n;
  }
  return { path, topic: o['topic'], maxBodyBytes, maxQueue: intOption(o, 'max_queue', DEFAULT_MAX_QUEUE, 1) };
}

/** Where a served job's `http` source takes requests, and its limits (to reserve the path before it runs). */
export function httpIngestSettings(def: SourceDef): { path: string; maxBodyBytes: number; maxQueue: number } {
  const { path, maxBodyBytes, maxQueue } = httpSettings(def);
  return { path, maxBodyBytes, maxQueue };
}

/** Splits offered values into records for the job and the rejected ones' reasons. */
function validate(decode: RecordDecoder, values: readonly unknown[]): { good: number[]; rejected: Array<{ index: number; reason: string }> } {
  const good: number[] = [];
  const rejected: Array<{ index: number; reason: string }> = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const r = decode(v as SourceRecord['value']);
    if (r instanceof DecodeError) rejected.push({ index: i, reason: r.error });
    else good.push(i);
  }
  return { good, rejected };
}

/** A record value as the decoders take it: JSON-lines text stays text, parsed JSON an object (or its text when not one). */
function recordValue(v: unknown): SourceRecord['value'] {
  if (typeof v === 'string') return v;
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : JSON.stringify(v);
}

class HttpReader implements SourceReader, IngestEndpoint {
  readonly bounded = false;
  readonly source: string;
  readonly maxBodyBytes: number;
  private readonly settings: HttpSettings;
  private readonly decode: RecordDecoder;
  private queue: SourceRecord[] = [];
  private wake: (() => void) | undefined;
  /** The last request whose records were handed to the job (the checkpointed position). */
  private request: number;
  private emitted: number;
  /** Kafka-backed: the topic's reader and a producer made on the first request. */
  private readonly kafka: SourceReader | undefined;
  private producer: Promise<KafkaProducer> | undefined;
  /** The send in flight (settled), and the one gathering messages to go after it. */
  private sending: Promise<void> = Promise.resolve();
  private nextSend: { batch: OutMessage[]; promise: Promise<void> } | undefined;
  private readonly def: SourceDef;
  /** Kafka-backed sources keep a watermark per partition of the topic. */
  watchPartitions?: SourceReader['watchPartitions'];

  constructor(def: SourceDef, resume: ResumePosition | undefined) {
    this.def = def;
    this.settings = httpSettings(def);
    this.source = def.name;
    this.maxBodyBytes = this.settings.maxBodyBytes;
    this.decode = compileDecoder(def.columns, def.watermark?.column);
    const at = resume?.['request'];
    this.request = typeof at === 'number' ? at : 0;
    this.emitted = this.request;
    if (this.settings.topic !== undefined) {
      const kafkaOptions: Record<string, string> = { connector: 'kafka', topic: this.settings.topic, format: 'json' };
      for (const k of [...CLIENT_OPTIONS, 'startup', 'group', 'idle_timeout']) if (def.options[k] !== undefined) kafkaOptions[k] = def.options[k]!;
      const kafka = kafkaSource.open({ ...def, options: kafkaOptions }, resume?.['kafka'] as ResumePosition | undefined);
      this.kafka = kafka;
      if (kafka.watchPartitions) this.watchPartitions = (listener) => kafka.watchPartitions!(listener);
    }
  }

  position(): ResumePosition | undefined {
    if (this.kafka) {
      const k = this.kafka.position?.();
      return k === undefined ? undefined : { kafka: k, request: this.request };
    }
    return { request: this.emitted };
  }

  backlog(): ReadonlyMap<number, number> {
    return this.kafka?.backlog?.() ?? new Map();
  }

  async run(emit: Emit, signal: AbortSignal): Promise<void> {
    if (!ingestServed()) {
      throw new ConnectorError(`source '${this.def.name}' takes records POSTed to ${this.settings.path} of \`sluice serve\`, which this process is not`, 'connector', 'run the job with `sluice serve job.sql` (or submit it to a running one)');
    }
    // WHY the topic first, and not in prepare(): its offsets can be looked up only once it exists,
    // and no request is taken before the records can go somewhere.
    if (this.kafka) await ensureTopic(kafkaClient(this.def.options, `sluice-${this.def.name}`), this.settings.topic!);
    if (!registerIngest(this.settings.path, this)) {
      throw new ConnectorError(`another running job already takes POSTs at ${this.settings.path}`, 'path', 'give this source another path');
    }
    try {
      if (this.kafka) {
        this.kafka.prepare?.();
        await Promise.all([this.kafka.run(emit, signal), this.drain(emit, signal)]);
      } else {
        await this.drain(emit, signal);
      }
    } finally {
      unregisterIngest(this.settings.path, this);
      this.wake?.();
      const p = this.producer;
      this.producer = undefined;
      if (p) await p.then((x) => x.disconnect()).catch(() => {});
    }
  }

  /** Hands queued records to the job in batches, until aborted. */
  private async drain(emit: Emit, signal: AbortSignal): Promise<void> {
    const onAbort = (): void => this.wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        if (this.queue.length === 0) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        const batch = this.queue;
        this.queue = [];
        const last = batch[batch.length - 1]!.position['request'];
        if (!this.kafka && typeof last === 'number') this.emitted = last;
        await emit(batch);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async offer(values: readonly unknown[]): Promise<OfferResult | 'full'> {
    const { good, rejected } = validate(this.decode, values);
    const kept = values.filter((v) => !(typeof v === 'string' && isBlank(v))).length;
    if (!this.kafka && this.queue.length + kept > this.settings.maxQueue) return 'full';
    const request = ++this.request;
    const at = (i: number): SourceRecord => ({ value: recordValue(values[i]), position: { request, index: i } });
    if (this.kafka) {
      if (good.length > 0) {
        await this.produce(good.map((i) => ({ value: typeof values[i] === 'string' ? (values[i] as string) : JSON.stringify(values[i]) })));
      }
      // Rejected records go to the job's dead letters (in memory: they were never produced).
      for (const r of rejected) this.queue.push(at(r.index));
    } else {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (typeof v === 'string' && isBlank(v)) continue;
        this.queue.push(at(i));
      }
    }
    if (this.queue.length > 0) this.wake?.();
    return { accepted: good.length, rejected: rejected.filter((r) => r.reason !== 'blank (whitespace only)') };
  }

  /**
   * Group commit: the producer sends one request at a time, so messages offered while one is in
   * flight wait and go together in the next; each offer resolves once the send holding its
   * messages is acknowledged (by all in-sync replicas).
   */
  private produce(messages: OutMessage[]): Promise<void> {
    let next = this.nextSend;
    if (!next) {
      const batch: OutMessage[] = [];
      const after = this.sending;
      const promise = after.then(async () => {
        this.nextSend = undefined;
        const producer = await (this.producer ??= this.connectProducer());
        await producer.send(this.settings.topic!, batch);
      });
      this.sending = promise.catch(() => {});
      next = this.nextSend = { batch, promise };
    }
    for (const m of messages) next.batch.push(m);
    return next.promise;
  }

  private async connectProducer(): Promise<KafkaProducer> {
    const p = kafkaClient(this.def.options, `sluice-${this.def.name}`).producer();
    await p.connect();
    return p;
  }
}

export const httpSource: SourceConnector = {
  name: 'http',
  options: ['connector', 'path', 'topic', 'format', 'max_body', 'max_queue', 'startup', 'group', 'idle_timeout', 'dead_letter', 'late', ...CLIENT_OPTIONS],
  identity: ['connector', 'path', 'topic', 'format', 'group', 'dead_letter', 'late'],
  open(def: SourceDef, resume?: ResumePosition): SourceReader {
    return new HttpReader(def, resume);
  },
};
