// The exactly-once `kafka` sink writer: one Kafka transaction per checkpoint interval. At the
// checkpoint barrier the output since the previous checkpoint is sealed (prepareCheckpoint) and
// stored in the checkpoint; once the checkpoint is durable the transaction commits together with
// the sources' next offsets, sent to their consumer groups (commitCheckpoint). Each committed
// offset carries a marker `sluice:<epoch>:<checkpoint id>`, so a restore tells whether the
// restored checkpoint's transaction committed; if it did not, recover() sends the stored output
// again with the same offsets in a fresh transaction. A new producer with the same
// transactionalId aborts whatever a crashed process left open (read-committed consumers never
// see it). The dead-letter and late topics of the sink's sources may join the transaction
// (side-output.ts): their messages are sealed, stored, committed and re-sent with the output.

import { randomUUID } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';
import type { Column } from '../../catalog/catalog.js';
import type { Row } from '../../catalog/types.js';
import type { Op } from '../../exec/operator.js';
import type { CheckpointSource, SinkPosition, SinkWriter } from '../connector.js';
import { compileEncoder } from '../format/encode.js';
import { ensureTopic } from './client.js';
import { compileKeyEncoder, upsertMessages, type KafkaSinkSettings } from './sink.js';
import { MAX_SENDS, SendChain } from './send-chain.js';
import { kafkaPosition, kafkaSourceSettings } from './source.js';
import { log } from '../../util/log.js';
import { openProducer, sendInSlices, type KafkaProducer, type KafkaTransaction } from './producer.js';
import { loadSideMessage, storeSideMessage, type StoredSideMessage } from './side-message.js';
import type { SideCarrier } from './side-output.js';

/** What a checkpoint stores for this sink: the sealed output of its transaction. */
interface Sealed {
  readonly epoch: string;
  readonly id: number;
  /** [key, value] per message, in send order. */
  readonly messages: ReadonlyArray<readonly [string | null, string | null]>;
  /** Side-output messages (dead letters, late records) of the same interval, in send order per topic. */
  readonly side?: readonly StoredSideMessage[];
}

interface GroupOffsets {
  readonly group: string;
  readonly topic: string;
  readonly partitions: Array<{ partition: number; offset: string; metadata: string }>;
}

/** `sluice:<epoch>:<checkpoint id>`, the metadata of each committed offset (read by markers.ts too). */
export const MARKER = /^sluice:([^:]+):(\d+)$/;

/** The consumer-group offsets to commit with checkpoint `id`: each Kafka source's next offsets. */
export function groupOffsets(sources: readonly CheckpointSource[], epoch: string, id: number): GroupOffsets[] {
  const out: GroupOffsets[] = [];
  for (const s of sources) {
    const pos = kafkaPosition(s.position);
    if (pos === undefined) continue;
    const partitions = Object.entries(pos.next).map(([p, offset]) => ({ partition: Number(p), offset, metadata: `sluice:${epoch}:${id}` }));
    if (partitions.length > 0) out.push({ group: kafkaSourceSettings(s.def).group, topic: pos.topic, partitions });
  }
  return out;
}

function isConcurrent(e: unknown): boolean {
  const err = e as { type?: string; message?: string; retriable?: boolean } | undefined;
  return err?.type === 'CONCURRENT_TRANSACTIONS' || /concurrent transactions/i.test(err?.message ?? '');
}

/** Retries CONCURRENT_TRANSACTIONS (the coordinator still finishing the previous transaction), which kafkajs leaves to the caller for sendOffsets. */
export async function retryConcurrent<T>(f: () => Promise<T>, attempts = 30): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (e) {
      if (!isConcurrent(e) || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, Math.min(50 * (i + 1), 1000)));
    }
  }
}

/**
 * Connects a transactional producer and initializes its transactional producer id at once.
 * WHY: kafkajs's connect() asks only for an idempotent producer id; the transactional one (which
 * bumps the epoch, fencing a previous producer with the same transactionalId, and aborts or
 * completes that producer's open transaction) comes with the first transaction(). Until then a
 * previous owner could still commit, so state read before it may already be stale.
 */
export async function connectTransactional(producer: KafkaProducer): Promise<void> {
  await retryConcurrent(() => producer.connect());
  const txn = await retryConcurrent(() => producer.transaction());
  // Nothing was added: kafkajs ends it locally without an EndTxn.
  await txn.abort();
}

export class KafkaTransactionalWriter implements SinkWriter, SideCarrier {
  private readonly producer: KafkaProducer;
  private readonly encodeValue: (row: Row, op: Op) => string;
  private readonly encodeKey: (row: Row) => string | null;
  /** Output since the last barrier, in order (what the next prepareCheckpoint seals). */
  private current: Array<[string | null, string | null]> = [];
  /** Side-output messages since the last barrier (sealed with `current`). */
  private currentSide: StoredSideMessage[] = [];
  /** Written but not yet handed to the send chain. */
  private pending: Message[] = [];
  /** Side-output messages written but not yet handed to the send chain, by topic. */
  private pendingSide = new Map<string, Message[]>();
  private pendingSideCount = 0;
  /** Side topics created (or found), each once. */
  private readonly sideTopics = new Map<string, Promise<void>>();
  /** Sends, commits and recovery, one after another. */
  private readonly chain = new SendChain();
  /** The chain up to the last sealed output (what flush waits for while a commit is pending). */
  private sealedSent: Promise<void> | undefined;
  private gate: { release: (sources: readonly CheckpointSource[] | undefined) => void; committed: Promise<void> } | undefined;
  private txn: KafkaTransaction | undefined;
  private ready: Promise<void> | undefined;
  private closed = false;
  private readonly epoch: string;
  private readonly resume: Sealed | undefined;

  constructor(
    private readonly kafka: Kafka,
    columns: readonly Column[],
    readonly settings: KafkaSinkSettings,
    readonly transactionalId: string,
    resume: SinkPosition | undefined,
  ) {
    this.producer = openProducer(kafka, {
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    this.encodeValue = compileEncoder(columns, false);
    this.encodeKey = compileKeyEncoder(columns, settings.key);
    const r = resume as unknown as Sealed | undefined;
    this.resume = r && typeof r.epoch === 'string' && Array.isArray(r.messages) ? r : undefined;
    // A fresh start gets a new epoch, so markers of an earlier run (before --fresh) never match.
    this.epoch = this.resume?.epoch ?? randomUUID().slice(0, 8);
    // Topic, connection and fencing while the sources start (a failure surfaces at the first use).
    this.start().catch(() => {});
  }

  /** Connecting initializes the producer id, which fences a crashed process's producer and aborts its open transaction. */
  private start(): Promise<void> {
    this.ready ??= (async () => {
      await ensureTopic(this.kafka, this.settings.topic, this.settings.partitions);
      await connectTransactional(this.producer);
    })();
    return this.ready;
  }

  private async transaction(): Promise<KafkaTransaction> {
    if (this.txn === undefined) {
      await this.start();
      this.txn = await retryConcurrent(() => this.producer.transaction());
    }
    return this.txn;
  }

  private async sendAll(messages: readonly Message[], side: ReadonlyMap<string, readonly Message[]>): Promise<void> {
    const txn = await this.transaction();
    if (messages.length > 0) await sendInSlices(txn, this.settings.topic, messages, this.settings.batchSize, retryConcurrent);
    for (const [topic, list] of side) {
      await this.sideTopic(topic);
      await sendInSlices(txn, topic, list, this.settings.batchSize, retryConcurrent);
    }
  }

  /** A side topic is created like an unmanaged one (the broker's default partitions), before its first message. */
  private sideTopic(topic: string): Promise<void> {
    let p = this.sideTopics.get(topic);
    if (p === undefined) {
      p = ensureTopic(this.kafka, topic);
      this.sideTopics.set(topic, p);
    }
    return p;
  }

  private async commit(offsets: readonly GroupOffsets[]): Promise<void> {
    if (this.txn === undefined && offsets.length === 0) return;
    const txn = await this.transaction();
    for (const o of offsets) {
      await retryConcurrent(() => txn.sendOffsets({ consumerGroupId: o.group, topics: [{ topic: o.topic, partitions: o.partitions }] }));
    }
    await retryConcurrent(() => txn.commit());
    this.txn = undefined;
  }

  write(batch: { rows: readonly Row[]; ops: readonly Op[] | null }): void {
    upsertMessages(batch.rows, batch.ops, this.encodeKey, this.encodeValue, (key, value) => {
      this.pending.push({ key, value });
      this.current.push([key, value]);
    });
    if (this.pending.length + this.pendingSideCount >= this.settings.batchSize) this.send();
  }

  /**
   * A dead-letter or late message for `topic`, written in this sink's transaction: committed
   * with the output of the same checkpoint interval, re-sent with it by recover().
   */
  writeSide(topic: string, message: Message): void {
    let list = this.pendingSide.get(topic);
    if (list === undefined) this.pendingSide.set(topic, (list = []));
    list.push(message);
    this.pendingSideCount++;
    this.currentSide.push(storeSideMessage(topic, message));
    if (this.pending.length + this.pendingSideCount >= this.settings.batchSize) this.send();
  }

  private send(): void {
    if (this.pending.length === 0 && this.pendingSideCount === 0) return;
    const messages = this.pending;
    const side = this.pendingSide;
    this.pending = [];
    this.pendingSide = new Map();
    this.pendingSideCount = 0;
    void this.chain.add(() => this.sendAll(messages, side));
  }

  prepareCheckpoint(id: number): SinkPosition {
    this.send();
    const sealed: Sealed = { epoch: this.epoch, id, messages: this.current, ...(this.currentSide.length > 0 ? { side: this.currentSide } : {}) };
    this.current = [];
    this.currentSide = [];
    this.sealedSent = this.chain.done;
    let release!: (sources: readonly CheckpointSource[] | undefined) => void;
    const sources = new Promise<readonly CheckpointSource[] | undefined>((r) => (release = r));
    // Not counted by relieve(): it waits for the checkpoint, which may be what the caller is about to write.
    const committed = this.chain.add(async () => {
      const s = await sources;
      // undefined: the checkpoint failed or the job is closing; the transaction stays open and is aborted.
      if (s === undefined) return;
      // Fault injection for the crash tests: die between the checkpoint and its commit (of
      // checkpoint <id>, or of the first one holding side-output messages).
      const kill = process.env['SLUICE_TEST_KILL_BEFORE_COMMIT'];
      if (kill === String(id) || (kill === 'side' && sealed.side !== undefined)) process.kill(process.pid, 'SIGKILL');
      await this.commit(groupOffsets(s, this.epoch, id));
    }, false);
    this.gate = { release, committed };
    return sealed as unknown as SinkPosition;
  }

  async commitCheckpoint(_id: number, sources: readonly CheckpointSource[]): Promise<void> {
    const g = this.gate;
    if (g === undefined) return;
    this.gate = undefined;
    this.sealedSent = undefined;
    g.release(sources);
    await g.committed;
    this.check();
  }

  async recover(sources: readonly CheckpointSource[]): Promise<void> {
    await this.start();
    const sealed = this.resume;
    if (sealed === undefined) return;
    const offsets = groupOffsets(sources, sealed.epoch, sealed.id);
    if (offsets.length === 0 || (await this.committed(offsets, sealed))) return;
    const side = new Map<string, Message[]>();
    for (const m of sealed.side ?? []) {
      let list = side.get(m.topic);
      if (list === undefined) side.set(m.topic, (list = []));
      list.push(loadSideMessage(m));
    }
    const sideCount = sealed.side?.length ?? 0;
    log.warn(
      `sluice: kafka sink '${this.settings.topic}': the transaction of checkpoint ${sealed.id} never committed; committing its ${sealed.messages.length} messages${sideCount > 0 ? `, ${sideCount} dead-letter/late messages` : ''} and offsets now`,
      { event: 'recommit', topic: this.settings.topic, checkpoint: sealed.id, messages: sealed.messages.length, sideMessages: sideCount },
    );
    await this.chain.add(async () => {
      await this.sendAll(sealed.messages.map(([key, value]) => ({ key, value })), side);
      await this.commit(offsets);
    });
    this.check();
  }

  /** True when the group's committed offsets carry this checkpoint's marker (or a later one of the same epoch). */
  private async committed(offsets: readonly GroupOffsets[], sealed: Sealed): Promise<boolean> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (const o of offsets) {
        const got = (await admin.fetchOffsets({ groupId: o.group, topics: [o.topic] }))[0]?.partitions ?? [];
        for (const p of o.partitions) {
          const c = got.find((x) => x.partition === p.partition);
          const m = MARKER.exec(c?.metadata ?? '');
          if (!m || m[1] !== sealed.epoch || Number(m[2]) < sealed.id) return false;
        }
      }
      return true;
    } finally {
      await admin.disconnect();
    }
  }

  private check(): void {
    this.chain.check(`kafka sink '${this.settings.topic}' (exactly-once)`);
  }

  async flush(): Promise<void> {
    // While a sealed transaction waits for its checkpoint, later output queues behind the commit.
    if (this.sealedSent !== undefined) {
      await this.sealedSent;
    } else {
      this.send();
      await this.chain.done;
    }
    this.check();
  }

  /** Backpressure after a source batch: output waits for the checkpoint's transaction, not for each batch's acknowledgements. */
  async relieve(): Promise<void> {
    this.send();
    await this.chain.relieve(MAX_SENDS);
    this.check();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A sealed transaction whose checkpoint never completed is aborted, as is output after the
    // last checkpoint: a restore sends both again.
    this.gate?.release(undefined);
    this.gate = undefined;
    await this.chain.done;
    if (this.txn) await this.txn.abort().catch(() => {});
    this.txn = undefined;
    if (this.ready) await this.producer.disconnect().catch(() => {});
  }
}
