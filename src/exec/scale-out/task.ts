// One partition task: the whole plan over partition p of each source topic, as its own Job
// (the single-process runner, unchanged) with a pushed-in reader per source, its sinks writing
// into the task's transaction, and its checkpoints going to the changelog in that transaction.
// A task restores from the last snapshot of its changelog partition, whoever wrote it.

import type { PhysicalPlan, SourceNode } from '../../plan/physical.js';
import { streamKey } from '../../plan/stream-key.js';
import type { JobCheckpoint } from '../../state/checkpoint.js';
import { Job, type CheckpointMeta, type JobSummary } from '../job.js';
import { FeedReader } from './feed-reader.js';
import { TaskSinkWriter, TaskTransaction, isFenced } from './task-output.js';
import { kafkaSourceSettings } from '../../connectors/kafka/engine.js';
import type { FetchedMessage, KafkaClient } from '../../connectors/kafka/port.js';
import { ConnectorError } from '../../connectors/connector.js';
import type { BoundExpr } from '../../expr/bound.js';
import { REPARTITION_SINK, RepartitionWriter } from './repartition.js';

export interface TaskOptions {
  readonly kafka: KafkaClient;
  readonly group: string;
  readonly changelog: string;
  readonly fingerprint: string;
  readonly intervalMs: number;
  /** Per source topic: where a task without a snapshot starts and (bounded) ends. */
  readonly startOf: (topic: string, partition: number) => { next: bigint; end: bigint | undefined };
  /** Stage 2 of a repartitioned job: how many stage-1 partitions send watermark marks. */
  readonly upstream?: number;
  /** Stage 1 of a repartitioned job: its sink writes rows keyed by the group key, and marks. */
  readonly repartition?: { readonly topic: string; readonly partitions: number; readonly keys: readonly BoundExpr[] };
}

export type TaskEnd = { readonly kind: 'finished' | 'stopped' | 'fenced'; readonly summary?: JobSummary } | { readonly kind: 'failed'; readonly error: unknown };

export class PartitionTask {
  readonly txn: TaskTransaction;
  private readonly readers = new Map<string, FeedReader>();
  private job: Job | undefined;

  /** The task's job once started (for metrics). */
  get runningJob(): Job | undefined {
    return this.job;
  }
  private readonly controller = new AbortController();
  /** Resolves when the task's job has stopped, however it stopped. */
  ended: Promise<TaskEnd> | undefined;
  restoredFrom: JobCheckpoint<CheckpointMeta> | undefined;

  constructor(
    private readonly plan: PhysicalPlan,
    readonly partition: number,
    private readonly options: TaskOptions,
  ) {
    this.txn = new TaskTransaction(options.kafka, `${options.group}-task-${partition}`, options.group, options.changelog, partition);
  }

  /** Fences the partition's previous owner. Call before reading the changelog. */
  connect(): Promise<void> {
    return this.txn.connect();
  }

  /** Starts the task's job from `snapshot` (or from the start); records can be delivered once ready(). */
  start(snapshot: JobCheckpoint<CheckpointMeta> | undefined): void {
    if (snapshot !== undefined && snapshot.fingerprint !== this.options.fingerprint) {
      throw new ConnectorError(`the state of partition ${this.partition} in '${this.options.changelog}' was written by a different plan (the job's SQL or its sinks changed)`, undefined, 'use a new consumer group (the group option) to start over with the changed job');
    }
    this.restoredFrom = snapshot;
    const p = this.partition;
    this.job = new Job(this.plan, {
      name: `${this.options.group}-${p}`,
      signal: this.controller.signal,
      checkpoints: { target: this.txn, fingerprint: this.options.fingerprint, intervalMs: this.options.intervalMs, ...(snapshot ? { restore: snapshot } : {}) },
      hooks: {
        sourceReader: (node: SourceNode, resume) => {
          const settings = kafkaSourceSettings(node.source);
          const start = FeedReader.startOf(resume, settings.topic, p, this.options.startOf(settings.topic, p));
          const reader = new FeedReader(settings.topic, p, start, settings.idleTimeoutMs, settings.rate, this.options.upstream, start.ended, start.rows);
          this.readers.set(settings.topic, reader);
          return reader;
        },
        sinkWriter: (node, columns, changelog, resume) => {
          const r = this.options.repartition;
          if (r !== undefined && node.sink.name === REPARTITION_SINK) {
            return new RepartitionWriter(this.txn, r.topic, r.partitions, p, columns, r.keys, () => this.job?.metrics().sources[0]?.watermark ?? Number.NEGATIVE_INFINITY, resume);
          }
          return new TaskSinkWriter(this.txn, node.sink.options['topic']!, node.sink, columns, changelog, streamKey(this.plan, node.id));
        },
      },
    });
    const job = this.job;
    this.ended = job.run().then(
      (summary): TaskEnd => ({ kind: this.controller.signal.aborted ? 'stopped' : 'finished', summary }),
      // A task told to stop (its partition was given away) whose last commit fails was overtaken
      // by the new owner: expected, not a failure of the job.
      (error: unknown): TaskEnd => (this.txn.fenced || isFenced(error) || this.controller.signal.aborted ? { kind: 'fenced' } : { kind: 'failed', error }),
    );
    void this.ended.then(() => this.txn.close());
  }

  /** Where the task stands in `topic` (the offset to fetch from), once started. */
  nextOffset(topic: string): bigint | undefined {
    return this.readers.get(topic)?.next;
  }

  /** True when every source of the task has read to its bounded end. */
  get done(): boolean {
    return this.readers.size > 0 && [...this.readers.values()].every((r) => r.done);
  }

  /** Resolves when the task's readers take records (after restore and the first checkpoint). */
  async ready(): Promise<void> {
    await Promise.all([...this.readers.values()].map((r) => r.ready));
  }

  deliver(topic: string, messages: readonly FetchedMessage[], lastOffset: bigint): Promise<void> {
    const r = this.readers.get(topic);
    return r ? r.deliver(messages, lastOffset) : Promise.resolve();
  }

  /** A fetched batch of transaction markers only, from `first` to `last`: the position moves past it. */
  skipControl(topic: string, first: bigint, last: bigint): Promise<void> {
    const r = this.readers.get(topic);
    return r ? r.deliver([], last, first) : Promise.resolve();
  }

  get rowsOut(): number {
    return this.txn.outputRows;
  }

  /** Stops the task (its job takes a final checkpoint unless it was fenced) and waits for it. */
  async stop(): Promise<TaskEnd | undefined> {
    this.controller.abort();
    return this.ended;
  }
}
