// `npm run bench:slow-sink`: peak RSS of a job whose Kafka sink is slower than its source. The
// input topic is filled first; then the broker gets a producer byte-rate quota (BENCH_QUOTA
// bytes/s, default 1 MB/s, for every client: kafka.admin.ConfigCommand) and a pass-through job
// (every input row out, BENCH_EVENTS rows, default 2M) runs with `sluice run`, once at least
// once and once exactly once. Prints each run's peak RSS (sampled from /proc every 200 ms),
// time and rows; never asserts. The quota is lifted at the end. Run it on a broker of your own
// (SLUICE_BROKERS, or SLUICE_KAFKA_PORT for scripts/kafka-up.sh): the quota slows every client.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { Partitioners, type Message } from 'kafkajs';
import { clientSettings } from '../src/connectors/kafka/client.js';
import { kafkajsClient } from '../src/connectors/kafka/kafkajs/client.js';

const kafkaClient = (options: Record<string, string>, clientId: string) => kafkajsClient(clientSettings(options, clientId));

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 2_000_000);
const QUOTA = Number(process.env['BENCH_QUOTA'] ?? 1 << 20);
const KAFKA_LIB = path.join(process.env['SLUICE_KAFKA_HOME'] ?? path.join(os.homedir(), '.cache', 'sluice', 'kafka-3.9.1'), 'lib', '*');

function brokers(): string {
  const env = process.env['SLUICE_BROKERS'];
  if (env) return env;
  const out = execFileSync('bash', [path.resolve('scripts/kafka-up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop()!;
}

async function produceInput(bootstrap: string, topic: string): Promise<void> {
  const kafka = kafkaClient({ brokers: bootstrap }, 'sluice-bench');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, maxInFlightRequests: 1 });
  await producer.connect();
  const base = Date.UTC(2024, 4, 20, 10, 0, 0);
  for (let i = 0; i < EVENTS; ) {
    const messages: Message[] = [];
    for (let j = 0; j < 1000 && i < EVENTS; j++, i++) {
      messages.push({ key: `sensor-${i % 1000}`, value: `{"sensor":"sensor-${i % 1000}","value":${(i % 10000) / 100},"ts":${base + Math.floor(i / 2)}}` });
    }
    await producer.send({ topic, messages, acks: -1 });
  }
  await producer.disconnect();
}

function quota(bootstrap: string, add: boolean): void {
  const change = add ? ['--add-config', `producer_byte_rate=${QUOTA}`] : ['--delete-config', 'producer_byte_rate'];
  execFileSync('java', ['-cp', KAFKA_LIB, 'kafka.admin.ConfigCommand', '--bootstrap-server', bootstrap, '--alter', ...change, '--entity-type', 'clients', '--entity-default'], { stdio: 'ignore' });
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function runJob(bootstrap: string, input: string, guarantee: string): Promise<{ peak: number; seconds: number; code: number | null; tail: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-slow-'));
  const out = `bench-slow-out-${randomUUID().slice(0, 8)}`;
  writeFileSync(
    path.join(dir, 'job.sql'),
    `CREATE SOURCE ev (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = '${input}', brokers = '${bootstrap}', bounded = 'latest');
CREATE SINK out WITH (connector = 'kafka', topic = '${out}', brokers = '${bootstrap}', guarantee = '${guarantee}') AS
  SELECT sensor, value, ts FROM ev;
`,
  );
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.resolve('bin/sluice.js'), 'run', 'job.sql'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, rssBytes(child.pid!))), 200);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  rmSync(dir, { recursive: true, force: true });
  return { peak, seconds: (performance.now() - t0) / 1000, code, tail: stderr.trim().split('\n').slice(-3).join('\n') };
}

const bootstrap = brokers();
const input = `bench-slow-in-${randomUUID().slice(0, 8)}`;
console.log(`bench:slow-sink: ${EVENTS.toLocaleString('en-US')} events into ${input} on ${bootstrap}`);
await produceInput(bootstrap, input);
quota(bootstrap, true);
console.log(`broker quota: producer_byte_rate=${QUOTA} for every client`);
try {
  for (const guarantee of ['at_least_once', 'exactly_once']) {
    const r = await runJob(bootstrap, input, guarantee);
    console.log(`${guarantee.padEnd(13)}  peak RSS ${(r.peak / (1 << 20)).toFixed(0)} MB  ${r.seconds.toFixed(1)} s  exit ${r.code}`);
    if (r.code !== 0) console.log(r.tail);
  }
} finally {
  quota(bootstrap, false);
  console.log('broker quota lifted');
}
