// `sluice run` under a state budget re-executes itself with a derived V8 heap cap (cli/heap-cap.ts):
// the job's output equals the unbudgeted run's, and a SIGKILLed parent takes the capped child
// with it (otherwise the child would keep the state directory's DuckDB lock and a restart fail).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { heapCapMB, heapFlags, MALLOC_ENV } from '../../src/cli/heap-cap.js';

const BIN = path.resolve('bin/sluice.js');

function job(budget: string | undefined, out: string): string {
  return `${budget ? `SET state_memory = '${budget}';\n` : ''}CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'file', path = 'in.jsonl');
CREATE SINK w WITH (connector = 'file', path = '${out}') AS SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY k, TUMBLE(ts, 10s);
`;
}

function input(n: number): string {
  const base = Date.UTC(2024, 4, 20, 10, 0, 0);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify({ k: `k${(i * 7919) % 5000}`, v: i % 97, ts: new Date(base + i * 5).toISOString() }));
  return lines.join('\n') + '\n';
}

/**
 * Runs `sluice run file`; with `killOnStart`, SIGKILLs the parent as soon as the capped child
 * logs the job's start (a fixed delay raced the job: on an idle machine it was done in 0.8 s).
 */
function run(dir: string, file: string, killOnStart = false): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'run', file], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (killOnStart && stderr.includes('"event":"start"')) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

const sorted = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean).sort();

test('the heap cap follows the budget: half of it plus headroom, a small young generation, no pretenuring', () => {
  assert.equal(heapCapMB(256 * 2 ** 20), 240);
  assert.deepEqual(heapFlags(256 * 2 ** 20), ['--max-old-space-size=240', '--max-semi-space-size=8', '--no-allocation-site-pretenuring']);
});

test("a budgeted child's allocators: two glibc arenas, fixed mmap and trim thresholds, DuckDB's jemalloc returning freed pages at once", () => {
  assert.deepEqual(MALLOC_ENV, {
    MALLOC_ARENA_MAX: '2',
    MALLOC_MMAP_THRESHOLD_: '131072',
    MALLOC_TRIM_THRESHOLD_: '4194304',
    DUCKDB_JE_MALLOC_CONF: 'dirty_decay_ms:0,muzzy_decay_ms:0',
  });
});

test('sluice run with SET state_memory runs capped in a child and gives the unbudgeted output', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-heap-cap-'));
  writeFileSync(path.join(dir, 'in.jsonl'), input(20_000));
  writeFileSync(path.join(dir, 'plain.sql'), job(undefined, 'plain.jsonl'));
  writeFileSync(path.join(dir, 'budget.sql'), job('64MB', 'budget.jsonl'));
  const plain = await run(dir, 'plain.sql');
  assert.equal(plain.code, 0, plain.stderr);
  const capped = await run(dir, 'budget.sql');
  assert.equal(capped.code, 0, capped.stderr);
  assert.deepEqual(sorted(path.join(dir, 'budget.jsonl')), sorted(path.join(dir, 'plain.jsonl')));
});

test('sluice run refuses a budget below the smallest that works, naming it, before running anything', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-heap-cap-small-'));
  writeFileSync(path.join(dir, 'in.jsonl'), input(100));
  writeFileSync(path.join(dir, 'small.sql'), job('16MB', 'small.jsonl'));
  const r = await run(dir, 'small.sql');
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /state memory '16MB' is below the smallest budget that works, 64\.0 MB/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('a SIGKILLed sluice run takes its capped child with it: a restart finds the state free', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-heap-cap-kill-'));
  writeFileSync(path.join(dir, 'in.jsonl'), input(400_000));
  writeFileSync(path.join(dir, 'plain.sql'), job(undefined, 'plain.jsonl'));
  writeFileSync(path.join(dir, 'budget.sql'), job('64MB', 'budget.jsonl'));
  const killed = await run(dir, 'budget.sql', true);
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  await new Promise((r) => setTimeout(r, 1000));
  const again = await run(dir, 'budget.sql');
  assert.equal(again.code, 0, again.stderr);
  const plain = await run(dir, 'plain.sql');
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(sorted(path.join(dir, 'budget.jsonl')), sorted(path.join(dir, 'plain.jsonl')));
});
