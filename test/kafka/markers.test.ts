// The marker is the truth: an exactly-once Kafka job's consumer groups record, with each
// committed offset, the run and checkpoint whose output was committed. A state directory put back
// from an older copy, lost (rm -rf), or whose DuckDB log lost its end, would make the job write
// committed output a second time; it is refused with what happened and the ways out, and
// --from-committed-offsets goes on from the group's offsets with nothing written twice. Also: a
// finished bounded job run again reads only what arrived since.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { broker, createTopic, produceMessages, readCommitted, unique, type TestMessage } from './broker.js';

const BIN = path.resolve('bin/sluice.js');

function job(input: string, output: string, group: string): string {
  return `CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = '${input}', group = '${group}', bounded = 'latest', session_timeout = '6s', fetch_max_bytes = '4096');
CREATE SINK agg WITH (connector = 'kafka', topic = '${output}', partitions = '3') AS
  SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY k, TUMBLE(ts, 1s);
`;
}

/** `n` rows from `startMs` on, event time ascending within each partition (none late). */
function rows(n: number, startMs: number): TestMessage[] {
  const out: TestMessage[] = [];
  for (let i = 0; i < n; i++) out.push({ partition: i % 3, key: null, value: JSON.stringify({ k: `u${(i * 7919) % 20}`, v: (i * 31) % 100, ts: new Date(startMs + i * 5).toISOString() }) });
  return out;
}

const BASE = Date.UTC(2024, 4, 20, 10, 0, 0);

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs a job; `killIn`: it SIGKILLs itself inside that checkpoint (the fault hook), the ones before it committed. */
function run(dir: string, file: string, args: string[] = [], killIn?: string): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const env = killIn === undefined ? process.env : { ...process.env, SLUICE_TEST_KILL_IN_CHECKPOINT: killIn };
    const child = spawn(process.execPath, [BIN, 'run', file, '--checkpoint-interval', '150ms', ...args], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      resolve({ code, signal, stderr });
    });
  });
}

const WAYS_OUT = /Ways out:[\s\S]*--from-committed-offsets[\s\S]*--fresh/;

test('exactly-once: an older state copy and a lost state dir are refused; --from-committed-offsets goes on exactly; a rerun reads only what arrived since', { timeout: 300_000 }, async () => {
  await broker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-markers-'));
  const input = unique('mk-in');
  const out = unique('mk-out');
  const ref = unique('mk-ref');
  await createTopic(input, 3);
  writeFileSync(path.join(dir, 'eos.sql'), job(input, out, unique('g-eos')));
  writeFileSync(path.join(dir, 'ref.sql'), job(input, ref, unique('g-ref')));
  const state = path.join(dir, '.sluice', 'eos');

  await produceMessages(input, rows(3000, BASE));
  const a = await run(dir, 'eos.sql');
  assert.equal(a.code, 0, a.stderr);
  cpSync(state, path.join(dir, 'old'), { recursive: true });

  // More input, run again: the finished job reads only the new rows.
  await produceMessages(input, rows(3000, BASE + 60_000));
  const b = await run(dir, 'eos.sql');
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stderr, /the last run read its inputs to the end .*reading only what arrived since: ev \S+ at 0:1000 1:1000 2:1000/);
  const afterB = await readCommitted(out);

  // The older copy put back: refused, nothing written.
  rmSync(state, { recursive: true });
  cpSync(path.join(dir, 'old'), state, { recursive: true });
  const old = await run(dir, 'eos.sql');
  assert.equal(old.code, 2, old.stderr);
  assert.match(old.stderr, /holds checkpoint \d+, older than checkpoint \d+ whose output sink 'agg' committed to topic '[^']+' \(marker sluice:\w+:\d+ in consumer group/);
  assert.match(old.stderr, WAYS_OUT);

  // The state directory lost: refused, nothing written.
  rmSync(state, { recursive: true });
  const lost = await run(dir, 'eos.sql');
  assert.equal(lost.code, 2, lost.stderr);
  assert.match(lost.stderr, /holds no checkpoint, but sink 'agg' committed output to topic '[^']+' through checkpoint \d+/);
  assert.match(lost.stderr, WAYS_OUT);
  assert.deepEqual(await readCommitted(out), afterB, 'a refused run writes nothing');

  // The way out: the group's committed offsets, empty state; the new input's windows are new, so the answer is exact.
  await produceMessages(input, rows(3000, BASE + 120_000));
  const resumed = await run(dir, 'eos.sql', ['--from-committed-offsets']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /--from-committed-offsets: starting with empty state at the offsets the sources' consumer groups committed/);

  const r = await run(dir, 'ref.sql');
  assert.equal(r.code, 0, r.stderr);
  const want = await readCommitted(ref);
  const got = await readCommitted(out);
  assert.equal(want.length, 3 * 20 * 15, 'reference: 20 keys in 15 one-second windows per batch');
  assert.deepEqual(got, want);
});

test('exactly-once: a DuckDB log cut short (the state falls back to an older checkpoint, or none) is refused', { timeout: 300_000 }, async () => {
  await broker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-markers-wal-'));
  const input = unique('mk-wal-in');
  const out = unique('mk-wal-out');
  await createTopic(input, 3);
  writeFileSync(path.join(dir, 'eos.sql'), job(input, out, unique('g-wal')));
  await produceMessages(input, rows(60_000, BASE));
  // Killed as checkpoint 3 begins, two committed: DuckDB's log (state.duckdb.wal) still holds them
  // and ends with checkpoint 2's commit (killed later, the log would end with checkpoint 3's state
  // rows, and a cut could miss checkpoint 2).
  const killed = await run(dir, 'eos.sql', [], '3@begin');
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  const wal = path.join(dir, '.sluice', 'eos', 'state.duckdb.wal');
  assert.ok(existsSync(wal), 'the killed run left its log');
  // An OS crash that kept only the first part of the log: checkpoint 2 is lost, the state holds 1 or none.
  truncateSync(wal, Math.floor(statSync(wal).size / 2));
  const before = await readCommitted(out);
  const r = await run(dir, 'eos.sql');
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /(holds checkpoint \d+, older than checkpoint \d+|holds no checkpoint, but sink 'agg' committed)/);
  assert.match(r.stderr, WAYS_OUT);
  assert.deepEqual(await readCommitted(out), before, 'a refused run writes nothing');
});
