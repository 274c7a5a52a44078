// Scale-out on worker threads (`run --scale-out --threads 2`): a Kafka-to-Kafka job over a
// 4-partition topic runs its partition tasks on two threads of one process; the process is
// killed with SIGKILL mid-stream, restarted and stopped with SIGTERM (a clean stop: exit 0, a
// final checkpoint), restarted again and let finish. A read-committed consumer of the output
// and of the dead-letter topic sees exactly the rows of a single-process, single-thread run.
// Also: --threads without --scale-out, or with a bad count, is refused with the reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { broker, client, createTopic, produceMessages, readCommitted, unique, type TestMessage } from './broker.js';

const BIN = path.resolve('bin/sluice.js');
const PARTITIONS = 4;
const ROWS = 80_000;
const SENSORS = 24;

function job(input: string, output: string, group: string, rate = '', groupBy = 'sensor'): string {
  return `CREATE SOURCE ev (sensor VARCHAR KEY, site VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = '${input}', group = '${group}', bounded = 'latest', session_timeout = '6s', fetch_max_bytes = '16384', dead_letter = '${output}-dlq', late = '${output}-late'${rate});
CREATE SINK agg WITH (connector = 'kafka', topic = '${output}', partitions = '3') AS
  SELECT ${groupBy}, window_start, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS hi FROM ev GROUP BY ${groupBy}, TUMBLE(ts, 1s);
`;
}

/** Malformed messages: one in 500, for the dead-letter topic. */
const BAD = (i: number): boolean => i % 500 === 7;

/**
 * Keyed by sensor, each sensor in one partition, event time ascending per partition except one
 * row in 997 in the second half, 150 s behind: late whichever way the partitions interleave.
 */
function input(): TestMessage[] {
  const base = Date.UTC(2024, 4, 20, 10, 0, 0);
  const out: TestMessage[] = [];
  for (let i = 0; i < ROWS; i++) {
    const s = (i * 7) % SENSORS;
    const jitter = i > ROWS / 2 && i % 997 === 0 ? 150_000 : 0;
    const value = BAD(i) ? `not json ${i}` : JSON.stringify({ site: `site${s % 3}`, v: (i * 31) % 100, ts: new Date(base + i * 4 - jitter).toISOString() });
    out.push({ partition: s % PARTITIONS, key: `s${s}`, value });
  }
  return out;
}

interface Proc {
  readonly child: ChildProcess;
  stderr: string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(dir: string, file: string, args: string[] = []): Proc {
  const child = spawn(process.execPath, [BIN, 'run', file, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const proc: Proc = { child, stderr: '', exit: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))) };
  child.stderr!.on('data', (d: Buffer) => (proc.stderr += d.toString()));
  return proc;
}

async function until(what: string, f: () => boolean | Promise<boolean>, ms: number, procs: readonly Proc[]): Promise<void> {
  const t0 = Date.now();
  while (!(await f())) {
    if (Date.now() - t0 > ms) assert.fail(`timed out after ${ms} ms waiting for ${what}\n${procs.map((p, i) => `--- process ${i}:\n${p.stderr}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
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

function sameMultiset(got: readonly string[], want: readonly string[], logs: string): void {
  const count = new Map<string, number>();
  for (const l of want) count.set(l, (count.get(l) ?? 0) + 1);
  for (const l of got) count.set(l, (count.get(l) ?? 0) - 1);
  const diff = [...count].filter(([, c]) => c !== 0).map(([l, c]) => `${c > 0 ? 'missing' : 'extra'} x${Math.abs(c)}: ${l}`);
  if (diff.length > 0) assert.fail(`${got.length} committed rows on threads vs ${want.length} in one thread; ${diff.length} differ:\n${diff.slice(0, 40).join('\n')}\n${logs}`);
}

async function scenario(groupBy: string): Promise<void> {
  await broker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-threads-'));
  const inTopic = unique('thr-in');
  const refOut = unique('thr-ref');
  const out = unique('thr-out');
  const group = unique('g-thr');
  await createTopic(inTopic, PARTITIONS);
  await produceMessages(inTopic, input());
  writeFileSync(path.join(dir, 'ref.sql'), job(inTopic, refOut, unique('g-ref'), '', groupBy));
  writeFileSync(path.join(dir, 'thr.sql'), job(inTopic, out, group, ", rate = '1500'", groupBy));

  const ref = start(dir, 'ref.sql');
  assert.deepEqual(await ref.exit, { code: 0, signal: null }, ref.stderr);

  const args = ['--scale-out', '--threads', '2', '--checkpoint-interval', '200ms', ...(process.env['SLUICE_TEST_LOG_LEVEL'] ? ['--log-level', process.env['SLUICE_TEST_LOG_LEVEL']] : [])];
  const a = start(dir, 'thr.sql', args);
  // Both threads run tasks (the group split the partitions between them) and progress commits.
  await until('both threads to run partitions and commit progress', async () => /thread 0: (stage \d )?partition \d: /.test(a.stderr) && /thread 1: (stage \d )?partition \d: /.test(a.stderr) && (await committed(group, inTopic)) > ROWS * 0.1, 90_000, [a]);
  assert.match(a.stderr, /scaled out on 2 worker threads/);
  a.child.kill('SIGKILL');
  assert.equal((await a.exit).signal, 'SIGKILL');
  const atKill = await committed(group, inTopic);
  assert.ok(atKill < ROWS * 0.9, `killed mid-stream (${atKill} of ${ROWS} committed)`);

  const b = start(dir, 'thr.sql', args);
  await until('the restarted process to restore from the changelog and commit more', async () => /restored checkpoint \d+/.test(b.stderr) && (await committed(group, inTopic)) > atKill + ROWS * 0.05, 90_000, [a, b]);
  b.child.kill('SIGTERM');
  assert.deepEqual(await b.exit, { code: 0, signal: null }, b.stderr);
  // Every thread stopped its tasks there (a final checkpoint each), none read on to the end.
  assert.match(b.stderr, /sluice: stopped: ran partitions (\d \(stopped\)(, )?)+ of group \S+ on 2 threads; \d+ rows committed/);
  assert.doesNotMatch(b.stderr, /read to its end/);

  const c = start(dir, 'thr.sql', args);
  // Nothing hangs: a run that does not finish fails with the logs of all three.
  const exit = await Promise.race([c.exit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 150_000).unref())]);
  if (exit === 'hung') c.child.kill('SIGKILL');
  assert.deepEqual(exit, { code: 0, signal: null }, `--- killed:\n${a.stderr}\n--- stopped:\n${b.stderr}\n--- finished (or not within 150 s):\n${c.stderr}`);
  assert.match(c.stderr, /sluice: done: ran partitions .* on 2 threads/);
  const logs = `--- killed:\n${a.stderr}\n--- stopped:\n${b.stderr}\n--- finished:\n${c.stderr}`;
  if (process.env['SLUICE_TEST_VERBOSE']) console.log(logs);

  const want = await readCommitted(refOut);
  assert.ok(want.length > 100, `the reference run wrote ${want.length} rows`);
  // A window one row short is a row lost or a row late on one side only: the late topics say which.
  const lateDiff = groupBy === 'sensor' ? `\n--- late rows, reference vs threads: ${(await readCommitted(`${refOut}-late`)).length} vs ${(await readCommitted(`${out}-late`)).length}` : '';
  sameMultiset(await readCommitted(out), want, `${logs}${lateDiff}`);
  // Dead letters commit in the tasks' transactions: each malformed message once.
  const bad = Array.from({ length: ROWS }, (_, i) => i).filter(BAD).map((i) => `s${(i * 7) % SENSORS}|not json ${i}`).sort();
  assert.deepEqual(await readCommitted(`${out}-dlq`), bad);
  // Late rows go to the source's late topic in the tasks' transactions: the same rows as one
  // thread's. Not with a repartition: there the window is in stage 2, whose late rows are
  // counted and dropped (its source is the repartition topic), as with scale-out by processes.
  if (groupBy !== 'sensor') return;
  const late = await readCommitted(`${refOut}-late`);
  assert.ok(late.length > 0, 'the reference run wrote late rows');
  sameMultiset(await readCommitted(`${out}-late`), late, logs);
}

test('scale-out on 2 threads: killed (SIGKILL), stopped (SIGTERM), restarted: the output, dead letters and late rows equal a single-thread run', { timeout: 300_000 }, () => scenario('sensor'));

test('the same with a repartition (GROUP BY a column that is not the message key): both stages on the threads', { timeout: 300_000 }, () => scenario('site'));

test('--threads without --scale-out, or with a bad count, is refused with the reason', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-threads-'));
  writeFileSync(path.join(dir, 'j.sql'), job('no-such-topic', 'out', 'g'));
  let r = spawnSync(process.execPath, [BIN, 'run', 'j.sql', '--threads', '2'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--threads runs the partition tasks of a scaled-out job on worker threads; add --scale-out/);
  r = spawnSync(process.execPath, [BIN, 'run', 'j.sql', '--scale-out', '--threads', 'many'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--threads 'many' is not a thread count/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
