// `npm run bench:kafka`: on the local broker (or $SLUICE_BROKERS), in one run:
// (1) the produce rate of `sluice produce`'s path (batched sends, acks from all replicas),
// (2) the raw kafkajs consumer of the pre-filled topic (eachBatch + JSON.parse, nothing else) as
//     a process of its own (scripts/bench-kafka-raw.ts),
// (3) the connector alone, in this process: the same consumer making a KafkaRecord per message
//     and decoding it to a row with the source's decoder (what the engine adds before its operators),
// (4) the engine end to end: `sluice run` of the sensor-downsampling job (10 s tumbling windows
//     per sensor, 1,000 keys; COUNT, MIN, MAX, AVG in a STRUCT) from the pre-filled topic
//     (bounded = 'latest') to an output topic, exactly-once (checkpoints on, transactional sink);
//     then the same with SLUICE_KAFKA_THREAD=off (the sink's producer on the engine's thread).
// (2) and (4) are timed from spawn to exit, start-up and shutdown included, with their CPU
// seconds and peak RSS (from /usr/bin/time when there is one) and the time from process start to
// the first record read; (3) from its first admin call to the clients disconnected.
// (5) with BENCH_SCALE_OUT=1 and BENCH_PARTITIONS > 1: the same job with `sluice run --scale-out`
//     (sensor declared KEY: one task per partition, exactly-once, 1 s checkpoints), in one
//     process and in two started together, each timed from spawn to the last process's exit.
// (2-4) run BENCH_ROUNDS times (default 3), alternating, in turn; each round's figures are
// printed, then the medians, and engine/raw as the median of the rounds' own ratios.
// Prints figures and the engine/raw ratio; never asserts. BENCH_EVENTS sets the input size,
// BENCH_PARTITIONS the partitions of the input topic, BENCH_TOPIC an already filled input topic
// (skips (1)).

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { Partitioners, type Message } from 'kafkajs';
import { clientSettings } from '../src/connectors/kafka/client.js';
import { kafkajsClient } from '../src/connectors/kafka/kafkajs/client.js';
import { compileKafkaDecoder, KafkaRecord } from '../src/connectors/kafka/record.js';
import { T, type Row } from '../src/catalog/types.js';

const kafkaClient = (options: Record<string, string>, clientId: string) => kafkajsClient(clientSettings(options, clientId));

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 1_000_000);
const PARTITIONS = Number(process.env['BENCH_PARTITIONS'] ?? 1);
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));
const KEYS = 1000;
const BASE_MS = Date.UTC(2024, 4, 20, 10, 0, 0);
const TIME = '/usr/bin/time';

function brokers(): string {
  const env = process.env['SLUICE_BROKERS'];
  if (env) return env;
  const out = execFileSync('bash', [path.resolve('scripts/kafka-up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop()!;
}

const decoder = compileKafkaDecoder(
  [
    { name: 'sensor', type: T.varchar },
    { name: 'value', type: T.double },
    { name: 'ts', type: T.timestamp },
  ],
  'ts',
);

const rate = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en-US')} events/s`;

async function produceInput(bootstrap: string, topic: string): Promise<number> {
  const kafka = kafkaClient({ brokers: bootstrap }, 'sluice-bench');
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
  const t0 = performance.now();
  // 1,000 per send: kafkajs groups a send's messages by partition in quadratic time.
  const BATCH = 1000;
  for (let i = 0; i < EVENTS; ) {
    const messages: Message[] = [];
    for (let j = 0; j < BATCH && i < EVENTS; j++, i++) {
      // ~2,000 events per second of event time, up to 500 ms out of order.
      const ts = BASE_MS + Math.floor(i / 2) - Math.floor(rnd() * 500);
      const sensor = `sensor-${Math.floor(rnd() * KEYS)}`;
      const value = Math.round(rnd() * 10000) / 100;
      messages.push({ key: sensor, value: `{"sensor":"${sensor}","value":${value},"ts":${ts}}` });
    }
    await producer.send({ topic, messages, acks: -1 });
  }
  const ms = performance.now() - t0;
  await producer.disconnect();
  return ms;
}

/** The connector's own work, in this process: a KafkaRecord per message and the source decoder to rows, up to the end offsets. */
async function connectorConsume(bootstrap: string, topic: string): Promise<{ ms: number; n: number }> {
  const kafka = kafkaClient({ brokers: bootstrap }, 'sluice-bench-conn');
  // From here, as the engine's clock starts before its reader looks up offsets and connects.
  const t0 = performance.now();
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `bench-conn-${randomUUID()}`, maxBytesPerPartition: 4 << 20, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let n = 0;
  let sink = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const rec = new KafkaRecord(topic, batch.partition, m);
          // As the engine decodes (source-runtime.ts admit): from the record's bytes when the decoder can.
          const row = (decoder.fromRecord !== undefined ? decoder.fromRecord(rec) : decoder(rec.value, rec)) as Row;
          sink += row[1] as number;
          n++;
        }
        const end = ends.get(batch.partition)!;
        if (BigInt(batch.lastOffset()) + 1n >= end) ends.delete(batch.partition);
        if (ends.size === 0) resolve();
      },
    });
  });
  await consumer.disconnect();
  const ms = performance.now() - t0;
  if (sink === -1) console.log(sink);
  return { ms, n };
}

/** A process's figures: wall time from spawn to exit, CPU seconds (user + system), peak RSS, and ms from its start to its first record. */
interface Proc {
  ms: number;
  cpu: number | undefined;
  rssMB: number | undefined;
  firstMs: number | undefined;
  n: number;
  out?: number;
}

/**
 * Runs `node args` in `cwd` (under /usr/bin/time when there is one, for CPU seconds and peak
 * RSS) and resolves to its figures; `parse` reads the record count and the first-record time
 * from its stdout and stderr.
 */
function timed(args: string[], cwd: string, env: NodeJS.ProcessEnv, parse: (stdout: string, stderr: string) => Pick<Proc, 'n' | 'firstMs' | 'out'>): Promise<Proc> {
  const timeFile = path.join(cwd, `time-${randomUUID()}.txt`);
  const useTime = existsSync(TIME);
  const [cmd, argv] = useTime ? [TIME, ['-f', '%U %S %M', '-o', timeFile, process.execPath, ...args]] : [process.execPath, args];
  const t0 = performance.now();
  return new Promise<Proc>((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}: ${err}`));
      let cpu: number | undefined;
      let rssMB: number | undefined;
      if (useTime) {
        const [u, s, kb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number];
        cpu = u + s;
        rssMB = kb / 1024;
      }
      resolve({ ms, cpu, rssMB, ...parse(out, err) });
    });
  });
}

function raw(bootstrap: string, topic: string, dir: string): Promise<Proc> {
  return timed([path.resolve('dist/scripts/bench-kafka-raw.js'), bootstrap, topic], dir, process.env, (stdout) => {
    const r = JSON.parse(stdout.trim()) as { records: number; firstRecordMs: number };
    return { n: r.records, firstMs: r.firstRecordMs };
  });
}

/** `sluice run` of the sensor-downsampling job (examples/kafka's, bounded), exactly-once, from a fresh state directory. */
function engine(bootstrap: string, input: string, output: string, dir: string, env: NodeJS.ProcessEnv): Promise<Proc> {
  const job = path.join(dir, `${output}.sql`);
  writeFileSync(
    job,
    `CREATE SOURCE raw_temp (sensor VARCHAR KEY, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
    WITH (connector = 'kafka', topic = '${input}', brokers = '${bootstrap}', format = 'json', bounded = 'latest', group = '${output}-g');
    CREATE SINK agg_temperature WITH (connector = 'kafka', topic = '${output}', brokers = '${bootstrap}', format = 'json') AS
    SELECT sensor, window_end AS time, STRUCT(COUNT(*) AS count, MIN(value) AS min, MAX(value) AS max, AVG(value) AS mean) AS temperature
    FROM raw_temp GROUP BY sensor, TUMBLE(ts, 10s);`,
  );
  const args = [path.resolve('bin/sluice.js'), 'run', job, '--state-dir', path.join(dir, `${output}.state`)];
  return timed(args, dir, env, (_out, err) => {
    const records = err.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const src = records.find((r) => r['event'] === 'summary' && r['source'] !== undefined);
    const sink = records.find((r) => r['event'] === 'summary' && r['sink'] !== undefined);
    return { n: Number(src?.['records'] ?? 0), firstMs: src?.['firstRecordMs'] as number | undefined, out: Number(sink?.['rows'] ?? 0) };
  });
}

/** `processes` runs of `sluice run --scale-out` at once over `input`; ms from spawn to the last exit. */
async function scaledOut(bootstrap: string, input: string, output: string, processes: number): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-scale-'));
  writeFileSync(
    path.join(dir, 'job.sql'),
    `CREATE SOURCE raw (sensor VARCHAR KEY, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
    WITH (connector = 'kafka', topic = '${input}', brokers = '${bootstrap}', bounded = 'latest', group = '${output}-g', session_timeout = '6s');
    CREATE SINK agg WITH (connector = 'kafka', topic = '${output}', brokers = '${bootstrap}') AS
    SELECT sensor, window_start, window_end, COUNT(*) AS cnt, SUM(value) AS total, MIN(value) AS lo, MAX(value) AS hi, AVG(value) AS mean
    FROM raw GROUP BY sensor, TUMBLE(ts, 10s);`,
  );
  const bin = path.resolve('bin/sluice.js');
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: processes }, () =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [bin, 'run', 'job.sql', '--scale-out', '--checkpoint-interval', '1s'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sluice run --scale-out exited ${code}: ${err}`))));
      }),
    ),
  );
  return performance.now() - t0;
}

const bootstrap = brokers();
const id = randomUUID().slice(0, 8);
const input = process.env['BENCH_TOPIC'] ?? `bench-in-${id}`;
const output = `bench-out-${id}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-kafka-'));
console.log(`bench:kafka: ${EVENTS.toLocaleString('en-US')} events, ${KEYS} keys, ${PARTITIONS} partition(s), ${ROUNDS} round(s), broker ${bootstrap}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
if (process.env['BENCH_TOPIC'] === undefined) {
  const produceMs = await produceInput(bootstrap, input);
  console.log(`  produce (kafkajs, 1,000 per send, acks=all)     ${rate(EVENTS, produceMs)}  (${(produceMs / 1000).toFixed(2)} s) into ${input}`);
} else {
  console.log(`  input: the existing topic ${input}`);
}
// WHY rounds: the machine's speed drifts by tens of percent over seconds (a shared host), so a
// single pair compares two different machines. Each round runs every consumer once, back to
// back; the ratios are taken within a round and their median reported.
interface Round {
  raw: Proc;
  conn: { ms: number; n: number };
  eng: Proc;
  inline: Proc;
}
const rounds: Round[] = [];
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const figures = (p: Proc): string =>
  `${s(p.ms)} (cpu ${p.cpu?.toFixed(2) ?? '?'} s, peak RSS ${p.rssMB?.toFixed(0) ?? '?'} MB, first record at ${p.firstMs ?? '?'} ms)`;
for (let r = 1; r <= ROUNDS; r++) {
  const rawRun = await raw(bootstrap, input, dir);
  const eng = await engine(bootstrap, input, `${output}-${r}`, dir, process.env);
  const conn = await connectorConsume(bootstrap, input);
  const inline = await engine(bootstrap, input, `${output}-${r}-inline`, dir, { ...process.env, SLUICE_KAFKA_THREAD: 'off' });
  rounds.push({ raw: rawRun, conn, eng, inline });
  // Rates below are of EVENTS: say so when a consumer read another count.
  for (const [name, m] of [['raw', rawRun], ['connector', conn], ['engine', eng], ['engine inline', inline]] as const) {
    if (m.n !== EVENTS) console.log(`  WARNING round ${r}: ${name} read ${m.n.toLocaleString('en-US')} records, not ${EVENTS.toLocaleString('en-US')}`);
  }
  console.log(`  round ${r}: raw ${figures(rawRun)}`);
  console.log(`           engine ${figures(eng)}, ${eng.out?.toLocaleString('en-US')} rows out; engine/raw ${(rawRun.ms / eng.ms).toFixed(2)}`);
  console.log(`           producer on the engine's thread ${figures(inline)}; connector in-process ${s(conn.ms)}`);
}
const median = (xs: number[]): number => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 === 1 ? a[(a.length - 1) / 2]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
};
const med = (f: (r: Round) => number | undefined): string => {
  const xs = rounds.map(f).filter((x): x is number => x !== undefined);
  return xs.length === 0 ? '?' : median(xs).toFixed(2);
};
const ratios = (f: (r: Round) => number): string => rounds.map((r) => (r.raw.ms / f(r)).toFixed(2)).join(' ');
const line = (label: string, ms: number): string => `  ${label.padEnd(52)}${rate(EVENTS, ms)}  (${(ms / 1000).toFixed(2)} s)`;
const procLine = (label: string, f: (r: Round) => Proc): string =>
  `${line(label, Number(med((r) => f(r).ms)))}, cpu ${med((r) => f(r).cpu)} s, peak RSS ${med((r) => f(r).rssMB)} MB, first record ${med((r) => f(r).firstMs)} ms`;
console.log(`  median of ${ROUNDS} round(s), spawn to exit:`);
console.log(procLine('raw consumer process (eachBatch + JSON.parse)', (r) => r.raw));
console.log(procLine('sluice run: sensor downsampling, exactly-once', (r) => r.eng));
console.log(procLine("sluice run, producer on the engine's thread", (r) => r.inline));
console.log(line('connector only, in-process (+ KafkaRecord, decode)', Number(med((r) => r.conn.ms))));
console.log(
  `  engine / raw: ${median(rounds.map((r) => r.raw.ms / r.eng.ms)).toFixed(2)} (rounds: ${ratios((r) => r.eng.ms)})   ` +
    `by CPU seconds: ${med((r) => (r.raw.cpu !== undefined && r.eng.cpu !== undefined ? r.raw.cpu / r.eng.cpu : undefined))}   ` +
    `producer on the engine's thread: ${median(rounds.map((r) => r.raw.ms / r.inline.ms)).toFixed(2)} (${ratios((r) => r.inline.ms)})   ` +
    `connector / raw: ${median(rounds.map((r) => r.raw.ms / r.conn.ms)).toFixed(2)}`,
);
if (process.env['BENCH_SCALE_OUT'] === '1' && PARTITIONS > 1) {
  for (const n of [1, 2]) {
    const ms = await scaledOut(bootstrap, input, `bench-scale-${n}-${id}`, n);
    console.log(`  engine --scale-out, ${n} process${n > 1 ? 'es' : '  '} (spawn to exit) ${rate(EVENTS, ms)}  (${(ms / 1000).toFixed(2)} s)`);
  }
}
rmSync(dir, { recursive: true, force: true });
