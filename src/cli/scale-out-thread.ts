// The entry of one worker thread of `run --scale-out --threads N` (exec/scale-out/threads.ts):
// plans the job's file as the main thread did, and runs the scale-out runner as one member of
// the job's consumer group until the job ends or the main thread posts stop; then posts its
// summary. Its log lines go to the process's stderr like the main thread's.

import { parentPort, workerData } from 'node:worker_threads';
import { loadScriptFile, planScript } from './load.js';
import { selectSinks } from './select-sinks.js';
import { planFingerprint } from '../state/fingerprint.js';
import { runScaleOut } from '../exec/scale-out/runner.js';
import { failedReply, type ThreadCommand, type ThreadReply } from '../exec/scale-out/threads.js';
import { configureLog, log, type LogLevel } from '../util/log.js';
import { setKafkaRetryFor } from '../connectors/kafka/retry.js';

export interface ThreadData {
  readonly file: string;
  readonly sinks: readonly string[] | undefined;
  readonly format: string | undefined;
  readonly intervalMs: number;
  readonly kafkaRetryForMs: number | undefined;
  readonly level: LogLevel;
  readonly json: boolean;
  readonly thread: number;
}

const data = workerData as ThreadData;
const port = parentPort!;
configureLog({ level: data.level, json: data.json });
if (data.kafkaRetryForMs !== undefined) setKafkaRetryFor(data.kafkaRetryForMs);
const controller = new AbortController();
/** Per stage, the main thread's word that every thread is ready to join the group. */
const joins = new Map<string, () => void>();
port.on('message', (m: ThreadCommand) => {
  if (m.kind === 'stop') controller.abort();
  else joins.get(m.stage)?.();
});
controller.signal.addEventListener('abort', () => {
  for (const go of joins.values()) go();
});

function beforeJoin(stage: string): Promise<void> {
  const go = new Promise<void>((resolve) => joins.set(stage, resolve));
  if (controller.signal.aborted) return Promise.resolve();
  port.postMessage({ kind: 'ready', stage } satisfies ThreadReply);
  return go;
}

async function main(): Promise<ThreadReply> {
  const script = loadScriptFile(data.file);
  const plan = planScript(script, selectSinks(script, data.sinks, data.format), { provenance: false });
  const summary = await runScaleOut(plan, {
    fingerprint: planFingerprint(plan),
    intervalMs: data.intervalMs,
    signal: controller.signal,
    beforeJoin,
    // The threads join together, and the coordinator may still give one of them every partition
    // first: a short heartbeat tells it of the rebalance before its tasks got far.
    heartbeatMs: 250,
    onEvent: (message, fields) => log.info(message.replace(/^sluice: /, `sluice: thread ${data.thread}: `), { ...fields, thread: data.thread }),
  });
  return { kind: 'done', summary };
}

const reply = await main().catch(failedReply);
port.postMessage(reply);
// Kafka clients and timers stopped with the runner; whatever is left must not keep the thread.
port.removeAllListeners('message');
port.unref();
setTimeout(() => process.exit(0), 2000).unref();
