// `npm run bench:threads`: what worker threads buy a scaled-out job in one process. On the local
// broker (or $SLUICE_BROKERS) it fills a BENCH_PARTITIONS-partition topic (default 4) with
// BENCH_EVENTS sensor readings (default 1,000,000; 1,000 keys, up to 500 ms out of order, as
// bench:kafka's), or reuses BENCH_TOPIC, then in each of BENCH_ROUNDS rounds (default 5) runs, one
// after the other: `sluice run --scale-out` (every partition task on the main thread) and
// `sluice run --scale-out --threads BENCH_THREADS` (default 2), the sensor-downsampling job,
// exactly-once, 1 s checkpoints, a fresh consumer group each. Each run is timed from spawn to
// exit with its CPU seconds and peak RSS (/usr/bin/time when there is one); it prints each
// round, the load average, the medians and the median of the rounds' own speed-ups. Never asserts.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { Partitioners, type Message } from 'kafkajs';
import { clientSettings } from '../src/connectors/kafka/client.js';
import { kafkajsClient } from '../src/connectors/kafka/kafkajs/client.js';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 1_000_000);
const PARTITIONS = Number(process.env['BENCH_PARTITIONS'] ?? 4);
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 5));
const THREADS = process.env['BENCH_THREADS'] ?? '2';
const KEYS = 1000;
const BASE_MS = Date.UTC(2024, 4, 20, 10, 0, 0);
const TIME = '/usr/bin/time';

function brokers(): string {
  const env = process.env['SLUICE_BROKERS'];
  if (env) return env;
  const out = execFileSync('bash', [path.resolve('scripts/kafka-up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop()!;
}

async function fill(bootstrap: string, topic: string): Promise<void> {
  const kafka = kafkajsClient(clientSettings({ brokers: bootstrap }, 'sluice-bench-threads'));
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, maxInFlightRequests: 1 });
  await producer.connect();
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let i = 0; i < EVENTS; ) {
    const messages: Message[] = [];
    // 1,000 per send: kafkajs groups a send's messages by partition in quadratic time.
    for (let j = 0; j < 1000 && i < EVENTS; j++, i++) {
      const ts = BASE_MS + Math.floor(i / 2) - Math.floor(rnd() * 500);
      const sensor = `sensor-${Math.floor(rnd() * KEYS)}`;
      messages.push({ key: sensor, value: `{"sensor":"${sensor}","value":${Math.round(rnd() * 10000) / 100},"ts":${ts}}` });
    }
    await producer.send({ topic, messages, acks: -1 });
  }
  await producer.disconnect();
}

interface Run {
  readonly ms: number;
  readonly cpu: number | undefined;
  readonly rssMB: number | undefined;
  readonly rows: number;
}

/** One `sluice run --scale-out` of the job with `extra` arguments and a fresh group, timed from spawn to exit. */
function run(bootstrap: string, input: string, dir: string, extra: readonly string[]): Promise<Run> {
  const id = randomUUID().slice(0, 8);
  const job = path.join(dir, `job-${id}.sql`);
  writeFileSync(
    job,
    `CREATE SOURCE raw (sensor VARCHAR KEY, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
    WITH (connector = 'kafka', topic = '${input}', brokers = '${bootstrap}', bounded = 'latest', group = 'bench-threads-${id}', session_timeout = '6s');
    CREATE SINK agg WITH (connector = 'kafka', topic = 'bench-threads-out-${id}', brokers = '${bootstrap}') AS
    SELECT sensor, window_end AS time, STRUCT(COUNT(*) AS count, MIN(value) AS min, MAX(value) AS max, AVG(value) AS mean) AS temperature
    FROM raw GROUP BY sensor, TUMBLE(ts, 10s);`,
  );
  const timeFile = path.join(dir, `time-${id}.txt`);
  const useTime = existsSync(TIME);
  const args = [path.resolve('bin/sluice.js'), 'run', job, '--scale-out', '--checkpoint-interval', '1s', ...extra];
  const [cmd, argv] = useTime ? [TIME, ['-f', '%U %S %M', '-o', timeFile, process.execPath, ...args]] : [process.execPath, args];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}: ${err}`));
      const rows = Number(/(\d+) rows committed/.exec(err)?.[1] ?? 0);
      if (!useTime) return resolve({ ms, cpu: undefined, rssMB: undefined, rows });
      const [u, s, kb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number];
      resolve({ ms, cpu: u + s, rssMB: kb / 1024, rows });
    });
  });
}

const median = (xs: readonly number[]): number => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 === 1 ? a[(a.length - 1) / 2]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
};
const load = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' ');
const fmt = (r: Run): string => `${(r.ms / 1000).toFixed(2)} s, ${Math.round((EVENTS / r.ms) * 1000).toLocaleString('en-US')} events/s, cpu ${r.cpu?.toFixed(2) ?? '?'} s, peak RSS ${r.rssMB?.toFixed(0) ?? '?'} MB, ${r.rows} rows`;

const bootstrap = brokers();
const input = process.env['BENCH_TOPIC'] ?? `bench-threads-in-${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-threads-'));
console.log(`bench:threads: ${EVENTS.toLocaleString('en-US')} events, ${PARTITIONS} partitions, ${ROUNDS} rounds, --threads ${THREADS}, ${os.availableParallelism()} cores, broker ${bootstrap}, load ${load()}`);
if (process.env['BENCH_TOPIC'] === undefined) await fill(bootstrap, input);
console.log(`  input ${input}`);
const rounds: Array<{ one: Run; many: Run }> = [];
for (let r = 1; r <= ROUNDS; r++) {
  // Alternating which goes first, so a drift of the shared machine's load hits both alike.
  const first = r % 2 === 1 ? 'one' : 'many';
  const a = await run(bootstrap, input, dir, first === 'one' ? [] : ['--threads', THREADS]);
  const b = await run(bootstrap, input, dir, first === 'one' ? ['--threads', THREADS] : []);
  const round = first === 'one' ? { one: a, many: b } : { one: b, many: a };
  rounds.push(round);
  console.log(`  round ${r} (load ${load()}): one thread ${fmt(round.one)}\n           ${THREADS} threads ${fmt(round.many)}; speed-up ${(round.one.ms / round.many.ms).toFixed(2)}`);
}
const med = (f: (r: { one: Run; many: Run }) => number | undefined): string => {
  const xs = rounds.map(f).filter((x): x is number => x !== undefined);
  return xs.length === 0 ? '?' : median(xs).toFixed(2);
};
console.log(`  medians: one thread ${med((r) => r.one.ms / 1000)} s, cpu ${med((r) => r.one.cpu)} s, peak RSS ${med((r) => r.one.rssMB)} MB`);
console.log(`           ${THREADS} threads ${med((r) => r.many.ms / 1000)} s, cpu ${med((r) => r.many.cpu)} s, peak RSS ${med((r) => r.many.rssMB)} MB`);
console.log(`  speed-up (median of the rounds' own, wall time): ${med((r) => r.one.ms / r.many.ms)} (rounds: ${rounds.map((r) => (r.one.ms / r.many.ms).toFixed(2)).join(' ')}); load at the end ${load()}`);
rmSync(dir, { recursive: true, force: true });
