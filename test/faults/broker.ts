// Control of the fault suite's own broker (scripts/kafka-up.sh on KAFKA_PORT): start it, kill -9
// it, restart it on the same data directory (SLUICE_KAFKA_KEEP_DATA=1), freeze it with SIGSTOP
// and thaw it with SIGCONT, and set a producer byte-rate quota; plus the few admin calls the
// scenarios need. A frozen broker is thawed and a quota lifted at cleanup whatever happens.

import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { BOOTSTRAP, KAFKA_PORT, onCleanup, say, sleep, waitFor } from './harness.js';

const run = promisify(execFile);
const KAFKA_HOME = process.env['SLUICE_KAFKA_HOME'] ?? path.join(os.homedir(), '.cache', 'sluice', 'kafka-3.9.1');
const PID_FILE = path.join(KAFKA_HOME, `run-${KAFKA_PORT}`, 'broker.pid');

/** Starts the broker (idempotent: a serving one is left alone); `keepData` restarts on the existing data dir. */
export async function brokerUp(keepData = false): Promise<number> {
  const t0 = Date.now();
  await run('bash', [path.resolve('scripts/kafka-up.sh')], {
    env: { ...process.env, ...(keepData ? { SLUICE_KAFKA_KEEP_DATA: '1' } : {}) },
    maxBuffer: 1 << 24,
    timeout: 300_000,
  });
  return Date.now() - t0;
}

export function brokerPid(): number {
  return Number(readFileSync(PID_FILE, 'utf8').trim());
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** kill -9 of the broker; resolves once the process is gone. */
export async function killBroker(): Promise<void> {
  const pid = brokerPid();
  process.kill(pid, 'SIGKILL');
  if (!(await waitFor(() => !alive(pid), 10_000, 50))) throw new Error(`broker pid ${pid} survived SIGKILL`);
  say(`broker pid ${pid} killed (SIGKILL)`);
}

/** Restarts the broker on its existing data directory; resolves once it serves. */
export async function restartBroker(): Promise<void> {
  const ms = await brokerUp(true);
  say(`broker restarted on the same data dir (pid ${brokerPid()}, serving after ${(ms / 1000).toFixed(1)} s)`);
}

/** SIGSTOP of the broker for `ms`, then SIGCONT (also at cleanup, if the scenario dies meanwhile). */
export async function freezeBroker(ms: number): Promise<void> {
  const pid = brokerPid();
  const thaw = (): void => void process.kill(pid, 'SIGCONT');
  const done = onCleanup(thaw);
  process.kill(pid, 'SIGSTOP');
  say(`broker pid ${pid} stopped (SIGSTOP) for ${ms / 1000} s`);
  try {
    await sleep(ms);
  } finally {
    thaw();
    done();
  }
  say(`broker pid ${pid} continued (SIGCONT)`);
}

async function configCommand(args: string[]): Promise<void> {
  await run('java', ['-cp', path.join(KAFKA_HOME, 'lib', '*'), 'kafka.admin.ConfigCommand', '--bootstrap-server', BOOTSTRAP, ...args, '--entity-type', 'clients', '--entity-default'], { timeout: 60_000 });
}

/** A default producer byte-rate quota for every client of the broker; lifted at cleanup. Returns its remover. */
export async function limitProducers(bytesPerSecond: number): Promise<() => Promise<void>> {
  await configCommand(['--alter', '--add-config', `producer_byte_rate=${bytesPerSecond}`]);
  say(`broker quota producer_byte_rate=${bytesPerSecond} for every client`);
  const lift = (): Promise<void> => configCommand(['--alter', '--delete-config', 'producer_byte_rate']);
  // At process exit only a synchronous step can run: a detached java that lifts it.
  const done = onCleanup(() => {
    spawn('java', ['-cp', path.join(KAFKA_HOME, 'lib', '*'), 'kafka.admin.ConfigCommand', '--bootstrap-server', BOOTSTRAP, '--alter', '--delete-config', 'producer_byte_rate', '--entity-type', 'clients', '--entity-default'], { detached: true, stdio: 'ignore' }).unref();
  });
  return async () => {
    await lift();
    done();
    say('broker quota lifted');
  };
}

export function admin(): ReturnType<Kafka['admin']> {
  return new Kafka({ clientId: 'sluice-faults', brokers: [BOOTSTRAP], logLevel: logLevel.NOTHING, retry: { retries: 10 } }).admin();
}

export async function deleteTopic(topic: string): Promise<void> {
  const a = admin();
  await a.connect();
  try {
    await a.deleteTopics({ topics: [topic], timeout: 30_000 });
  } finally {
    await a.disconnect();
  }
}

/** Sum over partitions of the topic's high watermarks (every record written, committed or not); 0 when it does not exist. */
export async function topicRecords(topic: string): Promise<number> {
  const a = admin();
  await a.connect();
  try {
    if (!(await a.listTopics()).includes(topic)) return 0;
    return (await a.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await a.disconnect();
  }
}
