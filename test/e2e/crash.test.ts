// Crash recovery end to end: a long file-to-file job (tumbling, session, GROUP BY and LAG sinks,
// dead letters and late rows) is killed with SIGKILL at random moments, restarted each time,
// and its final outputs must equal an uninterrupted run's as multisets of lines; every restart
// must resume from a checkpoint rather than recompute from the start.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve('bin/sluice.js');
const LINES = 400_000;

const JOB = `CREATE SOURCE ev (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'file', path = 'in.jsonl', batch_size = '500', dead_letter = 'OUT/dlq.jsonl', late = 'OUT/late.jsonl');
CREATE SINK tumble WITH (connector = 'file', path = 'OUT/tumble.jsonl') AS
  SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s, MAX(d) AS m, COUNT(DISTINCT v) AS dv FROM ev GROUP BY k, TUMBLE(ts, 10s);
CREATE SINK sess WITH (connector = 'file', path = 'OUT/sess.jsonl') AS
  SELECT k, window_start, window_end, COUNT(*) AS n, AVG(d) AS a FROM ev GROUP BY k, SESSION(ts, 2s);
CREATE SINK totals WITH (connector = 'file', path = 'OUT/totals.jsonl') AS
  SELECT k, COUNT(*) AS n, MIN(v) AS lo FROM ev GROUP BY k;
CREATE SINK jumps WITH (connector = 'file', path = 'OUT/jumps.jsonl') AS
  SELECT * FROM (SELECT k, v, ts, LAG(v) OVER (PARTITION BY k ORDER BY ts) AS prev FROM ev) WHERE ABS(v - prev) > 800;
`;

/** Deterministic input: time mostly advancing, up to 1.2 s out of order, 1% far behind (late), some garbage lines. */
function input(n: number, seed: number): string {
  let s = seed;
  const rnd = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const base = Date.UTC(2024, 4, 20, 10, 0, 0);
  const out: string[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += Math.floor(rnd() * 40);
    let ms = t - Math.floor(rnd() * 1200);
    if (rnd() < 0.01) ms -= 20_000;
    const k = `u${Math.floor(rnd() * 500)}`;
    if (rnd() < 0.001) {
      out.push(`garbage ${i}`);
      continue;
    }
    out.push(JSON.stringify({ k, v: Math.floor(rnd() * 1000) - 100, d: rnd() * 10, ts: new Date(base + ms).toISOString() }));
  }
  return out.join('\n') + '\n';
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function run(dir: string, job: string, killAfterMs?: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'run', job, '--checkpoint-interval', '200ms'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    // The clock starts once the job runs (startup time varies with the machine's load).
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (killAfterMs !== undefined && timer === undefined && stderr.includes('sluice: running')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

function outputs(dir: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const f of readdirSync(dir).sort()) m.set(f, readFileSync(path.join(dir, f), 'utf8').split('\n').filter((l) => l !== '').sort());
  return m;
}

test('SIGKILL at random moments, restart each time: outputs equal an uninterrupted run, line for line', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-crash-'));
  writeFileSync(path.join(dir, 'in.jsonl'), input(LINES, 7));
  writeFileSync(path.join(dir, 'ref.sql'), JOB.replaceAll('OUT/', 'ref/'));
  writeFileSync(path.join(dir, 'job.sql'), JOB.replaceAll('OUT/', 'out/'));

  const ref = await run(dir, 'ref.sql');
  assert.equal(ref.code, 0, ref.stderr);

  let kills = 0;
  let resumes = 0;
  let seed = Number(process.env['SLUICE_CRASH_SEED'] ?? Date.now() % 100_000);
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let attempt = 0; attempt < 12 && kills < 4; attempt++) {
    const r = await run(dir, 'job.sql', 300 + Math.floor(rnd() * 1000));
    if (attempt > 0) {
      assert.match(r.stderr, /resuming from checkpoint \d+/, `restart ${attempt} did not resume:\n${r.stderr}`);
      const m = /resuming from checkpoint \d+ .*?\((\d+) records read/.exec(r.stderr);
      if (m && Number(m[1]) > 0) resumes++;
    }
    if (r.signal === 'SIGKILL') kills++;
    else {
      assert.equal(r.code, 0, r.stderr);
      break; // finished before the kill
    }
  }
  const last = await run(dir, 'job.sql');
  assert.equal(last.code, 0, last.stderr);
  assert.ok(kills >= 3, `only ${kills} runs were killed before the job finished`);
  assert.ok(resumes >= 2, `restarts resumed from a checkpoint with progress only ${resumes} times`);

  const want = outputs(path.join(dir, 'ref'));
  const got = outputs(path.join(dir, 'out'));
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [file, lines] of want) {
    const g = got.get(file)!;
    assert.ok(lines.length > 0 || file === 'dlq.jsonl', `${file} is empty`);
    if (g.length !== lines.length || g.some((l, i) => l !== lines[i])) {
      const first = g.findIndex((l, i) => l !== lines[i]);
      assert.fail(`${file}: ${g.length} lines after crashes vs ${lines.length} uninterrupted; first difference (sorted) at ${first}: ${g[first]} vs ${lines[first]} (SLUICE_CRASH_SEED to reproduce)`);
    }
  }
});
