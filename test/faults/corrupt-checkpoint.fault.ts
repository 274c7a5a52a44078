// Scenarios: a damaged checkpoint under an exactly-once Kafka job. The job is stopped mid-run
// (cleanly, so DuckDB has written its checkpoint into state.duckdb, or with SIGKILL, so the last
// checkpoints are only in the WAL), a file is damaged, and the job is started again. It must
// refuse with a clear error naming the damaged file and `--fresh` as the way out; exit 0 is
// only acceptable when the output still equals the uninterrupted run (nothing lost, nothing
// doubled), never a silent restart from nothing or from an older checkpoint.

import { existsSync, openSync, readSync, statSync, truncateSync, writeSync, closeSync } from 'node:fs';
import * as path from 'node:path';
import { brokerUp } from './broker.js';
import { say, scenario, type Outcome } from './harness.js';
import { Job, describeExit, errorOf, isClearError } from './job.js';
import { compareWithReference, jobDir, jobSql, produceInput, reference, topicsFor, type Workload } from './workload.js';

const ROWS = 30_000;
const RATE = 3_000;

let input: Promise<Workload> | undefined;
async function workload(): Promise<Workload> {
  await brokerUp();
  input ??= produceInput(ROWS, 30);
  const w = await input;
  await reference(w);
  return w;
}

/** XORs `n` bytes of `file` at `offset` with 0xff. */
function flip(file: string, offset: number, n: number): void {
  const fd = openSync(file, 'r+');
  try {
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, offset);
    for (let i = 0; i < n; i++) buf[i] = buf[i]! ^ 0xff;
    writeSync(fd, buf, 0, n, offset);
  } finally {
    closeSync(fd);
  }
}

interface Damage {
  readonly name: string;
  /** How the first run ends before the damage: SIGINT (clean stop, checkpoint in state.duckdb) or SIGKILL (WAL left). */
  readonly stop: 'SIGINT' | 'SIGKILL';
  /** The file damaged, relative to the state directory. */
  readonly file: string;
  /** Damages it; returns what was done. */
  readonly damage: (file: string) => string;
}

async function damaged(d: Damage): Promise<Outcome> {
  const w = await workload();
  const t = topicsFor(w, d.name);
  const j = jobDir(d.name, jobSql(t, RATE));
  const start = (): Job => new Job(j.dir, j.file, { stateDir: j.stateDir, checkpointInterval: '200ms' });
  const problems: string[] = [];
  let tried = `exactly-once job over ${ROWS} records at ${RATE}/s`;
  let outcome = '';
  const first = start();
  if (!(await first.untilCheckpoint(8, 60_000))) {
    problems.push(`the job ended before checkpoint 8: ${describeExit(await first.done(1_000))}`);
  } else {
    first.kill(d.stop);
    const e1 = await first.done(60_000);
    const lastBefore = first.checkpointId();
    const file = path.join(j.stateDir, d.file);
    const what = existsSync(file) ? d.damage(file) : `(${d.file} does not exist)`;
    tried += `, stopped with ${d.stop} at checkpoint ${lastBefore} (${describeExit(e1)}); ${what}`;
    say(tried);
    const e = await start().done(120_000);
    const resumed = /resuming from checkpoint (\d+)/.exec(e.stderr);
    outcome = `restart: ${describeExit(e)}${resumed ? ` after resuming from checkpoint ${resumed[1]}` : ''}`;
    if (e.timedOut) problems.push('the restart hung');
    else if (e.code === 0) {
      const diff = await compareWithReference(w, t);
      if (diff) problems.push(`${resumed ? `resumed from an older checkpoint than the last (${lastBefore}) without a word` : 'a silent restart from nothing'}: ${diff}`);
    } else {
      const err = errorOf(e);
      if (!isClearError(e)) problems.push(`not a clear error: ${describeExit(e)}`);
      if (!err.includes(file)) problems.push(`the error does not name ${d.file} (${file})`);
      if (!err.includes('--fresh')) problems.push('the error does not give --fresh as the way out');
      if (/in use by another/.test(err)) problems.push('the error blames another running job');
    }
  }
  return { tried, found: outcome, problems };
}

const half = (file: string): string => {
  const size = statSync(file).size;
  truncateSync(file, Math.floor(size / 2));
  return `${path.basename(file)} truncated from ${size} to ${Math.floor(size / 2)} bytes`;
};

scenario('checkpoint: state.duckdb truncated', 240_000, () =>
  damaged({ name: 'trunc', stop: 'SIGINT', file: 'state.duckdb', damage: half }),
);

scenario('checkpoint: state.duckdb headers flipped', 240_000, () =>
  damaged({
    name: 'hdr',
    stop: 'SIGINT',
    file: 'state.duckdb',
    damage: (file) => {
      // DuckDB keeps two database headers (at 4 KiB and 8 KiB), each with a checksum: damage both.
      flip(file, 4096 + 8, 32);
      flip(file, 8192 + 8, 32);
      return 'bytes 8-40 of both database headers of state.duckdb flipped';
    },
  }),
);

scenario('checkpoint: state.duckdb blocks flipped', 240_000, () =>
  damaged({
    name: 'blk',
    stop: 'SIGINT',
    file: 'state.duckdb',
    damage: (file) => {
      // Every block past the headers (256 KiB each from 12 KiB), in its middle: checksummed data.
      const size = statSync(file).size;
      let n = 0;
      for (let at = 12288 + 1024; at + 64 < size; at += 262144, n++) flip(file, at, 64);
      return `64 bytes flipped in each of the ${n} data blocks of state.duckdb (${size} bytes)`;
    },
  }),
);

scenario('checkpoint: WAL truncated', 240_000, () =>
  damaged({ name: 'wal', stop: 'SIGKILL', file: 'state.duckdb.wal', damage: half }),
);
