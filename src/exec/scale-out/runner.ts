// Scale-out by consumer group: every process running the same job joins the sources' consumer
// group and gets a share of the partitions (assigner.ts: partition p of every source together).
// For each partition it is given it runs a task (task.ts), restored from the partition's last
// snapshot in the changelog topic (changelog.ts), wherever it was written; a partition taken
// away stops its task (a final checkpoint, or nothing if the new owner already fenced it). A
// bounded job's process exits once every partition of every source has been read to its end,
// by whichever process: each task's last commit marks its offsets finished.
// A job whose state is not keyed by the message key runs in two stages joined by an internal
// repartition topic (repartition.ts), each one a set of partition tasks like the above.

import type { PhysicalPlan, SourceNode } from '../../plan/physical.js';
import { backoffMs, ensureTopic, formatMs, isRetriable, kafkaClient, KafkaGaveUpError, kafkaRetryFor, kafkaSourceSettings, type KafkaSourceSettings, partitionStarts, reasonOf, withAdmin } from '../../connectors/kafka/engine.js';
import type { FetchedBatch, KafkaClient } from '../../connectors/kafka/port.js';
import { ConnectorError } from '../../connectors/connector.js';
import { coPartitionedAssigner } from './assigner.js';
import { changelogTopic, ensureChangelog, readConsistentSnapshots } from './changelog.js';
import { PartitionTask, type TaskEnd } from './task.js';
import { committedCheckpoint, FINISHED_MARKER } from './task-output.js';
import { repartitionTopic, splitForRepartition } from './repartition.js';
import { statefulKeying } from './partitioning.js';
import type { BoundExpr } from '../../expr/bound.js';
import { planFingerprint } from '../../state/fingerprint.js';
import type { CheckpointMeta, Job } from '../job.js';
import { intOption } from '../../connectors/options.js';

export interface ScaleOutOptions {
  readonly fingerprint: string;
  readonly intervalMs: number;
  readonly signal: AbortSignal;
  /** Progress for the log: a message and its fields. */
  readonly onEvent?: (message: string, fields: Readonly<Record<string, unknown>>) => void;
  /** Called once per stage with a view of its running tasks' jobs, labelled (for metrics). */
  readonly expose?: (tasks: () => ReadonlyArray<{ readonly labels: Readonly<Record<string, string | number>>; readonly job: Job }>) => void;
  /** Awaited just before a stage's consumer joins the group (threads.ts: the threads of one process join together). */
  readonly beforeJoin?: (stage: string) => Promise<void>;
  /** Time between the consumer's heartbeats (default: a third of the session timeout, at most 3 s). */
  readonly heartbeatMs?: number;
}

export interface ScaleOutSummary {
  readonly group: string;
  readonly changelog: string;
  /** Partitions this process ran a task for, and rows its tasks committed. */
  readonly tasks: ReadonlyArray<{ partition: number; rowsOut: number; end: TaskEnd['kind'] }>;
  readonly aborted: boolean;
}

/** Why a plan cannot run scaled out, as a ConnectorError with a hint; undefined when it can. */
export function scaleOutProblem(plan: PhysicalPlan): ConnectorError | undefined {
  // A join first. A join with a table needs the whole table in every task; regular and window
  // joins are not split yet; an interval join runs per partition only when co-partitioned by its
  // key (join-keying.ts).
  for (const n of plan.nodes) {
    if (n.kind === 'temporalJoin' || n.kind === 'lookupJoin') {
      return new ConnectorError(
        `a scaled-out job cannot join table '${n.table}' yet: each task reads one partition of the stream, and would need the whole table`,
        undefined,
        'run it without --scale-out',
      );
    }
    if (n.kind === 'regularJoin' || n.kind === 'windowJoin') {
      return new ConnectorError(
        `a scaled-out job cannot run a ${n.kind === 'regularJoin' ? 'regular (unbounded) JOIN' : 'window JOIN'} yet: only an interval join of two Kafka sources keyed by the join key runs per partition`,
        undefined,
        'run it without --scale-out',
      );
    }
    if (n.kind === 'topN') {
      return new ConnectorError('a scaled-out job cannot run a Top-N or deduplication yet: it ranks rows across every partition', undefined, 'run it without --scale-out');
    }
  }
  for (const k of statefulKeying(plan)) {
    if (k.kind === 'intervalJoin' && !k.partitionLocal) {
      return new ConnectorError(
        `a scaled-out job runs a JOIN only when both sides are Kafka topics keyed by the join key, and operator ${k.node}'s ${k.reason}: each task reads one partition of every source, and the rows of one key on the two sides would not meet in the same task`,
        undefined,
        'declare the join key as the KEY column of both sources (the producers keying both topics by it, with as many partitions), or run it without --scale-out',
      );
    }
  }
  for (const n of plan.nodes) {
    if (n.kind === 'source' && n.source.options['connector'] !== 'kafka') {
      return new ConnectorError(`source '${n.source.name}' is not a Kafka source; a scaled-out job reads Kafka topics only, split between its processes by partition`, 'connector', 'run it without --scale-out');
    }
    if (n.kind === 'union') {
      return new ConnectorError(
        'a scaled-out job cannot run a UNION ALL yet: each task reads one partition of every source, and the union would have to line up partitions of different inputs',
        undefined,
        'run it without --scale-out, or split it into one job per input writing to a shared topic',
      );
    }
    if (n.kind === 'sink' && n.sink.options['connector'] !== 'kafka') {
      return new ConnectorError(`sink '${n.sink.name}' is not a Kafka sink; each process of a scaled-out job commits its output in Kafka transactions`, 'connector', "write to a topic (connector = 'kafka'), or run without --scale-out");
    }
  }
  const groups = new Set(plan.nodes.flatMap((n) => (n.kind === 'source' ? [kafkaSourceSettings(n.source).group] : [])));
  if (groups.size > 1) return new ConnectorError(`the sources of a scaled-out job share one consumer group, and these name ${groups.size}: ${[...groups].join(', ')}`, 'group', 'give every source the same group option');
  return undefined;
}

/** How one stage of a job runs: the whole job, or one side of a repartition. */
interface Stage {
  /** Prefix of its log lines ('' for an unsplit job). */
  readonly label: string;
  /** Stage 1 of a repartitioned job: its sink writes to the repartition topic. */
  readonly repartition?: { readonly topic: string; readonly partitions: number; readonly keys: readonly BoundExpr[] };
  /** Stage 2: the number of stage-1 partitions, and whether the job's input is bounded. */
  readonly upstream?: { readonly partitions: number; readonly bounded: boolean };
}

/**
 * How `plan` runs scaled out (what run --scale-out does and explain --scale-out shows): its
 * Kafka source, the repartition topic, and the two stages around it, or no stages when every
 * stateful operator is keyed by the message key. Throws when the plan cannot scale out.
 */
export function scaleOutLayout(plan: PhysicalPlan): { source: SourceNode; settings: KafkaSourceSettings; topic: string; stages: ReturnType<typeof splitForRepartition> } {
  const problem = scaleOutProblem(plan);
  if (problem) throw problem;
  const source = plan.nodes.find((n): n is SourceNode => n.kind === 'source')!;
  const settings = kafkaSourceSettings(source.source);
  const topic = repartitionTopic(settings.group);
  return { source, settings, topic, stages: splitForRepartition(plan, topic, stage2Group(settings.group)) };
}

/** The consumer group of a job's second stage. */
export function stage2Group(group: string): string {
  return `${group}-stage2`;
}

export async function runScaleOut(plan: PhysicalPlan, options: ScaleOutOptions): Promise<ScaleOutSummary> {
  const { source, settings, topic, stages } = scaleOutLayout(plan);
  if (stages === undefined) return runStage(plan, options, { label: '' });
  const kafka = kafkaClient(source.source.options, `sluice-${settings.group}`);
  const partitions = (await prepare(kafka, settings.group, [settings])).counts.get(settings.topic)!;
  await ensureTopic(kafka, topic, partitions);
  const event = options.onEvent ?? (() => {});
  const desc = plan.nodes[stages.operator]!;
  event(`sluice: operator ${stages.operator} (${desc.kind}) is not keyed by the message key: rows are repartitioned by its key through ${topic}`, { event: 'repartition', topic, operator: stages.operator });
  // One stage failing stops the other.
  const controller = new AbortController();
  const signal = AbortSignal.any([options.signal, controller.signal]);
  const run = (p: Promise<ScaleOutSummary>): Promise<ScaleOutSummary> =>
    p.catch((e: unknown) => {
      controller.abort();
      throw e;
    });
  const [first, second] = await Promise.all([
    run(runStage(stages.first, { ...options, signal }, { label: 'stage 1 ', repartition: { topic, partitions, keys: stages.keys } })),
    run(runStage(stages.second, { ...options, signal }, { label: 'stage 2 ', upstream: { partitions, bounded: settings.bounded } })),
  ]);
  return { group: first.group, changelog: `${first.changelog}, ${second.changelog}`, tasks: second.tasks, aborted: options.signal.aborted };
}

async function runStage(plan: PhysicalPlan, options: ScaleOutOptions, stage: Stage): Promise<ScaleOutSummary> {
  const sources = plan.nodes.filter((n): n is SourceNode => n.kind === 'source');
  const settings = sources.map((s) => kafkaSourceSettings(s.source));
  const first = settings[0]!;
  const group = first.group;
  const kafka = kafkaClient(sources[0]!.source.options, `sluice-${group}`);
  const onEvent = options.onEvent ?? (() => {});
  const event = (message: string, fields: Readonly<Record<string, unknown>>): void => onEvent(stage.label ? message.replace(/^sluice: /, `sluice: ${stage.label}`) : message, { ...fields, ...(stage.label ? { stage: stage.label.trim() } : {}) });
  const topics = [...new Set(settings.map((s) => s.topic))];
  const { counts, starts } = await prepare(kafka, group, settings);
  const n = Math.max(...counts.values());
  const changelog = changelogTopic(group);
  await ensureChangelog(kafka, changelog, n);
  for (const node of plan.nodes) if (node.kind === 'sink') await ensureTopic(kafka, node.sink.options['topic']!, intOption(node.sink.options, 'partitions', 1, 1));
  const bounded = stage.upstream ? stage.upstream.bounded : settings.every((s) => s.bounded);

  // A crashed consumer (the broker gone past the client's own retries) restarts within kafka_retry_for.
  const consumer = kafka.consumer({
    group,
    topics,
    fromBeginning: true,
    assigner: coPartitionedAssigner((t) => counts.get(t) ?? 0),
    maxBytesPerPartition: first.maxBytesPerPartition,
    maxWaitMs: 100,
    sessionTimeoutMs: first.sessionTimeoutMs,
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
    concurrency: Math.min(n, 8),
    restartAs: `scale-out group ${group}: consumer`,
  });
  const tasks = new Map<number, PartitionTask>();
  const ran = new Map<number, PartitionTask>();
  options.expose?.(() =>
    [...tasks.values()].flatMap((t) => {
      const job = t.runningJob;
      return job ? [{ labels: { ...(stage.label ? { stage: stage.label.trim() } : {}), task: t.partition }, job }] : [];
    }),
  );
  /**
   * Tasks whose partitions were sought to where they stand: only these take batches. A batch
   * fetched before the seek (from where Kafka's consumer stood, possibly past the task's
   * position after an earlier ownership of the partition) would skip records.
   */
  const flowing = new Set<PartitionTask>();
  const ends = new Map<number, TaskEnd['kind']>();
  let fail!: (e: unknown) => void;
  let finish!: () => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const onAbort = (): void => finish();
  options.signal.addEventListener('abort', onAbort, { once: true });
  // WARNING: a stop during the admin calls above came before the listener: it hears nothing of it.
  if (options.signal.aborted) finish();
  const pause = (p: number): void => {
    for (const t of topics) if (p < (counts.get(t) ?? 0)) consumer.pause(t, [p]);
  };
  const taskOptions = {
    kafka,
    group,
    changelog,
    fingerprint: stage.label ? planFingerprint(plan) : options.fingerprint,
    intervalMs: options.intervalMs,
    startOf: (t: string, p: number) => starts.get(t)!.get(p)!,
    ...(stage.upstream ? { upstream: stage.upstream.partitions } : {}),
    ...(stage.repartition ? { repartition: stage.repartition } : {}),
  };

  /** The partitions' snapshots of the checkpoint ids committed with their offsets (changelog.ts). */
  const readConsistent = async (partitions: readonly number[]) =>
    readConsistentSnapshots<CheckpointMeta>(kafka, changelog, partitions, await committedCheckpoints(kafka, group, topics[0]!), (p, found, want) =>
      event(`sluice: partition ${p}: read checkpoint ${found ?? 'none'} from ${changelog} but ${want} is committed; reading again`, { event: 'restore-retry', partition: p }),
    );

  /** Fences the previous owners, reads their snapshots, starts the tasks and lets their partitions flow. */
  const startTasks = async (fresh: PartitionTask[]): Promise<void> => {
    await Promise.all(fresh.map((t) => t.connect()));
    const live = fresh.filter((t) => tasks.get(t.partition) === t);
    const snaps = await readConsistent(live.map((t) => t.partition));
    for (const t of live) {
      if (tasks.get(t.partition) !== t) continue;
      const snap = snaps.get(t.partition);
      t.start(snap?.checkpoint);
      ran.set(t.partition, t);
      event(
        snap ? `sluice: partition ${t.partition}: restored checkpoint ${snap.checkpoint.id} from ${changelog}${snap.head.finished ? ' (finished)' : ''}` : `sluice: partition ${t.partition}: starting with no saved state`,
        { event: 'task', partition: t.partition, checkpoint: snap?.checkpoint.id ?? null },
      );
      void t.ended!.then((end) => onTaskEnd(t, end));
      await t.ready();
      if (tasks.get(t.partition) !== t) continue;
      for (const topic of topics) {
        const at = t.nextOffset(topic);
        if (at !== undefined) consumer.seek(topic, t.partition, at);
      }
      flowing.add(t);
      if (!t.done) for (const topic of topics) consumer.resume(topic, [t.partition]);
    }
  };

  /** Per partition, the run of tasks failed by a Kafka outage: when the first failed, and how many. */
  const outages = new Map<number, { first: number; attempts: number }>();
  /**
   * A task failed by a Kafka outage (its checkpoint's transaction, say) starts again from its
   * committed snapshot while the partition is still this process's, within kafka_retry_for of
   * the first failure; a restarted task that commits a checkpoint ends the run. True when it will.
   */
  const restartAfterOutage = (t: PartitionTask, error: unknown): boolean => {
    const p = t.partition;
    if (!isRetriable(error) || options.signal.aborted || tasks.get(p) !== t) return false;
    const now = Date.now();
    const o = t.txn.commits > 0 || !outages.has(p) ? { first: now, attempts: 0 } : outages.get(p)!;
    o.attempts++;
    outages.set(p, o);
    const delay = backoffMs(o.attempts);
    if (now - o.first + delay > kafkaRetryFor()) {
      fail(new KafkaGaveUpError(`partition ${p}'s task`, o.attempts, now - o.first, error));
      return true;
    }
    event(`sluice: partition ${p}: task failed (${reasonOf(error)}); restarting it from its committed checkpoint in ${formatMs(delay)} (retry ${o.attempts}, giving up in ${formatMs(kafkaRetryFor() - (now - o.first))})`, { event: 'task-restart', partition: p, attempt: o.attempts, delayMs: delay });
    restartLater(t, delay);
    return true;
  };

  /** Starts partition `t.partition`'s task again from its committed snapshot in `delay` ms, if it is still this member's then. */
  const restartLater = (t: PartitionTask, delay: number): void => {
    const p = t.partition;
    tasks.delete(p);
    flowing.delete(t);
    pause(p);
    setTimeout(() => {
      // A rebalance in between started one (or gave the partition away).
      if (tasks.has(p) || !assignedNow.has(p) || options.signal.aborted) return;
      const task = new PartitionTask(plan, p, taskOptions);
      tasks.set(p, task);
      void startTasks([task]).catch(fail);
    }, delay);
  };

  /** Per partition, tasks fenced in a row while the partition stayed this member's. */
  const fencings = new Map<number, number>();

  const onTaskEnd = (t: PartitionTask, end: TaskEnd): void => {
    ends.set(t.partition, end.kind);
    // Late rows and dead letters never go unreported, whichever way the task ended.
    if (end.kind !== 'failed') for (const note of end.summary?.notes ?? []) event(`sluice: partition ${t.partition}: ${note}`, { event: 'task-note', partition: t.partition });
    if (end.kind === 'failed') {
      if (!restartAfterOutage(t, end.error)) fail(end.error);
      return;
    }
    if (end.kind === 'fenced') {
      const p = t.partition;
      // WARNING: fenced while the group still gives the partition to this member, the producer
      // that fenced it was a zombie's: a member that had begun starting this task (connect()
      // fences) before the partition was moved here, its connect arriving late. Left alone, the
      // partition would run no task here until the next rebalance, and a bounded job never ends.
      // Started again, the task restores the committed snapshot and fences the zombie in turn
      // (exactly-once either way: every start restores what was committed).
      if (tasks.get(p) === t && assignedNow.has(p) && !options.signal.aborted) {
        const n = (fencings.get(p) ?? 0) + 1;
        fencings.set(p, t.txn.commits > 0 ? 1 : n);
        const delay = backoffMs(fencings.get(p)!);
        event(`sluice: partition ${p}: fenced by another producer while still assigned here; starting it again from its committed checkpoint in ${formatMs(delay)}`, { event: 'task-refenced', partition: p, delayMs: delay });
        restartLater(t, delay);
        return;
      }
      event(`sluice: partition ${p}: taken over by another process`, { event: 'task-fenced', partition: p });
      if (tasks.get(p) === t) tasks.delete(p);
      return;
    }
    if (end.kind === 'finished') {
      event(`sluice: partition ${t.partition}: read to its end (${t.rowsOut} rows out)`, { event: 'task-finished', partition: t.partition, rows: t.rowsOut });
      if (tasks.get(t.partition) === t) pause(t.partition);
    }
  };

  /** The partitions of this process's last assignment. */
  const assignedNow = new Set<number>();
  const onAssigned = (given: ReadonlyMap<string, readonly number[]>): void => {
    const assigned = new Set<number>();
    for (const t of topics) for (const p of given.get(t) ?? []) assigned.add(p);
    assignedNow.clear();
    for (const p of assigned) assignedNow.add(p);
    for (const [p, t] of tasks) {
      if (assigned.has(p)) continue;
      tasks.delete(p);
      event(`sluice: partition ${p}: given to another process`, { event: 'task-revoked', partition: p });
      void t.stop();
    }
    const fresh: PartitionTask[] = [];
    for (const p of [...assigned].sort((a, b) => a - b)) {
      const t = tasks.get(p);
      if (t) {
        // Kafka would fetch from the committed offsets; the task stands further on.
        for (const topic of topics) {
          const at = t.nextOffset(topic);
          if (at !== undefined) consumer.seek(topic, p, at);
        }
        if (t.done || ends.get(p) === 'finished') pause(p);
        continue;
      }
      pause(p);
      const task = new PartitionTask(plan, p, taskOptions);
      tasks.set(p, task);
      fresh.push(task);
    }
    event(`sluice: group ${group}: this process runs partitions ${[...assigned].sort((a, b) => a - b).join(', ') || '(none)'}`, { event: 'assigned', partitions: [...assigned] });
    // A stopping process takes nothing over: starting a task would fence the final checkpoint of
    // the member giving it up (another thread of this process, stopping too).
    if (fresh.length > 0 && !options.signal.aborted) void startTasks(fresh).catch(fail);
  };
  // Ranges of transaction markers only never reach batch(): the position moves past them here.
  const onSkipped = (topic: string, p: number, firstOffset: bigint, lastOffset: bigint): void => {
    const t = tasks.get(p);
    if (t !== undefined && flowing.has(t)) void t.skipControl(topic, firstOffset, lastOffset).catch(fail);
  };
  const onBatch = async (batch: FetchedBatch): Promise<void> => {
    if (batch.stale() || options.signal.aborted) return;
    const t = tasks.get(batch.partition);
    if (t === undefined || !flowing.has(t)) return;
    await t.deliver(batch.topic, batch.messages, batch.lastOffset);
    if (t.done) pause(batch.partition);
    await batch.heartbeat();
  };

  let poll: NodeJS.Timeout | undefined;
  try {
    await options.beforeJoin?.(stage.label);
    // Stopped before joining: joining now would only move partitions of the others.
    if (!options.signal.aborted) await consumer.start({ assigned: onAssigned, batch: onBatch, skipped: onSkipped, failed: fail });
    if (bounded) {
      // Only once this process has nothing left to read: then ask whether the others are done too.
      let asking = false;
      poll = setInterval(() => {
        if (asking || [...tasks.keys()].some((p) => ends.get(p) !== 'finished')) return;
        asking = true;
        void allFinished(kafka, group, counts)
          .then((yes) => yes && finish(), fail)
          .finally(() => (asking = false));
      }, 500);
    }
    await done;
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    if (poll) clearInterval(poll);
    await consumer.stop().catch(() => {});
    const stopping = [...tasks.values()];
    tasks.clear();
    await Promise.all(stopping.map((t) => t.stop()));
    await consumer.close().catch(() => {});
  }
  return {
    group,
    changelog,
    tasks: [...ran.values()].map((t) => ({ partition: t.partition, rowsOut: t.rowsOut, end: ends.get(t.partition) ?? 'stopped' })),
    aborted: options.signal.aborted,
  };
}

/** Partition counts per topic, and where a partition without saved state starts (and, bounded, ends). */
async function prepare(kafka: KafkaClient, group: string, settings: readonly KafkaSourceSettings[]): Promise<{ counts: Map<string, number>; starts: Map<string, Map<number, { next: bigint; end: bigint | undefined }>> }> {
  return withAdmin(kafka, `scale-out group ${group}: reading the sources' offsets`, async (admin) => {
    const counts = new Map<string, number>();
    const starts = new Map<string, Map<number, { next: bigint; end: bigint | undefined }>>();
    for (const s of settings) {
      const parts = await partitionStarts(admin, s.topic, group, s.startup);
      counts.set(s.topic, parts.length);
      starts.set(s.topic, new Map(parts.map((p) => [p.partition, { next: p.from, end: s.bounded ? p.high : undefined }])));
    }
    const distinct = new Set(counts.values());
    if (distinct.size > 1) {
      throw new ConnectorError(`the sources of a scaled-out job must have as many partitions each (a task reads partition p of every one), and these have ${[...counts].map(([t, c]) => `${t}: ${c}`).join(', ')}`, 'topic');
    }
    return { counts, starts };
  });
}

/** Per partition of `topic`, the checkpoint id its task committed with its offset. */
async function committedCheckpoints(kafka: KafkaClient, group: string, topic: string): Promise<Map<number, number>> {
  return withAdmin(kafka, `scale-out group ${group}: reading the committed checkpoints`, async (admin) => {
    const out = new Map<number, number>();
    for (const p of await admin.groupOffsets(group, topic)) {
      const id = committedCheckpoint(p.metadata);
      if (id !== undefined) out.set(p.partition, id);
    }
    return out;
  });
}

/** True when every partition of every source topic has a task commit marked finished. */
async function allFinished(kafka: KafkaClient, group: string, counts: ReadonlyMap<string, number>): Promise<boolean> {
  return withAdmin(kafka, `scale-out group ${group}: asking whether every partition is finished`, async (admin) => {
    for (const [topic, count] of counts) {
      const parts = await admin.groupOffsets(group, topic);
      for (let p = 0; p < count; p++) if (!(parts.find((x) => x.partition === p)?.metadata ?? '').startsWith(FINISHED_MARKER)) return false;
    }
    return true;
  });
}
