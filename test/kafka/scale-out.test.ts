// Scale-out by consumer group: a Kafka-to-Kafka job over a 4-partition topic runs first in one
// process, then in two (the second takes half the partitions, restoring their state from the
// changelog topic where the first checkpointed it), then the second is killed with SIGKILL and
// the first takes its partitions back from the second's checkpoints and finishes. A
// read-committed consumer of the output sees exactly the rows of a single-process run.
// The same with a job that groups by a column that is not the message key: its rows go
// through the internal repartition topic to the tasks of a second stage, watermarks with them.
// Also: a job that cannot be scaled out is refused with the reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { broker, client, createTopic, produceMessages, readCommitted, unique, type TestMessage } from './broker.js';

const BIN = path.resolve('bin/sluice.js');
const PARTITIONS = 4;
const ROWS = 120_000;
const SENSORS = 24;

/** `rate`: records per second per partition task, so that the processes' moves happen mid-stream. */
function job(input: string, output: string, group: string, groupBy = 'sensor', rate = ''): string {
  return `CREATE SOURCE ev (sensor VARCHAR KEY, site VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = '${input}', group = '${group}', bounded = 'latest', session_timeout = '6s', fetch_max_bytes = '16384', dead_letter = '${output}-dlq'${rate});
CREATE SINK agg WITH (connector = 'kafka', topic = '${output}', partitions = '3') AS
  SELECT ${groupBy}, window_start, COUNT(*) AS n, SUM(v) AS s, MAX(v) AS hi FROM ev GROUP BY ${groupBy}, TUMBLE(ts, 1s);
`;
}

/** Malformed messages: one in 500, for the dead-letter topic. */
const BAD = (i: number): boolean => i % 500 === 7;

/** Keyed by sensor, each sensor in one partition (as a key-hashing producer would put it); event time ascending per partition. */
function input(): TestMessage[] {
  const base = Date.UTC(2024, 4, 20, 10, 0, 0);
  const out: TestMessage[] = [];
  for (let i = 0; i < ROWS; i++) {
    const s = (i * 7) % SENSORS;
    const value = BAD(i) ? `not json ${i}` : JSON.stringify({ site: `site${s % 3}`, v: (i * 31) % 100, ts: new Date(base + i * 4).toISOString() });
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
  const proc: Proc = {
    child,
    stderr: '',
    exit: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
  };
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

/** `stages`: the log prefixes of the job's stages ('' unsplit; 'stage 1 ', 'stage 2 ' repartitioned): the second process is killed once it restored in each. */
async function scenario(groupBy: string, stages: readonly string[]): Promise<{ a: string; b: string }> {
  await broker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-scale-'));
  const inTopic = unique('scale-in');
  const refOut = unique('scale-ref');
  const out = unique('scale-out');
  const group = unique('g-scale');
  await createTopic(inTopic, PARTITIONS);
  await produceMessages(inTopic, input());
  writeFileSync(path.join(dir, 'ref.sql'), job(inTopic, refOut, unique('g-ref'), groupBy));
  writeFileSync(path.join(dir, 'scale.sql'), job(inTopic, out, group, groupBy, ", rate = '1500'"));

  const ref = start(dir, 'ref.sql');
  assert.deepEqual(await ref.exit, { code: 0, signal: null }, ref.stderr);

  const trace = process.env['SLUICE_TEST_VERBOSE'] ? ['--log-level', 'debug'] : [];
  const a = start(dir, 'scale.sql', ['--scale-out', '--checkpoint-interval', '200ms', '--metrics-port', '0', ...trace]);
  await until('the first process to run all four partitions and commit progress', async () => /runs partitions 0, 1, 2, 3/.test(a.stderr) && (await committed(group, inTopic)) > ROWS * 0.05, 60_000, [a]);
  // Its metrics: every task of every stage, told apart by labels.
  const port = /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(a.stderr)?.[1];
  assert.ok(port, a.stderr);
  const scrape = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  for (const st of stages) {
    for (let p = 0; p < PARTITIONS; p++) {
      const labels = `${st ? `stage="${st.trim()}",` : ''}task="${p}",source="ev"`;
      assert.match(scrape, new RegExp(`^sluice_source_records_total\\{${labels}\\} \\d+$`, 'm'), scrape);
    }
  }
  assert.equal(scrape.match(/^# TYPE sluice_source_records_total counter$/gm)?.length, 1, 'one family, many tasks');
  const b = start(dir, 'scale.sql', ['--scale-out', '--checkpoint-interval', '200ms', ...trace]);
  // The second process takes two partitions, restoring what the first checkpointed for them.
  await until('the second process to restore partitions from the changelog', () => stages.every((st) => new RegExp(`${st}partition \\d: restored checkpoint \\d+`).test(b.stderr)), 60_000, [a, b]);
  // What the second process took over (per stage): restored from the first's checkpoints.
  const mine = [...b.stderr.matchAll(/sluice: ((?:stage \d )?)partition (\d): restored checkpoint/g)].map((m) => `${m[1]}partition ${m[2]}`);
  assert.ok(mine.length > 0 && mine.length < PARTITIONS * stages.length, b.stderr);
  const before = await committed(group, inTopic);
  await until('both processes to commit more', async () => (await committed(group, inTopic)) > before + ROWS * 0.05, 60_000, [a, b]);
  assert.equal((await Promise.race([b.exit, new Promise((r) => setTimeout(() => r('running'), 0))])), 'running', 'the second process is still running when killed');
  b.child.kill('SIGKILL');
  await b.exit;

  const endA = await a.exit;
  assert.deepEqual(endA, { code: 0, signal: null }, a.stderr);
  // The first process took the killed one's partitions back from its checkpoints.
  for (const p of mine) assert.match(a.stderr, new RegExp(`${p}: restored checkpoint \\d+`), a.stderr);
  assert.match(a.stderr, /partition \d: given to another process/);

  if (process.env['SLUICE_TEST_VERBOSE']) console.log(`--- first process:\n${a.stderr}\n--- second process:\n${b.stderr}`);
  const want = await readCommitted(refOut);
  const got = await readCommitted(out);
  assert.ok(want.length > 100, `the reference run wrote ${want.length} rows`);
  if (got.length !== want.length || got.some((l, i) => l !== want[i])) {
    const count = new Map<string, number>();
    for (const l of want) count.set(l, (count.get(l) ?? 0) + 1);
    for (const l of got) count.set(l, (count.get(l) ?? 0) - 1);
    const diff = [...count].filter(([, c]) => c !== 0).map(([l, c]) => `${c > 0 ? 'missing' : 'extra'} x${Math.abs(c)}: ${l}`);
    assert.fail(`${got.length} committed rows scaled out vs ${want.length} in one process; ${diff.length} differ:\n${diff.slice(0, 40).join('\n')}\n--- first process:\n${a.stderr}\n--- second process:\n${b.stderr}`);
  }
  // Dead letters commit in the tasks' transactions: each malformed message once, as one process writes them.
  const bad = Array.from({ length: ROWS }, (_, i) => i).filter(BAD).map((i) => `s${(i * 7) % SENSORS}|not json ${i}`).sort();
  assert.deepEqual(await readCommitted(`${refOut}-dlq`), bad);
  assert.deepEqual(await readCommitted(`${out}-dlq`), bad);
  return { a: a.stderr, b: b.stderr };
}

test('scale-out: one process, then two, then one killed: the output equals a single-process run', { timeout: 300_000 }, async () => {
  const { a } = await scenario('sensor', ['']);
  assert.doesNotMatch(a, /repartition/);
  assert.match(a, /scaled out \(exactly-once per partition task\); ev dead letters → kafka \S+-dlq: exactly once \(partition task transaction\)/);
});

test('scale-out with a repartition (GROUP BY a column that is not the message key): one process, then two, then one killed: the output equals a single-process run', { timeout: 300_000 }, async () => {
  const { a, b } = await scenario('site', ['stage 1 ', 'stage 2 ']);
  assert.match(a, /rows are repartitioned by its key through \S+-repartition/);
  // Both stages moved between the processes and restored from their changelogs.
  assert.match(b, /stage 1 partition \d: restored checkpoint/);
  assert.match(b, /stage 2 partition \d: restored checkpoint/);
});

test('scale-out: a job with a file sink, or two aggregates by different keys, is refused with the reason', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-scale-'));
  writeFileSync(path.join(dir, 'file.sql'), job('no-such-topic', 'out', 'g').replace("connector = 'kafka', topic = 'out', partitions = '3'", "connector = 'file', path = 'out.jsonl'"));
  let r = spawnSync(process.execPath, [BIN, 'run', 'file.sql', '--scale-out'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /sink 'agg' is not a Kafka sink; each process of a scaled-out job commits its output in Kafka transactions/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  writeFileSync(
    path.join(dir, 'two.sql'),
    `CREATE SOURCE ev (sensor VARCHAR KEY, site VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'kafka', topic = 'no-such-topic');
CREATE VIEW per_site AS SELECT site, window_start AS ws, COUNT(*) AS n FROM ev GROUP BY site, TUMBLE(ts, 1s);
CREATE SINK agg WITH (connector = 'kafka', topic = 'out') AS SELECT n, COUNT(*) AS sites FROM per_site GROUP BY n;
`,
  );
  r = spawnSync(process.execPath, [BIN, 'run', 'two.sql', '--scale-out'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /a scaled-out job repartitions once, and operator \d+ \(groupAgg\) keeps state after operator \d+ \(windowAgg\), by another key/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('explain --scale-out shows the tasks, or the two stages around the repartition topic', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-scale-'));
  writeFileSync(path.join(dir, 'keyed.sql'), job('in', 'out', 'g'));
  writeFileSync(path.join(dir, 'site.sql'), job('in', 'out', 'g', 'site'));
  const keyed = spawnSync(process.execPath, [BIN, 'explain', 'keyed.sql', '--scale-out'], { cwd: dir, encoding: 'utf8' });
  assert.equal(keyed.status, 0, keyed.stderr);
  assert.match(keyed.stdout, /^Scaled out: one task per input partition .*consumer group g; state in g-changelog\n/);
  assert.match(keyed.stdout, /WindowAggregate #\d TUMBLE\(ts, 1s\) keys=\[sensor\]/);
  const site = spawnSync(process.execPath, [BIN, 'explain', 'site.sql', '--scale-out'], { cwd: dir, encoding: 'utf8' });
  assert.equal(site.status, 0, site.stderr);
  assert.match(site.stdout, /rows are repartitioned by its key through g-repartition/);
  assert.match(site.stdout, /Stage 1, one task per input partition \(group g, state in g-changelog\):\nSink #\d \$repartition \[kafka g-repartition\]/);
  assert.match(site.stdout, /Stage 2, .*\nSink #\d agg \[kafka out\][\s\S]*WindowAggregate #1 TUMBLE\(ts, 1s\) keys=\[site\][\s\S]*Source #0 ev \[kafka g-repartition\] .* watermark ts from the upstream partitions' marks/);
});
