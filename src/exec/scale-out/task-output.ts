// What a partition task writes, in one Kafka transaction per checkpoint: the output of its sinks
// since the previous checkpoint, its state snapshot to its changelog partition, and its input
// offsets to the consumer group. The producer's transactionalId is the task's
// (`<group>-task-<partition>`), so when a partition moves to another process, the new owner's
// producer fences the old one: a commit of the old owner either happened before the new owner
// read the changelog (and it restores from it) or fails. A transaction that fails in a Kafka
// outage fails the task; the runner starts the partition's task again from its committed
// snapshot (runner.ts), which is what makes a redo exact.

import type { Column, SinkDef } from '../../catalog/catalog.js';
import type { Row } from '../../catalog/types.js';
import type { SinkPosition, SinkWriter } from '../../connectors/connector.js';
import { KafkaFencedError, type GroupCommit, type KafkaClient, type KafkaProducer, type OutMessage, type TransactionalProducer } from '../../connectors/kafka/port.js';
import { compileMessageEncoder, ensureTopic, inSlices, kafkaPosition, type SideCarrier, sinkKey, TXN_CHECKPOINT_BYTES, withKafkaRetry } from '../../connectors/kafka/engine.js';
import type { CheckpointStats, CheckpointTarget, JobCheckpoint } from '../../state/checkpoint.js';
import type { Op } from '../operator.js';
import { snapshotMessages } from './changelog.js';
import type { CheckpointMeta } from '../job.js';
import { log } from '../../util/log.js';

/** Messages per send outside the transaction: a failed one is sent again. */
const OUTSIDE_SLICE = 1000;

/** The committed-offset metadata of a partition whose task read its bounded input to the end (then `:<checkpoint id>`). */
export const FINISHED_MARKER = 'sluice:finished';

/** The checkpoint id in a task's committed-offset metadata (`sluice:<id>` or `sluice:finished:<id>`). */
export function committedCheckpoint(metadata: string | null | undefined): number | undefined {
  const m = /^sluice:(?:finished:)?(\d+)$/.exec(metadata ?? '');
  return m ? Number(m[1]) : undefined;
}

export class TaskTransaction implements CheckpointTarget {
  private readonly producer: TransactionalProducer;
  /** Output sealed at the barrier of the checkpoint being written, per topic. */
  private sealed: Array<{ topic: string; messages: OutMessage[] }> = [];
  /**
   * Output sent outside the transaction, before it (the repartition topic, read by a stage that
   * drops what it saw already: repartition.ts); its own idempotent producer keeps it in order.
   */
  private sealedOutside: Array<{ topic: string; messages: OutMessage[] }> = [];
  private outside: KafkaProducer | undefined;
  /** Side topics sealed so far, and whether each is known to exist. */
  private readonly sideTopics = new Map<string, boolean>();
  /** Set when another process took the partition over: nothing more commits. */
  fenced = false;
  outputRows = 0;
  /** Checkpoints committed: a restarted task that commits one ends its partition's run of outage retries. */
  commits = 0;

  constructor(
    private readonly kafka: KafkaClient,
    readonly transactionalId: string,
    private readonly group: string,
    private readonly changelog: string,
    readonly partition: number,
  ) {
    this.producer = kafka.transactionalProducer(transactionalId);
  }

  /** Initializes the transactional producer id: fences a previous owner's producer and ends its open transaction. */
  async connect(): Promise<void> {
    await withKafkaRetry(`${this.transactionalId}: connecting`, () => this.producer.connect());
  }

  seal(topic: string, messages: OutMessage[]): void {
    if (messages.length > 0) this.sealed.push({ topic, messages });
  }

  /** Side-output messages (dead letters, late records) for the checkpoint's transaction; their topic is created before it when missing. */
  sealSide(topic: string, messages: OutMessage[]): void {
    if (!this.sideTopics.has(topic)) this.sideTopics.set(topic, false);
    this.seal(topic, messages);
  }

  /** Output to send, acknowledged, before the checkpoint's transaction (at least once, in order). */
  sealOutside(topic: string, messages: OutMessage[]): void {
    if (messages.length > 0) this.sealedOutside.push({ topic, messages });
  }

  private async sendOutside(): Promise<number> {
    const batches = this.sealedOutside;
    this.sealedOutside = [];
    if (batches.length === 0) return 0;
    if (this.outside === undefined) {
      this.outside = this.kafka.producer({ idempotent: true });
      const outside = this.outside;
      await withKafkaRetry(`${this.transactionalId}: connecting`, () => outside.connect());
    }
    let n = 0;
    for (const b of batches) {
      // At least once (the next stage drops what it saw): a failed slice is sent again.
      const outside = this.outside;
      await inSlices(b.messages, OUTSIDE_SLICE, (slice) => withKafkaRetry(`${this.transactionalId}: send to '${b.topic}'`, () => outside.send(b.topic, slice)));
      n += b.messages.length;
    }
    return n;
  }

  /** The checkpoint target: commits the sealed output, the snapshot and the offsets together. */
  async write(c: JobCheckpoint, finished: boolean): Promise<CheckpointStats> {
    const t0 = performance.now();
    const sealed = this.sealed;
    this.sealed = [];
    // Before the snapshot that says they were written, so a restore never skips them.
    const outside = await this.sendOutside();
    for (const [topic, known] of this.sideTopics) {
      if (known) continue;
      await ensureTopic(this.kafka, topic);
      this.sideTopics.set(topic, true);
    }
    const { messages, bytes } = snapshotMessages(c, finished, this.partition);
    const meta = c.meta as CheckpointMeta;
    const commits = meta.sources.flatMap((s): GroupCommit[] => {
      const pos = kafkaPosition(s.position);
      const next = pos?.next[String(this.partition)];
      // The metadata tells the other processes when this partition's bounded read is done.
      const metadata = finished ? `${FINISHED_MARKER}:${c.id}` : `sluice:${c.id}`;
      return pos && next !== undefined ? [{ group: this.group, topic: pos.topic, partitions: [{ partition: this.partition, offset: next, metadata }] }] : [];
    });
    try {
      const txn = await this.producer.begin();
      try {
        for (const s of sealed) await txn.send(s.topic, s.messages);
        await txn.send(this.changelog, messages);
        for (const o of commits) await txn.sendOffsets(o);
        await txn.commit();
      } catch (e) {
        await txn.abort().catch(() => {});
        throw e;
      }
    } catch (e) {
      if (isFenced(e)) this.fenced = true;
      throw e;
    }
    this.commits++;
    let rows = outside;
    for (const s of sealed) rows += s.messages.length;
    this.outputRows += rows;
    const at = commits.map((t) => `${t.topic}@${t.partitions[0]!.offset}`).join(' ');
    log.debug(`sluice: ${this.transactionalId}: checkpoint ${c.id} committed (${rows} messages out, ${at})`, { event: 'task-commit', task: this.transactionalId, checkpoint: c.id, messages: rows });
    return { id: c.id, bytes, ms: performance.now() - t0 };
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => {});
    await this.outside?.disconnect().catch(() => {});
  }
}

/** Whether the task failed because another process took its partition (also once the error was reworded on its way up). */
export function isFenced(e: unknown): boolean {
  return e instanceof KafkaFencedError || /fenced|epoch/i.test((e as { message?: string } | undefined)?.message ?? '');
}

/**
 * Dead letters and late records of a task's source, carried by one of its writers into the
 * task's transaction: sealed at the checkpoint barrier with the output (a restore after a crash
 * reads their records again from the committed offsets, so they are written once).
 */
export class TaskSideOutputs {
  private side = new Map<string, OutMessage[]>();

  write(topic: string, message: OutMessage): void {
    let list = this.side.get(topic);
    if (list === undefined) this.side.set(topic, (list = []));
    list.push(message);
  }

  sealInto(txn: TaskTransaction): void {
    for (const [topic, messages] of this.side) txn.sealSide(topic, messages);
    this.side = new Map();
  }
}

/** A Kafka sink inside a partition task: output waits for the task's next checkpoint transaction. */
export class TaskSinkWriter implements SinkWriter, SideCarrier {
  private readonly encode: (batch: { rows: readonly Row[]; ops: readonly Op[] | null }, out: OutMessage[]) => void;
  private current: OutMessage[] = [];
  private readonly side = new TaskSideOutputs();
  private bytes = 0;

  constructor(
    private readonly txn: TaskTransaction,
    readonly topic: string,
    def: SinkDef,
    columns: readonly Column[],
    changelog: boolean,
    planKey?: readonly number[],
  ) {
    this.encode = compileMessageEncoder(columns, sinkKey(def, columns, changelog, planKey));
  }

  write(batch: { rows: readonly Row[]; ops: readonly Op[] | null }): void {
    const from = this.current.length;
    this.encode(batch, this.current);
    for (let i = from; i < this.current.length; i++) {
      const m = this.current[i]!;
      this.bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
    }
  }

  writeSide(topic: string, message: OutMessage): void {
    this.side.write(topic, message);
  }

  prepareCheckpoint(): SinkPosition {
    this.txn.seal(this.topic, this.current);
    this.current = [];
    this.side.sealInto(this.txn);
    this.bytes = 0;
    return {};
  }

  /** The output waits for the task's next checkpoint: past TXN_CHECKPOINT_BYTES the task checkpoints early (as the exactly-once sink). */
  checkpointWanted(): boolean {
    return this.bytes > TXN_CHECKPOINT_BYTES;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}
}
