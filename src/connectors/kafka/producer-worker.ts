// The producer thread's side of producer.ts: kafkajs producers and their transactions by handle,
// each request answered when kafkajs settles it. Log lines of kafkajs go back to the engine's
// log (which redacts secrets and knows the output format).

import { parentPort } from 'node:worker_threads';
import { Partitioners, type Producer, type ProducerRecord, type Transaction } from 'kafkajs';
import { kafkaClient } from './client.js';
import { errorData, type ProducerAnswer, type ProducerRequest } from './producer.js';

const port = parentPort!;
const producers = new Map<number, Producer>();
const transactions = new Map<number, Transaction>();
let nextTxn = 1;

function post(a: ProducerAnswer): void {
  port.postMessage(a);
}

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

function producer(id: number): Producer {
  const p = producers.get(id);
  if (!p) throw new Error(`no producer ${id} on the producer thread`);
  return p;
}

async function handle(r: ProducerRequest): Promise<unknown> {
  switch (r.op) {
    case 'open': {
      const kafka = kafkaClient(r.options, r.clientId, (level, text, fields) => post({ log: { level, text, fields } }));
      producers.set(r.producer, kafka.producer({ ...r.settings, createPartitioner: Partitioners.DefaultPartitioner }));
      return undefined;
    }
    case 'connect':
      await producer(r.producer).connect();
      return undefined;
    case 'disconnect':
      await producer(r.producer).disconnect();
      producers.delete(r.producer);
      return undefined;
    case 'send':
      await producer(r.producer).send(revive(r.record));
      return undefined;
    case 'transaction': {
      const t = await producer(r.producer).transaction();
      const id = nextTxn++;
      transactions.set(id, t);
      return id;
    }
    case 'txn': {
      const t = transactions.get(r.txn);
      if (!t) throw new Error(`no transaction ${r.txn} on the producer thread`);
      if (r.method === 'send') await t.send(revive(r.arg as ProducerRecord));
      else if (r.method === 'sendOffsets') await t.sendOffsets(r.arg as Parameters<Transaction['sendOffsets']>[0]);
      else if (r.method === 'commit') await t.commit();
      else await t.abort();
      // Kept after a failed commit: the caller retries it or aborts.
      if (r.method === 'commit' || r.method === 'abort') transactions.delete(r.txn);
      return undefined;
    }
  }
}

port.on('message', (r: ProducerRequest) => {
  handle(r).then(
    (value) => post({ id: r.id, ok: true, value }),
    (e: unknown) => post({ id: r.id, ok: false, error: errorData(e) }),
  );
});
