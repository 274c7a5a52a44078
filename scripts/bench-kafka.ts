// `npm run bench:kafka`: on the local broker (or $SLUICE_BROKERS), in one run:
// (1) the produce rate of `sluice produce`'s path (batched sends, acks from all replicas),
// (2) the raw kafkajs consume rate of the pre-filled topic: eachBatch + JSON.parse, nothing else,
// (3) the connector alone: the same consumer making a KafkaRecord per message and decoding it
//     to a row with the source's decoder (what the engine adds before its operators),
// (4) the engine end to end: the 10 s tumbling job (1,000 keys; COUNT, SUM, MIN, MAX, AVG) from
//     the pre-filled topic (bounded = 'latest') to an output topic; then the same with
//     SLUICE_KAFKA_THREAD=off (the sink's producer on the engine's thread, as before it had one).
// Consume rates (2-4) are timed alike, end to end: from the first admin call (end offsets,
// connect, group join) to the last record handled and the clients disconnected.
// (5) with BENCH_SCALE_OUT=1 and BENCH_PARTITIONS > 1: the same job with `sluice run --scale-out`
//     (sensor declared KEY: one task per partition, exactly-once, 1 s checkpoints), in one
//     process and in two started together, each timed from spawn to the last process's exit.
// (2-4) run BENCH_ROUNDS times (default 3), in turn; each round's figures are printed, then the
// medians, and engine/raw as the median of the rounds' own ratios.
// Prints figures and the engine/raw ratio; never asserts. BENCH_EVENTS sets the input size,
// BENCH_PARTITIONS the partitions of the input topic.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { Partitioners, type Message } from 'kafkajs';
import { Catalog } from '../src/catalog/catalog.js';
import { loadScriptText } from '../src/cli/load.js';
import { clientSettings } from '../src/connectors/kafka/client.js';
import { kafkajsClient } from '../src/connectors/kafka/kafkajs/client.js';

const kafkaClient = (options: Record<string, string>, clientId: string) => kafkajsClient(clientSettings(options, clientId));
import { compileKafkaDecoder, KafkaRecord } from '../src/connectors/kafka/record.js';
import { T, type Row } from '../src/catalog/types.js';
import { Job } from '../src/exec/job.js';
import { planSinks } from '../src/plan/job.js';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 1_000_000);
const PARTITIONS = Number(process.env['BENCH_PARTITIONS'] ?? 1);
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));
const KEYS = 1000;
const BASE_MS = Date.UTC(2024, 4, 20, 10, 0, 0);

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

/**
 * eachBatch + JSON.parse of every value, up to the end offsets; nothing else. With `decode`,
 * the connector's own work instead: a KafkaRecord per message and the source decoder to rows.
 */
async function rawConsume(bootstrap: string, topic: string, decode = false): Promise<{ ms: number; n: number }> {
  const kafka = kafkaClient({ brokers: bootstrap }, 'sluice-bench-raw');
  // From here, as the engine's clock starts before its reader looks up offsets and connects.
  const t0 = performance.now();
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}`, maxBytesPerPartition: 4 << 20, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let n = 0;
  let sink = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (decode) {
          for (const m of batch.messages) {
            const rec = new KafkaRecord(topic, batch.partition, m);
            const row = decoder(rec.value, rec) as Row;
            sink += row[1] as number;
            n++;
          }
        } else {
          for (const m of batch.messages) {
            const o = JSON.parse(m.value!.toString('utf8')) as { value: number };
            sink += o.value;
            n++;
          }
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

async function engine(bootstrap: string, input: string, output: string): Promise<{ ms: number; n: number; out: number }> {
  const sql = `
    CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
    WITH (connector = 'kafka', topic = '${input}', brokers = '${bootstrap}', bounded = 'latest');
    CREATE SINK agg WITH (connector = 'kafka', topic = '${output}', brokers = '${bootstrap}') AS
    SELECT sensor, window_start, window_end, COUNT(*) AS cnt, SUM(value) AS total, MIN(value) AS lo, MAX(value) AS hi, AVG(value) AS mean
    FROM raw GROUP BY sensor, TUMBLE(ts, 10s);`;
  const script = loadScriptText(sql, 'bench-kafka.sql', os.tmpdir(), new Catalog());
  const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: false });
  const t0 = performance.now();
  const summary = await new Job(plan).run();
  const ms = performance.now() - t0;
  return { ms, n: summary.metrics.sources[0]!.recordsIn, out: summary.metrics.sinks[0]!.rowsOut };
}

const bootstrap = brokers();
const id = randomUUID().slice(0, 8);
const input = `bench-in-${id}`;
const output = `bench-out-${id}`;
console.log(`bench:kafka: ${EVENTS.toLocaleString('en-US')} events, ${KEYS} keys, ${PARTITIONS} partition(s), ${ROUNDS} round(s), broker ${bootstrap}`);
const produceMs = await produceInput(bootstrap, input);
console.log(`  produce (kafkajs, 1,000 per send, acks=all)     ${rate(EVENTS, produceMs)}  (${(produceMs / 1000).toFixed(2)} s)`);
// WHY rounds: the machine's speed drifts by tens of percent over seconds (a shared host), so a
// single pair compares two different machines. Each round runs every consumer once, back to
// back; the ratios are taken within a round and their median reported.
interface Round {
  raw: { ms: number; n: number };
  conn: { ms: number; n: number };
  eng: { ms: number; n: number; out: number };
  inline: { ms: number; n: number; out: number };
}
const rounds: Round[] = [];
for (let r = 1; r <= ROUNDS; r++) {
  const raw = await rawConsume(bootstrap, input);
  const conn = await rawConsume(bootstrap, input, true);
  const eng = await engine(bootstrap, input, `${output}-${r}`);
  process.env['SLUICE_KAFKA_THREAD'] = 'off';
  const inline = await engine(bootstrap, input, `${output}-${r}-inline`);
  delete process.env['SLUICE_KAFKA_THREAD'];
  rounds.push({ raw, conn, eng, inline });
  // Rates below are of EVENTS: say so when a consumer read another count.
  for (const [name, m] of [['raw', raw], ['connector', conn], ['engine', eng], ['engine inline', inline]] as const) {
    if (m.n !== EVENTS) console.log(`  WARNING round ${r}: ${name} read ${m.n.toLocaleString('en-US')} records, not ${EVENTS.toLocaleString('en-US')}`);
  }
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `  round ${r}: raw ${s(raw.ms)}, connector ${s(conn.ms)}, engine ${s(eng.ms)} (${eng.out.toLocaleString('en-US')} rows out), ` +
      `producer on the engine's thread ${s(inline.ms)}; engine/raw ${(raw.ms / eng.ms).toFixed(2)}`,
  );
}
const median = (xs: number[]): number => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 === 1 ? a[(a.length - 1) / 2]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
};
const med = (f: (r: Round) => number): number => median(rounds.map(f));
const ratios = (f: (r: Round) => number): string => rounds.map((r) => (r.raw.ms / f(r)).toFixed(2)).join(' ');
const line = (label: string, ms: number): string => `  ${label.padEnd(49)}${rate(EVENTS, ms)}  (${(ms / 1000).toFixed(2)} s)`;
console.log(`  median of ${ROUNDS} round(s):`);
console.log(line('raw consume (eachBatch + JSON.parse)', med((r) => r.raw.ms)));
console.log(line('connector only (+ KafkaRecord, decode to rows)', med((r) => r.conn.ms)));
console.log(line('engine: 10 s tumbling job, topic -> topic', med((r) => r.eng.ms)));
console.log(line("engine, producer on the engine's thread", med((r) => r.inline.ms)));
console.log(
  `  engine / raw: ${median(rounds.map((r) => r.raw.ms / r.eng.ms)).toFixed(2)} (rounds: ${ratios((r) => r.eng.ms)})   ` +
    `producer on the engine's thread: ${median(rounds.map((r) => r.raw.ms / r.inline.ms)).toFixed(2)} (${ratios((r) => r.inline.ms)})   ` +
    `connector / raw: ${median(rounds.map((r) => r.raw.ms / r.conn.ms)).toFixed(2)}`,
);
if (process.env['BENCH_SCALE_OUT'] === '1' && PARTITIONS > 1) {
  for (const n of [1, 2]) {
    const ms = await scaledOut(bootstrap, input, `bench-scale-${n}-${id}`, n);
    console.log(`  engine --scale-out, ${n} process${n > 1 ? 'es' : '  '} (spawn to exit) ${rate(EVENTS, ms)}  (${(ms / 1000).toFixed(2)} s)`);
  }
}
