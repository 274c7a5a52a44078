// Exactly-once through crashes: a Kafka-to-Kafka job over a 3-partition topic is killed with
// SIGKILL at random moments at least three times and restarted each time; a read-committed
// consumer of its output must see exactly the rows of an uninterrupted run, none lost, none
// duplicated. Also: a restart resumes from the checkpoint's offsets (no double counting at
// least once either), and EXPLAIN / the start-up line state the guarantee.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { broker, createTopic, produceMessages, readCommitted, unique, type TestMessage } from './broker.js';
import { runJob as run } from './crash-run.js';

const BIN = path.resolve('bin/sluice.js');
// Enough that a run lasts several checkpoints after the faster decoding and start-up (at 240,000
// the job often finished before its third kill: "only 2 runs were killed").
const ROWS = 480_000;

function job(input: string, output: string, group: string, extra = ''): string {
  return `CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = '${input}', group = '${group}', bounded = 'latest', session_timeout = '6s', fetch_max_bytes = '4096');
CREATE SINK agg WITH (connector = 'kafka', topic = '${output}', partitions = '3'${extra}) AS
  SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY k, TUMBLE(ts, 1s);
`;
}

/** Event time ascending within each partition, so no row is late however partitions interleave. */
function input(n: number): TestMessage[] {
  const base = Date.UTC(2024, 4, 20, 10, 0, 0);
  const out: TestMessage[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ partition: i % 3, key: null, value: JSON.stringify({ k: `u${(i * 7919) % 40}`, v: (i * 31) % 100, ts: new Date(base + i * 5).toISOString() }) });
  }
  return out;
}

test('exactly-once Kafka sink: SIGKILL at random moments, restarts: a read-committed consumer sees exactly the uninterrupted output', { timeout: 400_000 }, async () => {
  await broker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-eos-'));
  const inTopic = unique('eos-in');
  const refOut = unique('eos-ref');
  const out = unique('eos-out');
  await createTopic(inTopic, 3);
  await produceMessages(inTopic, input(ROWS));
  writeFileSync(path.join(dir, 'ref.sql'), job(inTopic, refOut, unique('g-ref')));
  writeFileSync(path.join(dir, 'eos.sql'), job(inTopic, out, unique('g-eos')));

  const ex = spawnSync(process.execPath, [BIN, 'explain', 'eos.sql'], { cwd: dir, encoding: 'utf8' });
  assert.match(ex.stdout, /Sink #\d+ agg \[kafka \S+\] append-only, exactly once \(Kafka transaction\)/, ex.stdout + ex.stderr);

  const ref = await run(dir, 'ref.sql');
  assert.equal(ref.code, 0, ref.stderr);
  assert.match(ref.stderr, /agg → kafka \S+: exactly once \(Kafka transaction\)/);

  // First a crash between a checkpoint and its transaction's commit: the restart must commit
  // the checkpoint's stored output and offsets itself.
  const first = await run(dir, 'eos.sql', undefined, { SLUICE_TEST_KILL_BEFORE_COMMIT: '3' });
  assert.equal(first.signal, 'SIGKILL', first.stderr);
  let kills = 1;
  let resumes = 0;
  let recovered = 0;
  const checkpoints = new Set<number>();
  let finished = false;
  let seed = Number(process.env['SLUICE_CRASH_SEED'] ?? Date.now() % 100_000);
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let attempt = 0; attempt < 12 && kills < 4; attempt++) {
    const r = await run(dir, 'eos.sql', { checkpoints: 1 + Math.floor(rnd() * 3), jitterMs: Math.floor(rnd() * 150) });
    const at = /resuming from checkpoint (\d+)/.exec(r.stderr);
    if (at) checkpoints.add(Number(at[1]));
    if (/transaction of checkpoint \d+ never committed/.test(r.stderr)) recovered++;
    // A kill that landed after the final checkpoint left a finished run: this one read only what arrived since.
    if (/the last run read its inputs to the end \(checkpoint \d+/.test(r.stderr)) {
      assert.equal(r.code, 0, r.stderr);
      finished = true;
      break;
    }
    {
      const m = /resuming from checkpoint \d+ .*?\((\d+) records read/.exec(r.stderr);
      assert.ok(m, `restart ${attempt} did not resume:\n${r.stderr}`);
      if (Number(m[1]) > 0) resumes++;
    }
    if (process.env['SLUICE_TEST_VERBOSE']) console.log(r.stderr);
    if (r.signal === 'SIGKILL') kills++;
    else {
      assert.equal(r.code, 0, r.stderr);
      finished = true;
      break;
    }
  }
  if (!finished) {
    const last = await run(dir, 'eos.sql');
    assert.equal(last.code, 0, last.stderr);
  }
  assert.ok(kills >= 3, `only ${kills} runs were killed before the job finished (seed ${seed})`);
  assert.ok(resumes >= 3, `restarts resumed with progress only ${resumes} times`);
  assert.ok(checkpoints.size >= 3, `restarts resumed from only ${checkpoints.size} different checkpoints (${[...checkpoints]})`);
  assert.ok(recovered >= 1, "no restart had to commit a checkpoint's pending transaction");

  const want = await readCommitted(refOut);
  const got = await readCommitted(out);
  assert.ok(want.length > 0);
  if (got.length !== want.length || got.some((l, i) => l !== want[i])) {
    const first = got.findIndex((l, i) => l !== want[i]);
    assert.fail(`${got.length} committed rows after crashes vs ${want.length} uninterrupted; first difference (sorted) at ${first}: ${got[first]} vs ${want[first]} (SLUICE_CRASH_SEED=${process.env['SLUICE_CRASH_SEED'] ?? ''})`);
  }
});
