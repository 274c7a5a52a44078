// The Kafka thread's side of thread.ts: kafkajs producers and their transactions by handle, each
// request answered when kafkajs settles it. Log lines of kafkajs go back to the engine's log
// (which redacts secrets and knows the output format).

import { parentPort } from 'node:worker_threads';
import type { Producer, ProducerRecord, Transaction } from 'kafkajs';
import type { ClientSettings } from '../port.js';
import { kafkajsClient, type KafkaLogSink } from './client.js';
import { kafkajsProducer, type ProducerSettings } from './producer.js';
import { errorData, type WorkerMessage } from './thread.js';

type Request = { id: number; op: string } & Record<string, unknown>;

const port = parentPort!;
const producers = new Map<number, Producer>();
const transactions = new Map<number, Transaction>();
let nextTxn = 1;

function post(m: WorkerMessage): void {
  port.postMessage(m);
}

const forwardLog: KafkaLogSink = (level, text, fields) => post({ log: { level, text, fields } });

/** Buffers cross the thread as Uint8Arrays, which kafkajs would encode wrong: back to Buffers. */
function asBuffer(v: unknown): unknown {
  return v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
}

function revive(record: ProducerRecord): ProducerRecord {
  for (const m of record.messages) {
    if (m.key !== null && m.key !== undefined && typeof m.key !== 'string') m.key = asBuffer(m.key) as Buffer;
    if (m.value !== null && typeof m.value !== 'string') m.value = asBuffer(m.value) as Buffer;
    if (m.headers) {
      for (const [k, v] of Object.entries(m.headers)) m.headers[k] = (Array.isArray(v) ? v.map(asBuffer) : asBuffer(v)) as Buffer;
    }
  }
  return record;
}

function producer(id: unknown): Producer {
  const p = producers.get(id as number);
  if (!p) throw new Error(`no producer ${String(id)} on the Kafka thread`);
  return p;
}

async function handle(r: Request): Promise<unknown> {
  switch (r.op) {
    case 'producer.open':
      producers.set(r['producer'] as number, kafkajsProducer(kafkajsClient(r['client'] as ClientSettings, forwardLog), r['settings'] as ProducerSettings));
      return undefined;
    case 'producer.connect':
      await producer(r['producer']).connect();
      return undefined;
    case 'producer.disconnect':
      await producer(r['producer']).disconnect();
      producers.delete(r['producer'] as number);
      return undefined;
    case 'producer.send':
      await producer(r['producer']).send(revive(r['record'] as ProducerRecord));
      return undefined;
    case 'producer.transaction': {
      const t = await producer(r['producer']).transaction();
      const id = nextTxn++;
      transactions.set(id, t);
      return id;
    }
    case 'txn': {
      const id = r['txn'] as number;
      const t = transactions.get(id);
      if (!t) throw new Error(`no transaction ${id} on the Kafka thread`);
      const arg = r['arg'];
      if (r['method'] === 'send') await t.send(revive(arg as ProducerRecord));
      else if (r['method'] === 'sendOffsets') await t.sendOffsets(arg as Parameters<Transaction['sendOffsets']>[0]);
      else if (r['method'] === 'commit') await t.commit();
      else await t.abort();
      // Kept after a failed commit: the caller retries it or aborts.
      if (r['method'] === 'commit' || r['method'] === 'abort') transactions.delete(id);
      return undefined;
    }
    default:
      throw new Error(`unknown request '${r.op}' on the Kafka thread`);
  }
}

port.on('message', (r: Request) => {
  handle(r).then(
    (value) => post({ id: r.id, ok: true, value }),
    (e: unknown) => post({ id: r.id, ok: false, error: errorData(e) }),
  );
});
