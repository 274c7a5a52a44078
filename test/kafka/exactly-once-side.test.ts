// Exactly-once side outputs through crashes: a Kafka-to-Kafka job whose source has a
// dead-letter and a late topic reads 50 malformed and 30 late records among 180,000, is killed
// with SIGKILL at random moments (and once between a checkpoint and its commit) and restarted
// each time; a read-committed consumer of each side topic must see exactly the bad and the late
// records, each once, as an uninterrupted run writes them. The first crash comes with every
// output flushed but checkpoint 3 not yet durable (the dead letters of its interval were sent,
// and must not be seen twice); then up to two at random moments while most of the input is
// ahead; then one between a checkpoint holding side records and its commit (the restart must
// commit them); then random ones until the job finishes. Also: EXPLAIN and the start-up line state every
// output's guarantee.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { broker, createTopic, produceMessages, readCommitted, unique, type TestMessage } from './broker.js';
import { runJob, seeded } from './crash-run.js';

const BIN = path.resolve('bin/sluice.js');
/**
 * Input records (was 60,000): the job got faster, and once two random restarts read all of it
 * before the run that kills between a checkpoint holding side records and its commit.
 */
const ROWS = 180_000;
/** 50 malformed records, dense in the first half so that every early checkpoint interval holds some. */
const BAD = new Set([...Array.from({ length: 25 }, (_, j) => 150 + 150 * j), ...Array.from({ length: 25 }, (_, j) => 5_010 + 1_000 * j)]);
/** Late by 30 s (the watermark lags 1 s), whatever the batch boundaries; none in the first 30 s of event time. */
const LATE = new Set(Array.from({ length: 30 }, (_, j) => 7_050 + 1_700 * j));

function job(input: string, output: string, dlq: string, late: string, group: string): string {
  return `CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH (connector = 'kafka', topic = '${input}', group = '${group}', bounded = 'latest', session_timeout = '6s', fetch_max_bytes = '4096',
        dead_letter = '${dlq}', late = '${late}');
CREATE SINK agg WITH (connector = 'kafka', topic = '${output}') AS
  SELECT k, window_start, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY k, TUMBLE(ts, 1s);
`;
}

/** One partition, so which rows are late does not depend on how partitions interleave; offset = index. */
function input(): TestMessage[] {
  const base = Date.UTC(2024, 4, 20, 10, 0, 0);
  const out: TestMessage[] = [];
  for (let i = 0; i < ROWS; i++) {
    const ts = new Date(base + i * 5 - (LATE.has(i) ? 30_000 : 0)).toISOString();
    let value: string | Buffer = JSON.stringify({ k: `u${(i * 7919) % 40}`, v: (i * 31) % 100, ts });
    if (BAD.has(i)) {
      // Not JSON, a wrong type, no event time, and bytes that are not UTF-8 (kept byte for byte).
      value = [`not json ${i}`, JSON.stringify({ k: 'u1', v: 'abc', ts }), JSON.stringify({ k: 'u1', v: i }), Buffer.from([0x7b, 0xff, 0xfe, 0x30 + (i % 10), 0x7d])][i % 4]!;
    }
    out.push({ partition: 0, key: `m${i}`, value: value as string });
  }
  return out;
}

/** The source offsets a side topic's records name (`sluice.offset` header), sorted. */
function offsets(lines: readonly string[]): number[] {
  return lines.map((l) => Number(/(?:\|(?:.*;)?)sluice\.offset=(\d+)(?:;|$)/.exec(l)?.[1] ?? NaN)).sort((a, b) => a - b);
}

/** A late record's headers without the watermark and the reason that quotes it: both depend on batch boundaries. */
function stable(line: string): string {
  return line.replace(/;?sluice\.(watermark|reason)=[^;]*/g, '');
}

function sameLines(what: string, got: readonly string[], want: readonly string[]): void {
  if (got.length !== want.length || got.some((l, i) => l !== want[i])) {
    const first = got.findIndex((l, i) => l !== want[i]);
    assert.fail(`${what}: ${got.length} committed records after crashes vs ${want.length} uninterrupted; first difference (sorted) at ${first}: ${got[first]} vs ${want[first]} (SLUICE_CRASH_SEED=${process.env['SLUICE_CRASH_SEED'] ?? ''})`);
  }
}

test('exactly-once job: dead-letter and late topics survive SIGKILLs and restarts with every record once', { timeout: 400_000 }, async () => {
  await broker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-eos-side-'));
  const inTopic = unique('eos-side-in');
  const [refOut, refDlq, refLate] = [unique('eos-side-ref'), unique('eos-side-ref-dlq'), unique('eos-side-ref-late')];
  const [out, dlq, late] = [unique('eos-side-out'), unique('eos-side-dlq'), unique('eos-side-late')];
  await createTopic(inTopic, 1);
  await produceMessages(inTopic, input());
  writeFileSync(path.join(dir, 'ref.sql'), job(inTopic, refOut, refDlq, refLate, unique('g-ref')));
  writeFileSync(path.join(dir, 'eos.sql'), job(inTopic, out, dlq, late, unique('g-eos')));

  const ex = spawnSync(process.execPath, [BIN, 'explain', 'eos.sql'], { cwd: dir, encoding: 'utf8' });
  assert.equal(ex.status, 0, ex.stderr);
  const ref = await runJob(dir, 'ref.sql');
  assert.equal(ref.code, 0, ref.stderr);

  // Outputs flushed, checkpoint 3 not durable: the restart resumes from checkpoint 2.
  const first = await runJob(dir, 'eos.sql', undefined, { SLUICE_TEST_KILL_IN_CHECKPOINT: '3' });
  assert.equal(first.signal, 'SIGKILL', first.stderr);
  let kills = 1;
  let finished = false;
  let sideRecovered = false;
  const seed = Number(process.env['SLUICE_CRASH_SEED'] ?? Date.now() % 100_000);
  const rnd = seeded(seed);
  const log: string[] = [];
  /** A restart killed at a random moment (or finished): it must resume, and may commit stored side records. */
  const randomRun = async (attempt: number): Promise<void> => {
    // Checkpoints every 40 ms and kills soon after one: the whole job takes well under a second
    // on a quiet machine, and a kill that comes after its end tests nothing.
    const r = await runJob(dir, 'eos.sql', { checkpoints: 1 + Math.floor(rnd() * 3), jitterMs: Math.floor(rnd() * 40) }, {}, '40ms');
    // A kill that lands after the final checkpoint leaves a finished run: the restart reads only what arrived since.
    assert.match(r.stderr, /resuming from checkpoint \d+|the last run read its inputs to the end \(checkpoint \d+/, `restart ${attempt} did not resume:\n${r.stderr}`);
    log.push(...r.stderr.split('\n').filter((l) => /resuming|never committed/.test(l)));
    if (/never committed; committing its \d+ messages, [1-9]\d* dead-letter\/late messages/.test(r.stderr)) sideRecovered = true;
    if (r.signal === 'SIGKILL') kills++;
    else {
      assert.equal(r.code, 0, r.stderr);
      finished = true;
    }
  };
  // Random kills first, while most of the input is still ahead (a kill after the job's last
  // checkpoint would find it finished and test nothing); the first restart resumes from checkpoint 2.
  for (let attempt = 0; attempt < 2 && !finished; attempt++) await randomRun(attempt);
  // Between a checkpoint holding side records and its commit: the restart must commit them.
  const second = finished ? undefined : await runJob(dir, 'eos.sql', undefined, { SLUICE_TEST_KILL_BEFORE_COMMIT: 'side' });
  if (second !== undefined) {
    assert.match(second.stderr, /resuming from checkpoint \d+ /, second.stderr);
    if (second.signal === 'SIGKILL') kills++;
    else {
      assert.equal(second.code, 0, second.stderr);
      finished = true;
    }
  }
  for (let attempt = 2; attempt < 12 && kills < 6 && !finished; attempt++) await randomRun(attempt);
  if (!finished) {
    const last = await runJob(dir, 'eos.sql');
    assert.equal(last.code, 0, last.stderr);
  }
  if (process.env['SLUICE_TEST_VERBOSE']) console.log(log.join('\n'));

  // Hand-computed: each bad record once, each late record once, under its own key and offset.
  const gotDlq = await readCommitted(dlq, true);
  const gotLate = await readCommitted(late, true);
  assert.deepEqual(offsets(gotDlq), [...BAD].sort((a, b) => a - b), `dead letters by source offset (seed ${seed})`);
  assert.deepEqual(offsets(gotLate), [...LATE].sort((a, b) => a - b), `late records by source offset (seed ${seed})`);
  for (const l of [...gotDlq, ...gotLate]) assert.equal(l.split('|')[0], `m${offsets([l])[0]}`, l);
  // And equal to an uninterrupted run's, content and headers.
  sameLines('dead letters', gotDlq, await readCommitted(refDlq, true));
  sameLines('late records', gotLate.map(stable).sort(), (await readCommitted(refLate, true)).map(stable).sort());
  sameLines('output', await readCommitted(out), await readCommitted(refOut));
  // Checked last, so that the old code (no side records in the transaction) fails on the records above.
  assert.match(ex.stdout, new RegExp(`Sink #\\d+ agg \\[kafka ${out}\\] append-only, exactly once \\(Kafka transaction\\)`), ex.stdout);
  assert.match(ex.stdout, new RegExp(`dead_letter \\[kafka ${dlq}\\] exactly once \\(Kafka transaction of sink agg\\)`), ex.stdout);
  assert.match(ex.stdout, new RegExp(`late \\[kafka ${late}\\] exactly once \\(Kafka transaction of sink agg\\)`), ex.stdout);
  assert.ok(
    ref.stderr.includes(
      `sluice: running ref.sql: agg → kafka ${refOut}: exactly once (Kafka transaction); ev dead letters → kafka ${refDlq}: exactly once (Kafka transaction of sink agg); ev late rows → kafka ${refLate}: exactly once (Kafka transaction of sink agg)`,
    ),
    ref.stderr,
  );
  assert.equal(second?.signal, 'SIGKILL', `no checkpoint held side records before its commit:\n${second?.stderr ?? 'the job finished before that run'}`);
  assert.ok(sideRecovered, `no restart committed a checkpoint's stored side records:\n${log.join('\n')}`);
  assert.ok(kills >= 3, `only ${kills} runs were killed before the job finished (seed ${seed})`);
});
