// `run --scale-out --threads N`: N members of the job's consumer group in one process, one per
// worker thread, each running the scale-out runner of its own (runner.ts) as a process of the
// job would. Kafka's group protocol splits the partitions between them, and exactly-once,
// fencing, restore from the changelog and the bounded end are the multi-process ones, unchanged.
// This file owns the threads: start, stop (the process's Ctrl-C/SIGTERM), a thread's failure
// (stops the others and fails the job) and the merged summary.

import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { ConnectorError } from '../../connectors/connector.js';
import type { ScaleOutSummary } from './runner.js';

/** What a thread posts to the main thread: `ready` before each stage joins the group, then `done` or `failed` once. */
export type ThreadReply =
  | { readonly kind: 'ready'; readonly stage: string }
  | { readonly kind: 'done'; readonly summary: ScaleOutSummary }
  | { readonly kind: 'failed'; readonly message: string; readonly connector?: { readonly option?: string; readonly hint?: string } };

/** What the main thread posts to a thread. */
export type ThreadCommand = { readonly kind: 'stop' } | { readonly kind: 'join'; readonly stage: string };

/** `--threads` as a count: a positive integer, or `auto` (the machine's cores). Undefined when the text is neither. */
export function threadCount(text: string): number | undefined {
  if (text === 'auto') return availableParallelism();
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 256 ? n : undefined;
}

/** The error a thread reported, as the main thread throws it (a ConnectorError keeps its hint). */
export function replyError(r: Extract<ThreadReply, { kind: 'failed' }>, thread: number): Error {
  if (r.connector) return new ConnectorError(r.message, r.connector.option, r.connector.hint);
  return new Error(`thread ${thread}: ${r.message}`);
}

/** A thread's error as it posts it. */
export function failedReply(e: unknown): ThreadReply {
  if (e instanceof ConnectorError) return { kind: 'failed', message: e.message, connector: { ...(e.option !== undefined ? { option: e.option } : {}), ...(e.hint !== undefined ? { hint: e.hint } : {}) } };
  return { kind: 'failed', message: (e as Error | undefined)?.message ?? String(e) };
}

/**
 * Runs `count` threads of `entry` (a module URL) with `data`, until each one ends. Aborting
 * `signal` asks every thread to stop (each stops its tasks with a final checkpoint); the first
 * thread to fail, or to die, stops the others and its error is thrown once all have ended.
 */
export async function runOnThreads(entry: URL, count: number, data: (thread: number) => unknown, signal: AbortSignal): Promise<ScaleOutSummary> {
  const workers: Worker[] = [];
  let failure: Error | undefined;
  const stopAll = (): void => {
    for (const w of workers) w.postMessage({ kind: 'stop' } satisfies ThreadCommand);
  };
  // WHY join together: a thread that joins the group alone is given every partition and starts
  // their tasks, then gives half of them away at the next rebalance (final checkpoints, fencing,
  // restores: about 2 s of a 1M-event run). Threads are ready at different times (each loads the
  // engine), so each waits for the others before its consumer joins.
  const ready = new Map<string, number>();
  const onReady = (stage: string): void => {
    const n = (ready.get(stage) ?? 0) + 1;
    ready.set(stage, n);
    if (n === count) for (const w of workers) w.postMessage({ kind: 'join', stage } satisfies ThreadCommand);
  };
  const ends = Array.from({ length: count }, (_, i) => {
    const worker = new Worker(entry, { workerData: data(i) });
    workers.push(worker);
    return new Promise<ScaleOutSummary | undefined>((resolve) => {
      let summary: ScaleOutSummary | undefined;
      worker.on('message', (r: ThreadReply) => {
        if (r.kind === 'ready') onReady(r.stage);
        else if (r.kind === 'done') summary = r.summary;
        else if (failure === undefined) {
          failure = replyError(r, i);
          stopAll();
        }
      });
      worker.on('error', (e) => {
        if (failure === undefined) failure = new Error(`thread ${i} died: ${e.message}`);
        stopAll();
      });
      worker.on('exit', (code) => {
        if (summary === undefined && failure === undefined) {
          failure = new Error(`thread ${i} exited (code ${code}) without finishing`);
          stopAll();
        }
        resolve(summary);
      });
    });
  });
  const onAbort = (): void => stopAll();
  signal.addEventListener('abort', onAbort, { once: true });
  // Interrupted while the threads were being made (the engine's imports): tell them now.
  if (signal.aborted) stopAll();
  try {
    const summaries = await Promise.all(ends);
    if (failure) throw failure;
    return mergeSummaries(summaries.filter((s): s is ScaleOutSummary => s !== undefined), signal.aborted);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** The threads' summaries as one process's: every task any thread ran, by partition. */
function mergeSummaries(all: readonly ScaleOutSummary[], aborted: boolean): ScaleOutSummary {
  const tasks = all.flatMap((s) => s.tasks).sort((a, b) => a.partition - b.partition);
  return { group: all[0]?.group ?? '', changelog: all[0]?.changelog ?? '', tasks, aborted: aborted || all.some((s) => s.aborted) };
}
