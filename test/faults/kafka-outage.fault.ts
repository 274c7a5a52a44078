// Kafka outages under a running exactly-once job (`npm run test:faults`, not in `npm test`: a
// few minutes, and it kills its broker). Its own broker (SLUICE_KAFKA_PORT, default 9292; the
// suite's runner sets its own): killed with kill -9 mid-run and restarted on the same data dir
// 20 s later, the job rides it out (retrying, one warn line per attempt) and a read-committed
// consumer of its output sees exactly what an uninterrupted run wrote. With --kafka-retry-for
// shorter than the outage, the job exits with the reason, and a rerun once the broker is back
// resumes and still writes the exact answer. A job started while the broker is down waits for
// it (the start-up admin calls, fetchOffsets among them, are retried) and writes the exact answer.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const PORT = Number(process.env['SLUICE_KAFKA_PORT'] ?? 9292);
process.env['SLUICE_KAFKA_PORT'] = String(PORT);
process.env['SLUICE_KAFKA_CONTROLLER_PORT'] ??= String(PORT + 1);
process.env['SLUICE_BROKERS'] = `127.0.0.1:${PORT}`;
// kafka-up.sh's readiness check runs `node`: this one.
process.env['PATH'] = `${path.dirname(process.execPath)}${path.delimiter}${process.env['PATH'] ?? ''}`;

const { createTopic, produceMessages, readCommitted, unique } = await import('../kafka/broker.js');

const run = promisify(execFile);
const BIN = path.resolve('bin/sluice.js');
const KAFKA_HOME = process.env['SLUICE_KAFKA_HOME'] ?? path.join(os.homedir(), '.cache', 'sluice', 'kafka-3.9.1');
const PID_FILE = path.join(KAFKA_HOME, `run-${PORT}`, 'broker.pid');
const ROWS = 120_000;

/** What the running scenario found, for the suite's closing table (test/faults/run.ts reads $SLUICE_FAULTS_REPORT). */
let notes: string[] = [];
const say = (text: string): void => {
  notes.push(text);
  console.log(`kafka-outage: ${text}`);
};

/** A scenario as a test whose outcome also goes to the suite's table: what it tried, what it found, pass or fail. */
function scenario(name: string, tried: string, body: (t: TestContext) => Promise<void>): void {
  test(name, { timeout: 900_000 }, async (t) => {
    notes = [];
    let pass = false;
    try {
      await body(t);
      pass = true;
    } finally {
      const file = process.env['SLUICE_FAULTS_REPORT'];
      if (file) appendFileSync(file, JSON.stringify({ scenario: `kafka-outage: ${name}`, tried, found: notes.join('; '), pass }) + '\n');
    }
  });
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function brokerUp(keepData: boolean): Promise<void> {
  const t0 = Date.now();
  await run('bash', [path.resolve('scripts/kafka-up.sh')], { env: { ...process.env, ...(keepData ? { SLUICE_KAFKA_KEEP_DATA: '1' } : {}) }, timeout: 300_000 });
  say(`broker on ${PORT} ${keepData ? 'restarted on its data dir' : 'up'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

async function killBroker(): Promise<void> {
  const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      say(`broker pid ${pid} killed (kill -9)`);
      return;
    }
    await sleep(50);
  }
  throw new Error(`broker pid ${pid} survived kill -9`);
}

/** Two exactly-once sinks: windowed counts to `output`, and every row to `output`-raw (many messages per transaction, so a redo sends some again). */
function job(input: string, output: string, group: string, rate: string): string {
  return `CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = '${input}', group = '${group}', bounded = 'latest', fetch_max_bytes = '16384'${rate ? `, rate = '${rate}'` : ''});
CREATE SINK agg WITH (connector = 'kafka', topic = '${output}', partitions = '3') AS
  SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY k, TUMBLE(ts, 1s);
CREATE SINK raw WITH (connector = 'kafka', topic = '${output}-raw', batch_size = '200') AS SELECT k, v, ts FROM ev;
`;
}

/** Both sinks' committed messages. */
async function outputs(output: string): Promise<{ agg: string[]; raw: string[] }> {
  return { agg: await readCommitted(output), raw: await readCommitted(`${output}-raw`) };
}

function input(n: number): Array<{ partition: number; key: null; value: string }> {
  const base = Date.UTC(2024, 4, 20, 10, 0, 0);
  return Array.from({ length: n }, (_, i) => ({ partition: i % 3, key: null, value: JSON.stringify({ k: `u${(i * 7919) % 40}`, v: (i * 31) % 100, ts: new Date(base + i * 5).toISOString() }) }));
}

interface Running {
  readonly exit: Promise<{ code: number | null; stderr: string }>;
  checkpoint(): number;
  kill(): void;
}

function start(dir: string, file: string, args: string[] = []): Running {
  const child = spawn(process.execPath, [BIN, 'run', file, '--checkpoint-interval', '1s', ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  const summary = path.join(dir, '.sluice', file.replace(/\.sql$/, ''), 'checkpoint.json');
  return {
    exit,
    checkpoint: () => {
      try {
        return (JSON.parse(readFileSync(summary, 'utf8')) as { id: number }).id;
      } catch {
        return 0;
      }
    },
    kill: () => child.kill('SIGKILL'),
  };
}

async function untilCheckpoint(r: Running, id: number): Promise<void> {
  for (let i = 0; i < 1200 && r.checkpoint() < id; i++) await sleep(50);
  assert.ok(r.checkpoint() >= id, `the job wrote no checkpoint ${id} in 60 s`);
}

const retries = (stderr: string): number => (stderr.match(/failed \(.*\); retry \d+ in /g) ?? []).length;

scenario('broker kill -9 for 20 s (exactly-once)', 'kill -9 of the broker mid-run, restart on the same data dir after 20 s', async (t) => {
  await brokerUp(false);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-kafka-outage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const inTopic = unique('outage-in');
  await createTopic(inTopic, 3);
  await produceMessages(inTopic, input(ROWS));
  const refOut = unique('outage-ref');
  writeFileSync(path.join(dir, 'ref.sql'), job(inTopic, refOut, unique('g-ref'), ''));
  const ref = await start(dir, 'ref.sql').exit;
  assert.equal(ref.code, 0, ref.stderr);
  const want = await outputs(refOut);
  say(`uninterrupted run: ${want.agg.length} + ${want.raw.length} committed rows`);

  // ~25 s of reading at 5,000 records/s: the outage falls in the middle.
  const out = unique('outage-out');
  writeFileSync(path.join(dir, 'eos.sql'), job(inTopic, out, unique('g-eos'), '5000'));
  const r = start(dir, 'eos.sql');
  await untilCheckpoint(r, 3);
  await killBroker();
  await sleep(20_000);
  await brokerUp(true);
  const end = await r.exit;
  const got = await outputs(out);
  const redone = [...end.stderr.matchAll(/transaction redone with a new producer \((\d+) messages sent again\)/g)].map((m) => Number(m[1]));
  say(`job exit ${end.code} after ${retries(end.stderr)} logged retries, ${redone.length} transactions redone (${redone.reduce((a, b) => a + b, 0)} messages sent again); ${got.agg.length} + ${got.raw.length} committed rows (want ${want.agg.length} + ${want.raw.length})`);
  if (process.env['SLUICE_TEST_VERBOSE']) console.log(end.stderr);
  assert.equal(end.code, 0, end.stderr);
  assert.ok(retries(end.stderr) > 0, `no retry was logged:\n${end.stderr}`);
  assert.deepEqual(got, want);
});

scenario('outage past --kafka-retry-for', 'kill -9 of the broker under a job run with --kafka-retry-for 5s, restart, rerun the job', async (t) => {
  await brokerUp(false);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-kafka-outage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const inTopic = unique('outage2-in');
  await createTopic(inTopic, 3);
  await produceMessages(inTopic, input(ROWS));
  const refOut = unique('outage2-ref');
  writeFileSync(path.join(dir, 'ref.sql'), job(inTopic, refOut, unique('g-ref'), ''));
  assert.equal((await start(dir, 'ref.sql').exit).code, 0);
  const want = await outputs(refOut);

  const out = unique('outage2-out');
  writeFileSync(path.join(dir, 'eos.sql'), job(inTopic, out, unique('g-eos'), '5000'));
  const r = start(dir, 'eos.sql', ['--kafka-retry-for', '5s']);
  await untilCheckpoint(r, 3);
  await killBroker();
  const gaveUp = await Promise.race([r.exit, sleep(240_000).then(() => undefined)]);
  if (gaveUp === undefined) r.kill();
  await brokerUp(true);
  assert.ok(gaveUp, 'the job did not exit within 4 min of the outage');
  say(`with --kafka-retry-for 5s the job exited ${gaveUp.code}: ${gaveUp.stderr.trim().split('\n').pop()}`);
  assert.notEqual(gaveUp.code, 0);
  assert.match(gaveUp.stderr, /failed for \d+s \(\d+ attempts, giving up after kafka_retry_for = 5s\): .*(ECONNREFUSED|Connection|connect|broker)/i);
  const again = await start(dir, 'eos.sql').exit;
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /resuming from checkpoint/);
  const got = await outputs(out);
  say(`the rerun resumed and finished: ${got.agg.length} + ${got.raw.length} committed rows (want ${want.agg.length} + ${want.raw.length})`);
  assert.deepEqual(got, want);
});

scenario('job started with the broker down', 'start an exactly-once job 5 s before its broker (restarted on its data dir)', async (t) => {
  await brokerUp(false);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-kafka-outage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const inTopic = unique('outage3-in');
  await createTopic(inTopic, 3);
  await produceMessages(inTopic, input(30_000));
  const refOut = unique('outage3-ref');
  writeFileSync(path.join(dir, 'ref.sql'), job(inTopic, refOut, unique('g-ref'), ''));
  assert.equal((await start(dir, 'ref.sql').exit).code, 0);
  const want = await outputs(refOut);

  await killBroker();
  const out = unique('outage3-out');
  writeFileSync(path.join(dir, 'eos.sql'), job(inTopic, out, unique('g-eos'), ''));
  const r = start(dir, 'eos.sql');
  await sleep(5_000);
  await brokerUp(true);
  const end = await r.exit;
  const got = await outputs(out);
  say(`started with the broker down: exit ${end.code} after ${retries(end.stderr)} logged retries; ${got.agg.length} + ${got.raw.length} committed rows (want ${want.agg.length} + ${want.raw.length})`);
  assert.equal(end.code, 0, end.stderr);
  assert.ok(retries(end.stderr) > 0, `no retry was logged:\n${end.stderr}`);
  assert.deepEqual(got, want);
});

scenario('broker kill -9 for 20 s (scale-out)', 'kill -9 of the broker under run --scale-out, restart on the same data dir after 20 s', async (t) => {
  await brokerUp(false);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-kafka-outage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const inTopic = unique('outage4-in');
  await createTopic(inTopic, 3);
  // Keyed by sensor (one partition each): the scaled-out job runs one task per partition.
  const base = Date.UTC(2024, 4, 20, 10, 0, 0);
  await produceMessages(inTopic, Array.from({ length: ROWS }, (_, i) => {
    const s = (i * 7) % 24;
    return { partition: s % 3, key: `s${s}`, value: JSON.stringify({ v: (i * 31) % 100, ts: new Date(base + i * 4).toISOString() }) };
  }));
  const keyed = (output: string, group: string, rate: string): string => `CREATE SOURCE ev (sensor VARCHAR KEY, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = '${inTopic}', group = '${group}', bounded = 'latest', fetch_max_bytes = '16384'${rate ? `, rate = '${rate}'` : ''});
CREATE SINK agg WITH (connector = 'kafka', topic = '${output}', partitions = '3') AS
  SELECT sensor, window_start, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY sensor, TUMBLE(ts, 1s);
`;
  const refOut = unique('outage4-ref');
  writeFileSync(path.join(dir, 'ref.sql'), keyed(refOut, unique('g-ref'), ''));
  assert.equal((await start(dir, 'ref.sql').exit).code, 0);
  const want = await readCommitted(refOut);

  const out = unique('outage4-out');
  writeFileSync(path.join(dir, 'scale.sql'), keyed(out, unique('g-scale'), '1500'));
  const child = spawn(process.execPath, [BIN, 'run', 'scale.sql', '--scale-out', '--checkpoint-interval', '1s'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.after(() => void child.kill('SIGKILL'));
  for (let i = 0; i < 1200 && !/starting with no saved state|restored checkpoint/.test(stderr); i++) await sleep(50);
  await sleep(4_000);
  await killBroker();
  await sleep(20_000);
  await brokerUp(true);
  const code = await Promise.race([exit, sleep(600_000).then(() => 'timeout' as const)]);
  const got = await readCommitted(out);
  const restarts = (stderr.match(/restarting it from its committed checkpoint/g) ?? []).length;
  say(`scaled out: exit ${code} after ${retries(stderr)} logged retries and ${restarts} task restarts; ${got.length} committed rows (want ${want.length})`);
  if (process.env['SLUICE_TEST_VERBOSE']) console.log(stderr);
  assert.equal(code, 0, stderr);
  assert.deepEqual(got, want);
});
