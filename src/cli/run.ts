// `sluice run FILE`: every sink of the file as one job. Exits 0 when bounded inputs are done;
// the first Ctrl-C stops cleanly (sinks flushed and closed, a final checkpoint), a second one
// exits at once. Checkpoints go to the job's state directory; a run resumes from the last one,
// whether the run that wrote it was interrupted (Ctrl-C, a crash, kill -9) or finished (then it
// reads only what arrived since), unless --fresh; cli/restore.ts decides and describes it. A
// SHOW STATE statement in the file prints the `sluice state` view when the run ends.

import * as path from 'node:path';
import { startupMark } from '../util/startup-marks.js';
import { loadScriptFile, planScript } from './load.js';
import { selectSinks } from './select-sinks.js';
import { DEFAULT_CHECKPOINT_INTERVAL_MS, Job, type CheckpointMeta } from '../exec/job.js';
import { logSummary } from './summary.js';
import { exitWithParent, reexecWithHeapCap } from './heap-cap.js';
import { UsageError } from './errors.js';
import { CheckpointStore, readSummary, type CheckpointTarget, type JobCheckpoint } from '../state/checkpoint.js';
import { DeferredCheckpointStore, hasStateDatabase } from '../state/deferred-store.js';
import { renderState } from './state.js';
import { planFingerprint } from '../state/fingerprint.js';
import { defaultStateDir } from '../state/settings.js';
import { formatBytes, parseBytes } from '../util/units.js';
import { parseIntervalMs } from '../catalog/duration.js';
import { parseStateMemory } from '../state/budget.js';
import { positionText } from '../exec/source-runtime.js';
import type { LabeledSource } from './metrics-endpoint.js';
import { configureLog, log, type LogLevel } from '../util/log.js';
import type { PhysicalPlan } from '../plan/physical.js';
import type { SourceDef } from '../catalog/catalog.js';
import { checkCommits, describeResume, freshNotes } from './restore.js';
import { describeOutput, outputGuarantees } from '../plan/guarantees.js';
import { setKafkaRetryFor } from '../connectors/kafka/retry.js';
import { sourceConnector } from '../connectors/registry.js';

export interface RunOptions {
  sink?: string[];
  format?: string;
  stateDir?: string;
  checkpointInterval?: string;
  stateMemory?: string;
  fresh?: boolean;
  fromCommittedOffsets?: boolean;
  scaleOut?: boolean;
  threads?: string;
  metricsPort?: string;
  kafkaRetryFor?: string;
  logLevel?: LogLevel;
}

export async function runCommand(file: string, opts: RunOptions): Promise<number> {
  // Text for a person at a terminal; JSON lines for whatever collects a service's stderr.
  startupMark('run modules loaded');
  configureLog({ level: opts.logLevel ?? 'info', json: !process.stderr.isTTY });
  const script = loadScriptFile(file);
  startupMark('parsed');
  if (opts.fromCommittedOffsets) startAtCommittedOffsets(script.catalog.sources, opts);
  const sinks = selectSinks(script, opts.sink, opts.format);
  const plan = planScript(script, sinks, { provenance: false });
  startupMark('planned');
  const settings = script.catalog.settings;
  const intervalText = opts.checkpointInterval ?? settings.get('checkpoint_interval');
  const intervalMs = intervalText === undefined ? DEFAULT_CHECKPOINT_INTERVAL_MS : parseIntervalMs(intervalText);
  if (intervalMs === undefined || intervalMs <= 0) throw new UsageError(`checkpoint interval '${intervalText}' is not a duration; write e.g. 500ms, 10s or 1m`);
  const metricsPort = opts.metricsPort === undefined ? undefined : Number(opts.metricsPort);
  if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort <= 65535)) {
    throw new UsageError(`metrics port '${opts.metricsPort}' is not a port; write a number from 1 to 65535 (0: any free port)`);
  }
  const retryText = opts.kafkaRetryFor ?? settings.get('kafka_retry_for');
  if (retryText !== undefined) {
    const ms = parseIntervalMs(retryText);
    if (ms === undefined) throw new UsageError(`kafka retry time '${retryText}' is not a duration; write e.g. 30s, 5m or 0s`);
    setKafkaRetryFor(ms);
  }
  const memoryText = opts.stateMemory ?? settings.get('state_memory');
  if (opts.scaleOut) {
    if (memoryText !== undefined) throw new UsageError('a scaled-out job keeps its state in memory and in its changelog topic; --state-memory (SET state_memory) is for single-process jobs');
    if (opts.fresh) throw new UsageError("a scaled-out job's state lives in its changelog topic, shared by its processes; to start over, give its sources a new group option");
    if (opts.fromCommittedOffsets) throw new UsageError("a scaled-out job resumes from its changelog topic and the offsets committed with it already; --from-committed-offsets is for single-process jobs");
    if (opts.threads !== undefined) return runScaledOutOnThreads(file, plan, opts, intervalMs, metricsPort);
    return runScaledOut(file, plan, intervalMs, metricsPort);
  }
  if (opts.threads !== undefined) throw new UsageError('--threads runs the partition tasks of a scaled-out job on worker threads; add --scale-out');
  const budget = memoryText === undefined ? undefined : parseStateMemory(memoryText);
  if (budget !== undefined && 'error' in budget) throw new UsageError(budget.error);
  // Under a budget the job runs in a child node whose V8 heap is capped to match (cli/heap-cap.ts).
  const capped = reexecWithHeapCap(memoryText === undefined ? undefined : parseBytes(memoryText));
  if (capped !== undefined) return capped;
  exitWithParent();
  const stateDir = opts.stateDir ?? settings.get('state_dir') ?? defaultStateDir(file);
  const discarded = opts.fresh || opts.fromCommittedOffsets ? readSummary(stateDir) : undefined;
  if (opts.fresh || opts.fromCommittedOffsets) CheckpointStore.remove(stateDir);

  const fingerprint = planFingerprint(plan);
  const jobName = path.basename(file).replace(/\.sql$/i, '');
  const commitOptions = { job: jobName, stateDir, fresh: opts.fresh === true, fromCommittedOffsets: opts.fromCommittedOffsets === true };
  let store: CheckpointTarget & { close(): void };
  let restore: JobCheckpoint<CheckpointMeta> | undefined;
  let committed: Map<string, string>;
  if (!hasStateDatabase(stateDir)) {
    // WHY deferred: with no state database there is no checkpoint to restore, so DuckDB (~0.1 s
    // of CPU to load) opens with the first checkpoint, which Job.run writes once the first batch
    // is in the graph (or its sources ended, or a moment passed): off the way to the first record.
    store = new DeferredCheckpointStore(stateDir);
    // The sources' offsets are looked up meanwhile (read-only), not once the job is built.
    for (const n of plan.nodes) if (n.kind === 'source') sourceConnector(n.source.options['connector'] ?? '')?.lookAhead?.(n.source);
    try {
      committed = await checkCommits(plan, Promise.resolve(undefined), commitOptions);
      startupMark('recorded commits read');
    } catch (e) {
      store.close();
      throw e;
    }
  } else {
    // WHY at once: opening the state loads DuckDB, and the sinks' recorded commits are read from
    // Kafka meanwhile; the rules about them wait for the checkpoint.
    const opening = CheckpointStore.open(stateDir);
    // Finished or interrupted, the last checkpoint is where this run goes on (Job.rerun tells which).
    const restoring = opening.then(async (store) => {
      const restore = (await store.latest<CheckpointMeta>())?.checkpoint;
      if (restore !== undefined && restore.fingerprint !== fingerprint) {
        throw new UsageError(
          `the state in ${stateDir} was checkpointed by a different plan (the job's operators, what a source reads or where a sink writes changed; output formats, batching and connection options do not count); run with --fresh to discard it and start over`,
        );
      }
      return restore;
    });
    try {
      [store, restore, committed] = await Promise.all([opening, restoring, checkCommits(plan, restoring, commitOptions)]);
    } catch (e) {
      (await opening.catch(() => undefined))?.close();
      throw e;
    }
  }

  const { controller, release } = onInterrupt();
  let metrics: { port: number; close(): Promise<void> } | undefined;
  try {
    const memory = memoryText === undefined ? undefined : parseBytes(memoryText);
    const job = new Job(plan, {
      name: jobName,
      signal: controller.signal,
      // Its sinks hold output until the first checkpoint is durable (a transactional Kafka sink
      // queues its sends behind that commit; a file sink with no checkpoint is truncated).
      earlyFlow: true,
      checkpoints: {
        target: store,
        fingerprint,
        intervalMs,
        onCheckpoint: (c) => log.debug(`sluice: checkpoint ${c.id} written (${formatBytes(c.bytes)}, ${c.ms.toFixed(0)} ms)`, { event: 'checkpoint', id: c.id, bytes: c.bytes, ms: c.ms }),
        ...(restore ? { restore } : {}),
        ...(opts.fresh ? { fresh: true } : {}),
      },
      ...(memory !== undefined ? { stateMemory: { bytes: memory, dir: stateDir } } : {}),
    });
    // Every output with its guarantee: each sink, then each dead-letter and late output.
    const outputs = job.guarantees();
    log.info(`sluice: running ${file}: ${outputs.map(describeOutput).join('; ')}`, {
      event: 'start',
      file,
      sinks: sinks.map((s) => s.name),
      outputs: outputs.map((o) => ({ output: o.label, guarantee: o.guarantee.level, ...(o.guarantee.how ? { how: o.guarantee.how } : {}) })),
    });
    if (opts.fresh) {
      const notes = freshNotes(plan, stateDir, discarded, committed);
      for (const n of notes.info) log.info(n, { event: 'fresh' });
      for (const w of notes.warn) log.warn(w, { event: 'fresh' });
    }
    if (opts.fromCommittedOffsets) {
      log.warn(`sluice: --from-committed-offsets: ${discarded ? `discarded checkpoint ${discarded.id} in ${stateDir}; ` : ''}starting with empty state at the offsets the sources' consumer groups committed; windows and groups open at that commit lost the rows read before it`, { event: 'from-committed-offsets' });
    }
    if (metricsPort !== undefined) {
      const { serveMetrics } = await import('./metrics-endpoint.js');
      metrics = await serveMetrics(metricsPort, job);
      log.info(`sluice: metrics on http://127.0.0.1:${metrics.port}/metrics`, { event: 'metrics', port: metrics.port });
    }
    if (restore) log.info(describeResume(plan, restore, job.rerun), { event: job.rerun ? 'rerun' : 'resume', checkpoint: restore.id });
    const summary = await job.run();
    logSummary(summary);
    const c = job.lastCheckpoint;
    if (c) log.info(`sluice: checkpoint ${c.id} in ${stateDir} (${formatBytes(c.bytes)}, ${c.ms.toFixed(0)} ms)`, { event: 'checkpoint', id: c.id, dir: stateDir, bytes: c.bytes, ms: c.ms });
    // SHOW STATE in a job file: the `sluice state` view of the final checkpoint, on stderr (stdout carries rows).
    if (script.other.some((st) => st.kind === 'show' && st.what === 'state')) {
      const summary = readSummary(stateDir);
      log.info(`\n${renderState(plan, stateDir, summary)}`, { event: 'state', dir: stateDir, tables: summary?.tables ?? [] });
    }
    return 0;
  } finally {
    await metrics?.close();
    store.close();
    release();
    // Stopped by Ctrl-C or SIGTERM: the job is done (outputs closed, final checkpoint taken), but a
    // Kafka look-up it no longer waits for may still be retrying a broker that is down; it must
    // not keep the process alive.
    if (controller.signal.aborted) setTimeout(() => process.exit(), 2000).unref();
  }
}

/** The first Ctrl-C (or SIGTERM) aborts `controller` for a clean stop; a second exits at once. */
function onInterrupt(): { controller: AbortController; release: () => void } {
  const controller = new AbortController();
  let interrupts = 0;
  const stop = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    log.info('\nsluice: stopping (Ctrl-C again to exit at once)', { event: 'stopping' });
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    controller,
    release: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** `--scale-out`: this process's share of the partitions, state in the changelog topic (exec/scale-out). */
async function runScaledOut(file: string, plan: PhysicalPlan, intervalMs: number, metricsPort: number | undefined): Promise<number> {
  const { controller, release } = onInterrupt();
  // Every running task of every stage, labelled by stage and partition.
  const stages: Array<() => readonly LabeledSource[]> = [];
  let metrics: { port: number; close(): Promise<void> } | undefined;
  try {
    const { runScaleOut, scaleOutProblem } = await import('../exec/scale-out/runner.js');
    if (metricsPort !== undefined) {
      const { serveMetrics } = await import('./metrics-endpoint.js');
      metrics = await serveMetrics(metricsPort, () => stages.flatMap((s) => s()));
      log.info(`sluice: metrics on http://127.0.0.1:${metrics.port}/metrics`, { event: 'metrics', port: metrics.port });
    }
    const problem = scaleOutProblem(plan);
    if (problem) throw problem;
    // Sinks and side outputs alike commit in each partition task's transaction (exec/scale-out/task-output.ts).
    const sides = outputGuarantees(plan, { job: path.basename(file).replace(/\.sql$/i, ''), checkpoints: true })
      .filter((o) => o.output !== 'sink')
      .map((o) => describeOutput(o.guarantee.level === 'exactly_once' ? { ...o, guarantee: { level: 'exactly_once', how: 'partition task transaction' } } : o));
    log.info(`sluice: running ${file} scaled out (exactly-once per partition task)${sides.map((d) => `; ${d}`).join('')}`, { event: 'start', file, scaleOut: true });
    const summary = await runScaleOut(plan, {
      fingerprint: planFingerprint(plan),
      intervalMs,
      signal: controller.signal,
      onEvent: (message, fields) => log.info(message, fields),
      expose: (tasks) => stages.push(tasks),
    });
    const rows = summary.tasks.reduce((n, t) => n + t.rowsOut, 0);
    log.info(`sluice: ${summary.aborted ? 'stopped' : 'done'}: ran partitions ${summary.tasks.map((t) => `${t.partition} (${t.end})`).join(', ') || '(none)'} of group ${summary.group}; ${rows} rows committed; state in ${summary.changelog}`, { event: 'end', rows });
    return 0;
  } finally {
    await metrics?.close();
    release();
  }
}

/** `--scale-out --threads N`: N members of the job's consumer group in this process, one per worker thread (exec/scale-out/threads.ts). */
async function runScaledOutOnThreads(file: string, plan: PhysicalPlan, opts: RunOptions, intervalMs: number, metricsPort: number | undefined): Promise<number> {
  const { threadCount, runOnThreads } = await import('../exec/scale-out/threads.js');
  const count = threadCount(opts.threads!);
  if (count === undefined) throw new UsageError(`--threads '${opts.threads}' is not a thread count; write a number from 1 to 256, or auto (one per core: ${(await import('node:os')).availableParallelism()} here)`);
  if (metricsPort !== undefined) throw new UsageError('--metrics-port serves the tasks of one thread; run a scaled-out job on threads without it (or as processes: --scale-out without --threads)');
  const { scaleOutProblem } = await import('../exec/scale-out/runner.js');
  const problem = scaleOutProblem(plan);
  if (problem) throw problem;
  const { controller, release } = onInterrupt();
  try {
    const sides = outputGuarantees(plan, { job: path.basename(file).replace(/\.sql$/i, ''), checkpoints: true })
      .filter((o) => o.output !== 'sink')
      .map((o) => describeOutput(o.guarantee.level === 'exactly_once' ? { ...o, guarantee: { level: 'exactly_once', how: 'partition task transaction' } } : o));
    log.info(`sluice: running ${file} scaled out on ${count} worker thread${count === 1 ? '' : 's'} (exactly-once per partition task)${sides.map((d) => `; ${d}`).join('')}`, { event: 'start', file, scaleOut: true, threads: count });
    const { logConfig } = await import('../util/log.js');
    const { kafkaRetryFor } = await import('../connectors/kafka/retry.js');
    const summary = await runOnThreads(
      new URL('./scale-out-thread.js', import.meta.url),
      count,
      (thread) => ({ file: path.resolve(file), sinks: opts.sink, format: opts.format, intervalMs, kafkaRetryForMs: kafkaRetryFor(), level: logConfig().level, json: logConfig().json, thread }),
      controller.signal,
    );
    const rows = summary.tasks.reduce((n, t) => n + t.rowsOut, 0);
    log.info(`sluice: ${summary.aborted ? 'stopped' : 'done'}: ran partitions ${summary.tasks.map((t) => `${t.partition} (${t.end})`).join(', ') || '(none)'} of group ${summary.group} on ${count} threads; ${rows} rows committed; state in ${summary.changelog}`, { event: 'end', rows });
    return 0;
  } finally {
    release();
  }
}

/**
 * --from-committed-offsets: every source starts at its consumer group's committed offsets (an
 * exactly-once sink commits them with its output), which only Kafka sources have.
 */
function startAtCommittedOffsets(sources: Map<string, SourceDef>, opts: RunOptions): void {
  if (opts.fresh) throw new UsageError('--fresh starts from the beginning of the inputs and --from-committed-offsets from the offsets the consumer groups committed: give one of them');
  for (const [name, def] of sources) {
    if (def.options['connector'] !== 'kafka') throw new UsageError(`--from-committed-offsets starts each source at its consumer group's committed offsets, and source '${def.name}' (connector '${def.options['connector']}') has none; use --fresh`);
    // `startup` is not part of the plan's fingerprint (connector identity): only where a fresh start begins.
    sources.set(name, { ...def, options: { ...def.options, startup: 'group' } });
  }
}
