// Kafka producers, run on a worker thread of their own. kafkajs encodes each message on the
// thread that sends it (record and batch encoders, partitioning, CRC; ~9 µs of CPU a message
// here), which on the engine's thread costs as much as a window aggregate. One worker per process
// hosts every producer of the process (sinks, dead-letter and late topics, scaled-out tasks); the
// engine hands it each send's messages (structured clone) and awaits its answer as it would
// kafkajs's; the worker starts requests in the order they were made.
// SLUICE_KAFKA_PRODUCER=inline keeps producers on the calling thread (the benchmark compares both).

import { Worker } from 'node:worker_threads';
import { Partitioners, type Kafka, type ProducerConfig, type ProducerRecord, type TopicOffsets } from 'kafkajs';
import { log } from '../../util/log.js';
import { clientOf } from './client.js';

/** What the connectors use of a kafkajs producer. */
export interface KafkaProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: ProducerRecord): Promise<unknown>;
  transaction(): Promise<KafkaTransaction>;
}

export interface KafkaTransaction {
  send(record: ProducerRecord): Promise<unknown>;
  sendOffsets(offsets: { consumerGroupId: string; topics: TopicOffsets[] }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Producer settings (the partitioner is always kafkajs's default one). */
export type ProducerSettings = Omit<ProducerConfig, 'createPartitioner'>;

/** A request to the worker; `id` matches the answer. */
export type ProducerRequest =
  | { id: number; op: 'open'; producer: number; options: Readonly<Record<string, string>>; clientId: string; settings: ProducerSettings }
  | { id: number; op: 'connect' | 'disconnect' | 'transaction'; producer: number }
  | { id: number; op: 'send'; producer: number; record: ProducerRecord }
  | { id: number; op: 'txn'; txn: number; method: 'send' | 'sendOffsets' | 'commit' | 'abort'; arg?: unknown };

/** An error crossing the thread: what callers look at (message, kafkajs's type and retriable flag). */
export interface ErrorData {
  name: string;
  message: string;
  type?: string;
  code?: number;
  retriable?: boolean;
}

export type ProducerAnswer =
  | { id: number; ok: true; value?: unknown }
  | { id: number; ok: false; error: ErrorData }
  | { log: { level: 'warn' | 'error'; text: string; fields: Record<string, unknown> } };

export function errorData(e: unknown): ErrorData {
  const err = e as { name?: string; message?: string; type?: string; code?: number; retriable?: boolean } | undefined;
  const out: ErrorData = { name: err?.name ?? 'Error', message: err?.message ?? String(e) };
  if (typeof err?.type === 'string') out.type = err.type;
  if (typeof err?.code === 'number') out.code = err.code;
  if (typeof err?.retriable === 'boolean') out.retriable = err.retriable;
  return out;
}

function toError(d: ErrorData): Error {
  return Object.assign(new Error(d.message), { name: d.name, type: d.type, code: d.code, retriable: d.retriable });
}

/** The process's producer thread: started on first use, holding the process open only while a call is under way. */
class ProducerThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failed: Error | undefined;

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./producer-worker.js', import.meta.url));
    w.unref();
    w.on('message', (a: ProducerAnswer) => this.answer(a));
    w.on('error', (e) => this.fail(e));
    w.on('exit', (code) => this.fail(new Error(`the Kafka producer thread exited (code ${code})`)));
    this.worker = w;
    return w;
  }

  private answer(a: ProducerAnswer): void {
    if ('log' in a) {
      if (a.log.level === 'error') log.error(a.log.text, a.log.fields);
      else log.warn(a.log.text, a.log.fields);
      return;
    }
    const w = this.waiting.get(a.id);
    if (!w) return;
    this.waiting.delete(a.id);
    if (this.waiting.size === 0) this.worker?.unref();
    if (a.ok) w.resolve(a.value);
    else w.reject(toError(a.error));
  }

  private fail(e: Error): void {
    this.failed ??= e;
    this.worker = undefined;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  call(request: DistributiveOmit<ProducerRequest, 'id'>): Promise<unknown> {
    if (this.failed) return Promise.reject(this.failed);
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) w.ref();
      this.waiting.set(id, { resolve, reject });
      w.postMessage({ ...request, id });
    });
  }

  newHandle(): number {
    return this.nextId++;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

let thread: ProducerThread | undefined;

class ThreadTransaction implements KafkaTransaction {
  constructor(private readonly t: ProducerThread, private readonly txn: number) {}
  private call(method: 'send' | 'sendOffsets' | 'commit' | 'abort', arg?: unknown): Promise<unknown> {
    return this.t.call({ op: 'txn', txn: this.txn, method, arg });
  }
  send(record: ProducerRecord): Promise<unknown> {
    return this.call('send', record);
  }
  async sendOffsets(offsets: { consumerGroupId: string; topics: TopicOffsets[] }): Promise<void> {
    await this.call('sendOffsets', offsets);
  }
  async commit(): Promise<void> {
    await this.call('commit');
  }
  async abort(): Promise<void> {
    await this.call('abort');
  }
}

class ThreadProducer implements KafkaProducer {
  private readonly opened: Promise<unknown>;
  constructor(private readonly t: ProducerThread, private readonly id: number, options: Readonly<Record<string, string>>, clientId: string, settings: ProducerSettings) {
    this.opened = t.call({ op: 'open', producer: id, options, clientId, settings });
    // A failure to open surfaces at the first call that awaits it.
    this.opened.catch(() => {});
  }
  private async call(op: 'connect' | 'disconnect' | 'transaction'): Promise<unknown> {
    await this.opened;
    return this.t.call({ op, producer: this.id });
  }
  async connect(): Promise<void> {
    await this.call('connect');
  }
  async disconnect(): Promise<void> {
    await this.call('disconnect');
  }
  async send(record: ProducerRecord): Promise<unknown> {
    await this.opened;
    return this.t.call({ op: 'send', producer: this.id, record });
  }
  async transaction(): Promise<KafkaTransaction> {
    return new ThreadTransaction(this.t, (await this.call('transaction')) as number);
  }
}

/**
 * A producer for the client `kafka` (made by kafkaClient) on the process's producer thread, or on
 * this thread with SLUICE_KAFKA_PRODUCER=inline.
 */
export function openProducer(kafka: Kafka, settings: ProducerSettings): KafkaProducer {
  if (process.env['SLUICE_KAFKA_PRODUCER'] === 'inline') return kafka.producer({ ...settings, createPartitioner: Partitioners.DefaultPartitioner });
  const client = clientOf(kafka);
  thread ??= new ProducerThread();
  return new ThreadProducer(thread, thread.newHandle(), client.options, client.clientId, settings);
}
