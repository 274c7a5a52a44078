// Scale-out stopped again and again: a Kafka-to-Kafka job over a 4-partition topic is stopped
// with SIGTERM at random points (each stop a final checkpoint per task, mid-batch or between
// batches) and restarted, several times, then let finish; once on 2 worker threads of one
// process, once as two processes (where each stop also hands the stopped process's partitions to
// the other, whose tasks for them stop again at the restart's rebalance). A read-committed
// consumer of the output sees exactly the rows of a single-process run. Before the runner waited
// for a batch still entering the engine, a stop landing there lost that batch (exec/job.ts).
// SLUICE_TEST_STOPS sets the number of stops (default 6); SLUICE_TEST_SEED the random points.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { broker, client, createTopic, port, produceMessages, readCommitted, unique, type TestMessage } from './broker.js';

const BIN = path.resolve('bin/sluice.js');
const PARTITIONS = 4;
const ROWS = 60_000;
const SENSORS = 24;
const STOPS = Number(process.env['SLUICE_TEST_STOPS'] ?? 6);

function job(input: string, output: string, group: string, rate = ''): string {
  return `CREATE SOURCE ev (sensor VARCHAR KEY, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = '${input}', group = '${group}', bounded = 'latest', session_timeout = '6s', fetch_max_bytes = '16384'${rate});
CREATE SINK agg WITH (connector = 'kafka', topic = '${output}', partitions = '3') AS
  SELECT sensor, window_start, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY sensor, TUMBLE(ts, 1s);
`;
}

/** Keyed by sensor, each sensor in one partition, event time ascending per partition. */
function input(): TestMessage[] {
  const base = Date.UTC(2024, 4, 20, 10, 0, 0);
  return Array.from({ length: ROWS }, (_, i) => {
    const s = (i * 7) % SENSORS;
    return { partition: s % PARTITIONS, key: `s${s}`, value: JSON.stringify({ v: (i * 31) % 100, ts: new Date(base + i * 4).toISOString() }) };
  });
}

interface Proc {
  readonly child: ChildProcess;
  stderr: string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(dir: string, file: string, args: readonly string[]): Proc {
  const child = spawn(process.execPath, [BIN, 'run', file, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const proc: Proc = { child, stderr: '', exit: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))) };
  child.stderr!.on('data', (d: Buffer) => (proc.stderr += d.toString()));
  return proc;
}

/** Offsets the job's group has committed, summed over the input's partitions. */
async function committed(group: string, topic: string): Promise<number> {
  const admin = (await client()).admin();
  await admin.connect();
  try {
    const parts = (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]?.partitions ?? [];
    return parts.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

async function until(what: string, f: () => boolean | Promise<boolean>, history: () => string): Promise<void> {
  const t0 = Date.now();
  while (!(await f())) {
    if (Date.now() - t0 > 90_000) assert.fail(`timed out after 90 s waiting for ${what}\n${history()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A small seeded generator (mulberry32), so a failing run's stop points can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function scenario(slots: number, args: readonly string[]): Promise<void> {
  await broker();
  const seed = Number(process.env['SLUICE_TEST_SEED'] ?? Math.floor(Math.random() * 1e9));
  const rand = random(seed);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-stops-'));
  const inTopic = unique('stops-in');
  const refOut = unique('stops-ref');
  const out = unique('stops-out');
  const group = unique('g-stops');
  await createTopic(inTopic, PARTITIONS);
  await produceMessages(inTopic, input());
  writeFileSync(path.join(dir, 'ref.sql'), job(inTopic, refOut, unique('g-ref')));
  writeFileSync(path.join(dir, 'job.sql'), job(inTopic, out, group, ", rate = '1500'"));
  const ref = start(dir, 'ref.sql', []);
  assert.deepEqual(await ref.exit, { code: 0, signal: null }, ref.stderr);

  const level = process.env['SLUICE_TEST_LOG_LEVEL'];
  const runArgs = ['--scale-out', '--checkpoint-interval', '200ms', ...args, ...(level ? ['--log-level', level] : [])];
  const procs = Array.from({ length: slots }, () => start(dir, 'job.sql', runArgs));
  const logs: string[] = [];
  const history = (): string => `seed ${seed}\n${[...logs, ...procs.map((p, i) => `--- slot ${i} (running):\n${p.stderr}`)].join('\n')}`;
  let stops = 0;
  let last = 0;
  for (let i = 0; i < STOPS; i++) {
    const k = i % slots;
    const p = procs[k]!;
    // Its signal handler is installed once it says it runs.
    await until(`slot ${k} to start`, () => /scaled out/.test(p.stderr), history);
    if (i !== 1) {
      // Some progress since the last stop, then a random moment: mid-batch, mid-checkpoint or between.
      await until('progress', async () => (await committed(group, inTopic)) > Math.min(last + ROWS * 0.02, ROWS * 0.9), history);
      last = await committed(group, inTopic);
      if (last >= ROWS * 0.9) break;
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 1000)));
    }
    // The second stop comes during start-up (offset look-ups, the group join, restores).
    p.child.kill('SIGTERM');
    // Nothing hangs: a stop ends within a minute (a final checkpoint per task), or the logs say where it stuck.
    const exit = await Promise.race([p.exit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000).unref())]);
    logs.push(`--- slot ${k}, stop ${i + 1}:\n${p.stderr}`);
    if (exit === 'hung') {
      p.child.kill('SIGKILL');
      assert.fail(`slot ${k} did not exit within 60 s of SIGTERM (stop ${i + 1})\n${history()}`);
    }
    assert.deepEqual(exit, { code: 0, signal: null }, `a SIGTERM'd run exits 0\n${history()}`);
    stops++;
    procs[k] = start(dir, 'job.sql', runArgs);
  }
  for (const p of procs) assert.deepEqual(await p.exit, { code: 0, signal: null }, history());
  assert.ok(stops >= Math.min(STOPS, 3), `stopped ${stops} times`);

  const want = await readCommitted(refOut);
  assert.ok(want.length > 100, `the reference run wrote ${want.length} rows`);
  const got = await readCommitted(out);
  const count = new Map<string, number>();
  for (const l of want) count.set(l, (count.get(l) ?? 0) + 1);
  for (const l of got) count.set(l, (count.get(l) ?? 0) - 1);
  const diff = [...count].filter(([, c]) => c !== 0).map(([l, c]) => `${c > 0 ? 'missing' : 'extra'} x${Math.abs(c)}: ${l}`);
  if (diff.length > 0) assert.fail(`after ${stops} stops: ${got.length} committed rows vs ${want.length} in one process; ${diff.length} differ:\n${diff.slice(0, 20).join('\n')}\n${history()}`);
}

test('scale-out on 2 threads, stopped with SIGTERM at random points and restarted, again and again: the output equals a single-process run', { timeout: 600_000 }, () => scenario(1, ['--threads', '2']));

test('scale-out as 2 processes, each stopped in turn and restarted (its partitions moving to the other and back): the output equals a single-process run', { timeout: 600_000 }, () => scenario(2, []));

test("a running task fenced by a zombie's late connect (a member that began starting it before it moved) starts again: the job ends with the exact output", { timeout: 300_000 }, async () => {
  await broker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-stops-'));
  const inTopic = unique('fence-in');
  const refOut = unique('fence-ref');
  const out = unique('fence-out');
  const group = unique('g-fence');
  await createTopic(inTopic, PARTITIONS);
  await produceMessages(inTopic, input());
  writeFileSync(path.join(dir, 'ref.sql'), job(inTopic, refOut, unique('g-ref')));
  writeFileSync(path.join(dir, 'job.sql'), job(inTopic, out, group, ", rate = '2500'"));
  const ref = start(dir, 'ref.sql', []);
  assert.deepEqual(await ref.exit, { code: 0, signal: null }, ref.stderr);
  const p = start(dir, 'job.sql', ['--scale-out', '--checkpoint-interval', '200ms']);
  const history = (): string => `--- the job:\n${p.stderr}`;
  await until('progress', async () => (await committed(group, inTopic)) > ROWS * 0.1, history);
  // The zombie: a producer of task 0's transactional id connecting as a task does (its transactional
  // producer id initialized, which fences the running task's producer).
  const zombie = (await port()).transactionalProducer(`${group}-task-0`);
  await zombie.connect();
  await zombie.disconnect();
  const exit = await Promise.race([p.exit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 120_000).unref())]);
  if (exit === 'hung') {
    p.child.kill('SIGKILL');
    assert.fail(`the job did not finish within 120 s of the fencing\n${history()}`);
  }
  assert.deepEqual(exit, { code: 0, signal: null }, history());
  assert.match(p.stderr, /partition 0: fenced by another producer while still assigned here/, history());
  const want = await readCommitted(refOut);
  const got = await readCommitted(out);
  assert.deepEqual(got, want, history());
});
