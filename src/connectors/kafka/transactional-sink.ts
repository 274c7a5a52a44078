// The exactly-once `kafka` sink writer: one Kafka transaction per checkpoint interval. At the
// checkpoint barrier the output since the previous checkpoint is sealed (prepareCheckpoint) and
// stored in the checkpoint; once the checkpoint is durable the transaction commits together with
// the sources' next offsets, sent to their consumer groups (commitCheckpoint; a further sink of
// the same source to a group of its own, sink.ts commitGroups). Each committed offset carries a
// marker `sluice:<epoch>:<checkpoint id>`, so a restore tells whether the restored
// checkpoint's transaction committed; if it did not, recover() sends the stored output
// again with the same offsets in a fresh transaction. A new producer with the same
// transactionalId aborts whatever a crashed process left open (read-committed consumers never
// see it). The dead-letter and late topics of the sink's sources may join the transaction
// (side-output.ts): their messages are sealed, stored, committed and re-sent with the output.
// A Kafka outage (retry.ts): a step of the transaction that fails retriably marks it broken; the
// next attempt replaces the producer (a new one with the same transactionalId fences the old
// epoch, which aborts the open transaction or completes a commit the coordinator had begun),
// asks the group's markers whether a failed commit went through after all, and otherwise sends
// the transaction's messages again before the step is retried. The messages since the last
// commit are held for that (they are the checkpoint's sealed output anyway).

import { randomUUID } from 'node:crypto';
import type { Column } from '../../catalog/catalog.js';
import type { Row } from '../../catalog/types.js';
import type { Op } from '../../catalog/batch.js';
import type { CheckpointSource, SinkPosition, SinkWriter } from '../connector.js';
import { compileEncoder } from '../format/encode.js';
import { ensureTopic, failIfTopicDeleted, withAdmin } from './client.js';
import { MARKER, marker, TXN_CHECKPOINT_BYTES } from './exactly-once.js';
import type { GroupCommit, KafkaClient, KafkaTransaction, OutMessage, TransactionalProducer } from './port.js';
import { isFencedError, isRetriable, withKafkaRetry } from './retry.js';
import { compileKeyEncoder, upsertMessages, type KafkaSinkSettings } from './sink-messages.js';
import { inSlices, MAX_SENDS, messageBytes, SendChain } from './send-chain.js';
import { kafkaPosition, kafkaSourceSettings } from './source.js';
import { log } from '../../util/log.js';
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

/**
 * The consumer-group offsets to commit with checkpoint `id`: each Kafka source's next offsets, to
 * the group `groups` names for it (sink.ts commitGroups; the source's own group when absent).
 */
export function groupOffsets(sources: readonly CheckpointSource[], epoch: string, id: number, groups: ReadonlyMap<string, string> = new Map()): GroupCommit[] {
  const out: GroupCommit[] = [];
  for (const s of sources) {
    const pos = kafkaPosition(s.position);
    if (pos === undefined) continue;
    const partitions = Object.entries(pos.next).map(([p, offset]) => ({ partition: Number(p), offset, metadata: marker(epoch, id) }));
    if (partitions.length > 0) out.push({ group: groups.get(s.def.name) ?? kafkaSourceSettings(s.def).group, topic: pos.topic, partitions });
  }
  return out;
}

export class KafkaTransactionalWriter implements SinkWriter, SideCarrier {
  private producer: TransactionalProducer;
  private readonly encodeValue: (row: Row, op: Op) => string;
  private readonly encodeKey: (row: Row) => string | null;
  /** Output since the last barrier, in order (what the next prepareCheckpoint seals), and its bytes. */
  private current: Array<[string | null, string | null]> = [];
  /** Side-output messages since the last barrier (sealed with `current`). */
  private currentSide: StoredSideMessage[] = [];
  private currentBytes = 0;
  /** Written but not yet handed to the send chain. */
  private pending: OutMessage[] = [];
  /** Side-output messages written but not yet handed to the send chain, by topic. */
  private pendingSide = new Map<string, OutMessage[]>();
  private pendingSideCount = 0;
  /** Side topics created (or found), each once. */
  private readonly sideTopics = new Map<string, Promise<void>>();
  /** Sends, commits and recovery, one after another. */
  private readonly chain = new SendChain();
  /** The chain up to the last sealed output (what flush waits for while a commit is pending). */
  private sealedSent: Promise<void> | undefined;
  private gate: { release: (sources: readonly CheckpointSource[] | undefined) => void; committed: Promise<void> } | undefined;
  private txn: KafkaTransaction | undefined;
  /** What was sent into the open transaction, in order: what a redo sends again. */
  private inTxn: Array<{ readonly topic: string; readonly messages: OutMessage[] }> = [];
  /** A step of the open transaction failed: the producer is replaced and the transaction redone first. */
  private broken = false;
  /** The commit under way: its checkpoint's marker tells whether a failed commit went through. */
  private committing: { readonly offsets: readonly GroupCommit[]; readonly id: number } | undefined;
  private ready: Promise<void> | undefined;
  private closed = false;
  private readonly epoch: string;
  private readonly resume: Sealed | undefined;

  constructor(
    private readonly kafka: KafkaClient,
    columns: readonly Column[],
    readonly settings: KafkaSinkSettings,
    readonly transactionalId: string,
    /** Where each source's offsets and markers are committed, by source name (sink.ts commitGroups). */
    private readonly groups: ReadonlyMap<string, string>,
    resume: SinkPosition | undefined,
  ) {
    this.producer = this.newProducer();
    this.encodeValue = compileEncoder(columns, false);
    this.encodeKey = compileKeyEncoder(columns, settings.key);
    const r = resume as unknown as Sealed | undefined;
    this.resume = r && typeof r.epoch === 'string' && Array.isArray(r.messages) ? r : undefined;
    // A fresh start gets a new epoch, so markers of an earlier run (before --fresh) never match.
    this.epoch = this.resume?.epoch ?? randomUUID().slice(0, 8);
    // Topic, connection and fencing while the sources start (a failure surfaces at the first use).
    this.start().catch(() => {});
  }

  private newProducer(): TransactionalProducer {
    return this.kafka.transactionalProducer(this.transactionalId);
  }

  private get what(): string {
    return `kafka sink '${this.settings.topic}' (exactly-once)`;
  }

  /** Connecting initializes the producer id, which fences a crashed process's producer and aborts its open transaction. */
  private start(): Promise<void> {
    this.ready ??= (async () => {
      await ensureTopic(this.kafka, this.settings.topic, this.settings.partitions);
      await withKafkaRetry(`${this.what}: connecting`, () => this.producer.connect());
    })();
    return this.ready;
  }

  /**
   * Runs one step of the open transaction, retried through an outage (see the header). A fence
   * is retried only after a retriable failure of the same step: the coordinator aborts a
   * transaction that outlives its timeout by bumping the epoch; a first fence means another
   * process took the transactional id, and ends the job as before.
   */
  private async step(what: string, op: (txn: KafkaTransaction) => Promise<void>): Promise<void> {
    let outage = false;
    const retriable = (e: unknown): boolean => {
      if (isRetriable(e)) return (outage = true);
      return outage && isFencedError(e);
    };
    await withKafkaRetry(`${this.what}: ${what}`, async () => {
      if (this.broken && (await this.redo())) return;
      try {
        await op(await this.transaction());
      } catch (e) {
        this.broken = true;
        throw e;
      }
    }, { retriable, beforeRetry: this.topicCheck });
  }

  /** Each topic of the transaction (the output's, the side topics') must still exist for a retry to help. */
  private readonly topicCheck = async (e: unknown): Promise<void> => {
    for (const topic of [this.settings.topic, ...this.sideTopics.keys()]) await failIfTopicDeleted(this.kafka, topic, this.what)(e);
  };

  /**
   * A new producer in place of the broken one, then the open transaction again: true when the
   * failed step was a commit that the group's markers show went through (nothing left to do).
   */
  private async redo(): Promise<boolean> {
    const old = this.producer;
    this.txn = undefined;
    void old.disconnect().catch(() => {});
    this.producer = this.newProducer();
    this.ready = Promise.resolve();
    // Fences the old epoch: the broker aborts its open transaction, or completes a commit it began.
    await this.producer.connect();
    const c = this.committing;
    if (c !== undefined && c.offsets.length > 0 && (await this.committed(c.offsets, this.epoch, c.id))) {
      log.warn(`sluice: ${this.what}: the commit of checkpoint ${c.id} went through before the failure`, { event: 'kafka-recommit', topic: this.settings.topic, checkpoint: c.id });
      this.afterCommit();
      this.broken = false;
      return true;
    }
    const txn = await this.transaction();
    let n = 0;
    for (const { topic, messages } of this.inTxn) {
      if (topic !== this.settings.topic) await this.sideTopic(topic);
      await inSlices(messages, this.settings.batchSize, (slice) => txn.send(topic, slice));
      n += messages.length;
    }
    log.warn(`sluice: ${this.what}: transaction redone with a new producer (${n} messages sent again)`, { event: 'kafka-redo', topic: this.settings.topic, messages: n });
    this.broken = false;
    return false;
  }

  private afterCommit(): void {
    this.txn = undefined;
    this.inTxn = [];
    this.committing = undefined;
  }

  private async transaction(): Promise<KafkaTransaction> {
    if (this.txn === undefined) {
      await this.start();
      this.txn = await this.producer.begin();
    }
    return this.txn;
  }

  private async sendAll(messages: OutMessage[], side: ReadonlyMap<string, OutMessage[]>): Promise<void> {
    await this.step('send', async (txn) => {
      if (messages.length > 0) await inSlices(messages, this.settings.batchSize, (slice) => txn.send(this.settings.topic, slice));
      for (const [topic, list] of side) {
        await this.sideTopic(topic);
        await inSlices(list, this.settings.batchSize, (slice) => txn.send(topic, slice));
      }
    });
    if (messages.length > 0) this.inTxn.push({ topic: this.settings.topic, messages });
    for (const [topic, list] of side) this.inTxn.push({ topic, messages: list });
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

  private async commit(offsets: readonly GroupCommit[], id: number): Promise<void> {
    if (this.inTxn.length === 0 && offsets.length === 0) return;
    this.committing = { offsets, id };
    await this.step(`commit of checkpoint ${id}`, async (txn) => {
      for (const o of offsets) await txn.sendOffsets(o);
      await txn.commit();
    });
    this.afterCommit();
  }

  write(batch: { rows: readonly Row[]; ops: readonly Op[] | null }): void {
    upsertMessages(batch.rows, batch.ops, this.encodeKey, this.encodeValue, (key, value) => {
      this.pending.push({ key, value });
      this.current.push([key, value]);
      this.currentBytes += (key?.length ?? 0) + (value?.length ?? 0);
    });
    if (this.pending.length + this.pendingSideCount >= this.settings.batchSize) this.send();
  }

  /**
   * A dead-letter or late message for `topic`, written in this sink's transaction: committed
   * with the output of the same checkpoint interval, re-sent with it by recover().
   */
  writeSide(topic: string, message: OutMessage): void {
    let list = this.pendingSide.get(topic);
    if (list === undefined) this.pendingSide.set(topic, (list = []));
    list.push(message);
    this.pendingSideCount++;
    this.currentSide.push(storeSideMessage(topic, message));
    this.currentBytes += messageBytes([message]);
    if (this.pending.length + this.pendingSideCount >= this.settings.batchSize) this.send();
  }

  private send(): void {
    if (this.pending.length === 0 && this.pendingSideCount === 0) return;
    const messages = this.pending;
    const side = this.pendingSide;
    this.pending = [];
    this.pendingSide = new Map();
    this.pendingSideCount = 0;
    let bytes = messageBytes(messages);
    for (const list of side.values()) bytes += messageBytes(list);
    void this.chain.add(() => this.sendAll(messages, side), true, bytes);
  }

  prepareCheckpoint(id: number): SinkPosition {
    this.send();
    const sealed: Sealed = { epoch: this.epoch, id, messages: this.current, ...(this.currentSide.length > 0 ? { side: this.currentSide } : {}) };
    this.current = [];
    this.currentSide = [];
    this.currentBytes = 0;
    this.sealedSent = this.chain.done;
    let release!: (sources: readonly CheckpointSource[] | undefined) => void;
    const sources = new Promise<readonly CheckpointSource[] | undefined>((r) => (release = r));
    // Not counted by relieve(): it waits for the checkpoint, which may be what the caller is about to write.
    const committed = this.chain.add(async () => {
      const s = await sources;
      // undefined: the checkpoint failed or the job is closing; the transaction stays open and is aborted.
      if (s === undefined) return;
      // Fault injection for the crash tests: die between the checkpoint and its commit (of
      // checkpoint <id>, by this sink only with <id>:<topic>, or of the first one holding
      // side-output messages).
      const kill = process.env['SLUICE_TEST_KILL_BEFORE_COMMIT'];
      if (kill === String(id) || kill === `${id}:${this.settings.topic}` || (kill === 'side' && sealed.side !== undefined)) process.kill(process.pid, 'SIGKILL');
      await this.commit(groupOffsets(s, this.epoch, id, this.groups), id);
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
    const offsets = groupOffsets(sources, sealed.epoch, sealed.id, this.groups);
    if (offsets.length === 0 || (await this.committed(offsets, sealed.epoch, sealed.id))) return;
    const side = new Map<string, OutMessage[]>();
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
      await this.commit(offsets, sealed.id);
    });
    this.check();
  }

  /** True when the group's committed offsets carry this checkpoint's marker (or a later one of the same epoch). */
  private async committed(offsets: readonly GroupCommit[], epoch: string, id: number): Promise<boolean> {
    return withAdmin(this.kafka, `${this.what}: reading the committed markers`, async (admin) => {
      for (const o of offsets) {
        const got = await admin.groupOffsets(o.group, o.topic);
        for (const p of o.partitions) {
          const c = got.find((x) => x.partition === p.partition);
          const m = MARKER.exec(c?.metadata ?? '');
          if (!m || m[1] !== epoch || Number(m[2]) < id) return false;
        }
      }
      return true;
    });
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

  /**
   * The open transaction's output is held until its commit (and stored in the checkpoint): past
   * TXN_CHECKPOINT_BYTES the job checkpoints early, so it stays bounded whatever the output rate.
   */
  checkpointWanted(): boolean {
    return this.currentBytes > TXN_CHECKPOINT_BYTES;
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
