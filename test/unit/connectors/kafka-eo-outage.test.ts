// The exactly-once Kafka sink through a broker outage, on a simulated broker (transactions,
// epochs that fence older producers, committed offsets with markers) with failures injected at
// chosen calls: a send failing mid-transaction, a commit failing before or after it took
// effect. Whatever failed, the committed output holds every message exactly once, in order; a
// fence that is not preceded by an outage still ends the job.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Column, SourceDef } from '../../../src/catalog/catalog.js';
import { T } from '../../../src/catalog/types.js';
import type { CheckpointSource } from '../../../src/connectors/connector.js';
import { KafkaTransactionalWriter } from '../../../src/connectors/kafka/transactional-sink.js';
import { KafkaFencedError, type GroupCommit, type KafkaClient, type OutMessage } from '../../../src/connectors/kafka/port.js';
import { configureLog } from '../../../src/util/log.js';

configureLog({ write: () => {} });

type Op = 'send' | 'sendOffsets' | 'commit';
interface Failure {
  readonly op: Op;
  /** commit only: the commit takes effect before the error reaches the client (a lost reply). */
  readonly applied?: boolean;
  readonly error: Error;
}

const connectionError = (): Error => Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9292'), { name: 'KafkaJSConnectionError', retriable: true });
const fenced = (): Error => new KafkaFencedError('The producer has been fenced');

/** One transactional id's broker side, behind the port (connectors/kafka/port.ts): committed messages, group markers, the current epoch, failures to inject. */
class Broker {
  readonly committed: string[] = [];
  readonly markers = new Map<string, { offset: string; metadata: string }>();
  epoch = 0;
  commits = 0;
  failures: Failure[] = [];

  private fail(op: Op): Failure | undefined {
    const i = this.failures.findIndex((f) => f.op === op);
    return i < 0 ? undefined : this.failures.splice(i, 1)[0];
  }

  kafka(): KafkaClient {
    const broker = this;
    const admin = {
      connect: async () => {},
      disconnect: async () => {},
      listTopics: async () => ['out'],
      createTopic: async () => {},
      groupOffsets: async () => [...broker.markers].map(([p, m]) => ({ partition: Number(p), offset: BigInt(m.offset), metadata: m.metadata })),
    };
    const transactionalProducer = () => {
      let epoch: number | undefined;
      const live = (): void => {
        if (epoch !== broker.epoch) throw fenced();
      };
      return {
        // Connecting initializes the producer id: a new epoch, fencing older producers and aborting their open transactions.
        connect: async () => {
          epoch = ++broker.epoch;
        },
        disconnect: async () => {},
        begin: async () => {
          const pending: string[] = [];
          const offsets: Array<{ partition: number; offset: string; metadata: string }> = [];
          return {
            send: async (_topic: string, messages: readonly OutMessage[]) => {
              live();
              const f = broker.fail('send');
              if (f) throw f.error;
              for (const m of messages) pending.push(`${m.key}|${m.value}`);
            },
            sendOffsets: async (o: GroupCommit) => {
              live();
              const f = broker.fail('sendOffsets');
              if (f) throw f.error;
              offsets.push(...o.partitions);
            },
            commit: async () => {
              live();
              const f = broker.fail('commit');
              if (f && !f.applied) throw f.error;
              broker.committed.push(...pending);
              for (const p of offsets) broker.markers.set(String(p.partition), { offset: p.offset, metadata: p.metadata });
              broker.commits++;
              if (f) throw f.error;
            },
            abort: async () => {},
          };
        },
      };
    };
    return { admin: () => admin, transactionalProducer } as unknown as KafkaClient;
  }
}

const columns: Column[] = [
  { name: 'k', type: T.varchar },
  { name: 'n', type: T.int },
];
const source: SourceDef = { name: 'ev', columns: [], options: { connector: 'kafka', topic: 'in', group: 'g' }, span: { start: 0, end: 0, line: 1, column: 1 }, baseDir: '', sourceText: '' } as unknown as SourceDef;
const at = (offset: number): CheckpointSource[] => [{ def: source, position: { topic: 'in', next: { '0': String(offset) } } }];

/** Two checkpoint intervals of output (rows k1..k10, then k11..k20), sends of 2 messages each. */
async function run(broker: Broker): Promise<string[]> {
  const w = new KafkaTransactionalWriter(broker.kafka(), columns, { topic: 'out', key: [0], batchSize: 2, partitions: 1 }, 'tid', new Map(), undefined);
  const written: string[] = [];
  try {
    for (const [id, from] of [[1, 1], [2, 11]] as const) {
      for (let i = from; i < from + 10; i += 2) {
        w.write({ rows: [[`k${i}`, i], [`k${i + 1}`, i + 1]], ops: null });
        written.push(`k${i}|{"k":"k${i}","n":${i}}`, `k${i + 1}|{"k":"k${i + 1}","n":${i + 1}}`);
        await w.relieve();
      }
      w.prepareCheckpoint(id);
      await w.flush();
      await w.commitCheckpoint(id, at(id * 100));
    }
  } finally {
    await w.close();
  }
  return written;
}

test('a send failing mid-transaction: the transaction is redone with a new producer, every message committed once', async () => {
  const b = new Broker();
  // The third send of the first interval (two sends already in the open transaction).
  b.failures = [{ op: 'send', error: connectionError() }];
  const sent = run(b);
  // Sends before the failure went into the transaction that the new producer's epoch aborts.
  const written = await sent;
  assert.deepEqual(b.committed, written);
  assert.equal(b.commits, 2);
  assert.ok(b.epoch >= 2, 'a new producer took over');
  assert.match(b.markers.get('0')!.metadata, /^sluice:[^:]+:2$/);
});

test('a commit that failed before taking effect is redone: messages and offsets once', async () => {
  const b = new Broker();
  b.failures = [{ op: 'commit', error: connectionError() }];
  const written = await run(b);
  assert.deepEqual(b.committed, written);
  assert.equal(b.commits, 2);
});

test('a commit that took effect although its reply was lost is not redone: the marker says it went through', async () => {
  const b = new Broker();
  b.failures = [{ op: 'commit', applied: true, error: connectionError() }];
  const written = await run(b);
  assert.deepEqual(b.committed, written);
  assert.equal(b.commits, 2);
});

test('failures on several calls in a row, sendOffsets among them: still exactly once', async () => {
  const b = new Broker();
  b.failures = [
    { op: 'send', error: connectionError() },
    { op: 'sendOffsets', error: connectionError() },
    { op: 'commit', applied: true, error: connectionError() },
    { op: 'commit', error: connectionError() },
  ];
  const written = await run(b);
  assert.deepEqual(b.committed, written);
});

test('a fence with no outage before it (another process took the transactional id) still ends the job', async () => {
  const b = new Broker();
  b.failures = [{ op: 'send', error: fenced() }];
  await assert.rejects(run(b), /kafka sink 'out' \(exactly-once\): The producer has been fenced/);
  assert.deepEqual(b.committed, []);
});
