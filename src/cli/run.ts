// `sluice run FILE`: every sink of the file as one job. Exits 0 when bounded inputs are done;
// the first Ctrl-C stops cleanly (sinks flushed and closed, a final checkpoint), a second one
// exits at once. Checkpoints go to the job's state directory; a run that was interrupted
// (Ctrl-C, a crash, kill -9) resumes from the last one, unless --fresh. A SHOW STATE statement in
// the file prints the `sluice state` view when the run ends.

import * as path from 'node:path';
import { loadScriptFile, planScript } from './load.js';
import { selectSinks } from './select-sinks.js';
import { DEFAULT_CHECKPOINT_INTERVAL_MS, Job, type CheckpointMeta } from '../exec/job.js';
import { logSummary } from './summary.js';
import { exitWithParent, reexecWithHeapCap } from './heap-cap.js';
import { UsageError } from './errors.js';
import { CheckpointStore, readSummary, type JobCheckpoint } from '../state/checkpoint.js';
import { renderState } from './state.js';
import { planFingerprint } from '../state/fingerprint.js';
import { defaultStateDir, formatBytes, parseBytes, parseIntervalMs } from '../state/settings.js';
import { parseStateMemory } from '../state/budget.js';
import { positionText } from '../exec/source-runtime.js';
import { serveMetrics, type LabeledSource } from './metrics-endpoint.js';
import { configureLog, log, type LogLevel } from '../util/log.js';
import { runScaleOut, scaleOutProblem } from '../exec/scale-out/runner.js';
import type { PhysicalPlan } from '../plan/physical.js';

export interface RunOptions {
  sink?: string[];
  format?: string;
  stateDir?: string;
  checkpointInterval?: string;
  stateMemory?: string;
  fresh?: boolean;
  scaleOut?: boolean;
  metricsPort?: string;
  logLevel?: LogLevel;
}

export async function runCommand(file: string, opts: RunOptions): Promise<number> {
  // Text for a person at a terminal; JSON lines for whatever collects a service's stderr.
  configureLog({ level: opts.logLevel ?? 'info', json: !process.stderr.isTTY });
  const script = loadScriptFile(file);
  const sinks = selectSinks(script, opts.sink, opts.format);
  const plan = planScript(script, sinks, { provenance: false });
  const settings = script.catalog.settings;
  const intervalText = opts.checkpointInterval ?? settings.get('checkpoint_interval');
  const intervalMs = intervalText === undefined ? DEFAULT_CHECKPOINT_INTERVAL_MS : parseIntervalMs(intervalText);
  if (intervalMs === undefined || intervalMs <= 0) throw new UsageError(`checkpoint interval '${intervalText}' is not a duration; write e.g. 500ms, 10s or 1m`);
  const metricsPort = opts.metricsPort === undefined ? undefined : Number(opts.metricsPort);
  if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort <= 65535)) {
    throw new UsageError(`metrics port '${opts.metricsPort}' is not a port; write a number from 1 to 65535 (0: any free port)`);
  }
  const memoryText = opts.stateMemory ?? settings.get('state_memory');
  if (opts.scaleOut) {
    if (memoryText !== undefined) throw new UsageError('a scaled-out job keeps its state in memory and in its changelog topic; --state-memory (SET state_memory) is for single-process jobs');
    if (opts.fresh) throw new UsageError("a scaled-out job's state lives in its changelog topic, shared by its processes; to start over, give its sources a new group option");
    return runScaledOut(file, plan, intervalMs, metricsPort);
  }
  const budget = memoryText === undefined ? undefined : parseStateMemory(memoryText);
  if (budget !== undefined && 'error' in budget) throw new UsageError(budget.error);
  // Under a budget the job runs in a child node whose V8 heap is capped to match (cli/heap-cap.ts).
  const capped = reexecWithHeapCap(memoryText === undefined ? undefined : parseBytes(memoryText));
  if (capped !== undefined) return capped;
  exitWithParent();
  const stateDir = opts.stateDir ?? settings.get('state_dir') ?? defaultStateDir(file);
  if (opts.fresh) CheckpointStore.remove(stateDir);

  const store = await CheckpointStore.open(stateDir);
  const fingerprint = planFingerprint(plan);
  let restore: JobCheckpoint<CheckpointMeta> | undefined;
  const last = await store.latest<CheckpointMeta>();
  if (last !== undefined && !last.finished) {
    if (last.checkpoint.fingerprint !== fingerprint) {
      store.close();
      throw new UsageError(
        `the state in ${stateDir} was checkpointed by a different plan (the job's SQL or its sinks changed); run with --fresh to discard it and start over`,
      );
    }
    restore = last.checkpoint;
  }

  const { controller, release } = onInterrupt();
  let metrics: { port: number; close(): Promise<void> } | undefined;
  try {
    const memory = memoryText === undefined ? undefined : parseBytes(memoryText);
    const job = new Job(plan, {
      name: path.basename(file).replace(/\.sql$/i, ''),
      signal: controller.signal,
      checkpoints: {
        target: store,
        fingerprint,
        intervalMs,
        onCheckpoint: (c) => log.debug(`sluice: checkpoint ${c.id} written (${formatBytes(c.bytes)}, ${c.ms.toFixed(0)} ms)`, { event: 'checkpoint', id: c.id, bytes: c.bytes, ms: c.ms }),
        ...(restore ? { restore } : {}),
      },
      ...(memory !== undefined ? { stateMemory: { bytes: memory, dir: stateDir } } : {}),
    });
    const guarantees = new Map(job.guarantees().map((g) => [g.sink, g.guarantee]));
    const targets = sinks
      .map((s) => {
        const g = guarantees.get(s.name);
        const where = s.options['path'] ?? s.options['topic'];
        return `${s.name} → ${s.options['connector']}${where ? ` ${where}` : ''}${g ? ` (${g.replace(/_/g, '-')})` : ''}`;
      })
      .join(', ');
    log.info(`sluice: running ${file}: ${targets}`, { event: 'start', file, sinks: sinks.map((s) => s.name) });
    if (metricsPort !== undefined) {
      metrics = await serveMetrics(metricsPort, job);
      log.info(`sluice: metrics on http://127.0.0.1:${metrics.port}/metrics`, { event: 'metrics', port: metrics.port });
    }
    if (restore) log.info(`sluice: resuming from checkpoint ${restore.id} of ${new Date(restore.createdAt).toISOString()} (${describeResume(restore)})`, { event: 'resume', checkpoint: restore.id });
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
    if (metricsPort !== undefined) {
      metrics = await serveMetrics(metricsPort, () => stages.flatMap((s) => s()));
      log.info(`sluice: metrics on http://127.0.0.1:${metrics.port}/metrics`, { event: 'metrics', port: metrics.port });
    }
    const problem = scaleOutProblem(plan);
    if (problem) throw problem;
    log.info(`sluice: running ${file} scaled out (exactly-once per partition task)`, { event: 'start', file, scaleOut: true });
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

function describeResume(c: JobCheckpoint<CheckpointMeta>): string {
  return c.meta.sources
    .map((s) => {
      const p = s.position;
      const next = p?.['next'];
      const at = s.ended
        ? 'ended'
        : p === null
          ? 'from the start'
          : typeof p['line'] === 'number'
            ? `after line ${p['line']}`
            : typeof next === 'object' && next !== null
              ? `${String(p['topic'])} at ${Object.entries(next as Record<string, string>).map(([k, o]) => `${k}:${o}`).join(' ') || 'its start'}`
              : positionText(p as Record<string, number>);
      return `${s.runtime.recordsIn} records read, ${at}`;
    })
    .join('; ');
}
