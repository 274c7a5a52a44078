// The process's Kafka thread: one worker (worker.ts) that runs the kafkajs producers, so that
// encoding produced messages (record and batch encoders, partitioning, CRC) happens beside the
// engine, not on its thread. Calls are requests answered by id. The thread holds the process
// open only while a call is under way. SLUICE_KAFKA_THREAD=off keeps producers on the calling
// thread (the benchmark compares both). Consumers stay on the engine's thread: fetching and
// decoding here too (tried: batches packed into transferred buffers, fetched a few ahead) was
// slower on 2 cores, the engine then waiting for a thread that also produces (bench:kafka
// 3.4-3.8 s against 3.1-3.5 s per 1M events).

import { Worker } from 'node:worker_threads';
import { toLog } from './client.js';

/** An error crossing the thread: what callers look at (message, kafkajs's type and retriable flag). */
export interface ErrorData {
  name: string;
  message: string;
  type?: string;
  code?: number;
  retriable?: boolean;
  /** What kafkajs wrapped (KafkaJSNumberOfRetriesExceeded around the last failure): retry.ts classifies by it. */
  cause?: ErrorData;
}

export function errorData(e: unknown, depth = 0): ErrorData {
  const err = e as { name?: string; message?: string; type?: string; code?: number; retriable?: boolean; cause?: unknown } | undefined;
  const out: ErrorData = { name: err?.name ?? 'Error', message: err?.message ?? String(e) };
  if (typeof err?.type === 'string') out.type = err.type;
  if (typeof err?.code === 'number') out.code = err.code;
  if (typeof err?.retriable === 'boolean') out.retriable = err.retriable;
  if (err?.cause !== undefined && err.cause !== null && typeof err.cause === 'object' && depth < 4) out.cause = errorData(err.cause, depth + 1);
  return out;
}

export function toError(d: ErrorData): Error {
  return Object.assign(new Error(d.message), { name: d.name, type: d.type, code: d.code, retriable: d.retriable, ...(d.cause ? { cause: toError(d.cause) } : {}) });
}

/** What the worker posts: an answer or a log line. */
export type WorkerMessage =
  | { id: number; ok: true; value?: unknown }
  | { id: number; ok: false; error: ErrorData }
  | { log: { level: 'warn' | 'error'; text: string; fields: Record<string, unknown> } };

export function threadEnabled(): boolean {
  return process.env['SLUICE_KAFKA_THREAD'] !== 'off';
}

/**
 * Node flags for the worker: undefined to inherit the process's as Node does, or, when the
 * process was started with flags about its main entry's source (`node --input-type=module -e
 * ...`, which would make the worker read its own file as something else and not start), the
 * process's flags without them.
 */
export function workerFlags(execArgv: readonly string[]): string[] | undefined {
  const entry = new Set(['--input-type', '-e', '--eval', '-p', '--print']);
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    const name = a.split('=')[0]!;
    if (!entry.has(name)) out.push(a);
    // `--input-type module`, `-e <code>`: the value goes too.
    else if (!a.includes('=') && i + 1 < execArgv.length) i++;
  }
  return out.length === execArgv.length ? undefined : out;
}

/** The Kafka thread's worker, with workerFlags(); flags Node refuses for a worker (per-process ones, such as --v8-pool-size) are dropped. */
function startWorker(url: URL): Worker {
  const execArgv = workerFlags(process.execArgv);
  if (execArgv === undefined) return new Worker(url);
  try {
    return new Worker(url, { execArgv });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    return new Worker(url, { execArgv: [] });
  }
}

export class KafkaThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failed: Error | undefined;

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = startWorker(new URL('./worker.js', import.meta.url));
    w.unref();
    w.on('message', (m: WorkerMessage) => this.receive(m));
    w.on('error', (e) => this.fail(e));
    w.on('exit', (code) => this.fail(new Error(`the Kafka thread exited (code ${code})`)));
    this.worker = w;
    return w;
  }

  private receive(m: WorkerMessage): void {
    if ('log' in m) {
      toLog(m.log.level, m.log.text, m.log.fields);
      return;
    }
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    this.holdOpen();
    if (m.ok) w.resolve(m.value);
    else w.reject(toError(m.error));
  }

  private fail(e: Error): void {
    this.failed ??= e;
    this.worker = undefined;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  /** Keeps the process alive while a call is under way. */
  private holdOpen(): void {
    if (this.waiting.size > 0) this.worker?.ref();
    else this.worker?.unref();
  }

  call(request: Record<string, unknown>): Promise<unknown> {
    if (this.failed) return Promise.reject(this.failed);
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.holdOpen();
      w.postMessage({ ...request, id });
    });
  }

  newHandle(): number {
    return this.nextId++;
  }
}

let thread: KafkaThread | undefined;

export function kafkaThread(): KafkaThread {
  thread ??= new KafkaThread();
  return thread;
}
