// Scenarios: the disk under the state directory fills while a job runs (a small tmpfs mounted
// there, filled by another file once the job has checkpointed), or just before a clean stop. The job must stop with a clear
// error naming the directory (or go on and say so), leave a checkpoint that is not corrupt, and
// resume from it once space is freed, its file output then equal to an uninterrupted run's.
// Needs permission to mount a tmpfs (root); skipped with the reason otherwise.

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { onCleanup, say, scenario, tempDir, type Outcome } from './harness.js';
import { Job, describeExit, errorOf, isClearError, logLines } from './job.js';
import { difference } from './workload.js';

const COUNT = 40_000;

function sql(out: string, rate?: number): string {
  return `CREATE SOURCE raw WITH (connector = 'datagen', generator = 'sensors', sensors = '1000', count = '${COUNT}', seed = '7'${rate ? `, rate = '${rate}'` : ''});
CREATE SINK agg WITH (connector = 'file', path = '${out}') AS
  SELECT sensor, window_start, COUNT(*) AS n, SUM(value) AS s FROM raw GROUP BY sensor, TUMBLE(ts, 1m);
`;
}

/** Writes into `file` until the filesystem refuses; returns the bytes written. */
function fill(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  let n = 0;
  try {
    for (;;) n += writeSync(fd, chunk);
  } catch {
    // ENOSPC: full.
  } finally {
    closeSync(fd);
  }
  return n;
}

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : []);

/**
 * `atStop`: fill the disk just after a checkpoint and stop the job at once (SIGINT), so the
 * checkpoint that fails is the final one of a clean stop; else let the next periodic one fail.
 */
async function diskFull(atStop: boolean): Promise<Outcome> {
  const dir = tempDir('disk');
  const stateDir = path.join(dir, 'state');
  mkdirSync(stateDir);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', stateDir], { encoding: 'utf8' });
  if (mount.status !== 0) {
    return { tried: 'mount an 8 MB tmpfs on the state directory', found: '', problems: [], skipped: `mount is not permitted here (${(mount.stderr || mount.error?.message || '').trim()})` };
  }
  onCleanup(() => void spawnSync('umount', ['-l', stateDir]));

  // The reference: the same job, uninterrupted, on an ordinary disk.
  writeFileSync(path.join(dir, 'ref.sql'), sql('ref.jsonl'));
  const ref = await new Job(dir, 'ref.sql', { stateDir: path.join(dir, 'ref-state') }).done(120_000);
  if (ref.code !== 0) throw new Error(`the reference run failed: ${describeExit(ref)}`);
  const want = lines(path.join(dir, 'ref.jsonl'));

  writeFileSync(path.join(dir, 'job.sql'), sql('out.jsonl', 4_000));
  const problems: string[] = [];
  const interval = atStop ? '2s' : '200ms';
  const start = (): Job => new Job(dir, 'job.sql', { stateDir, checkpointInterval: interval });
  const first = start();
  let tried = `datagen (${COUNT} rows at 4000/s) -> file sink, state on an 8 MB tmpfs, checkpoints every ${interval}`;
  let found = '';
  const at = atStop ? 1 : 3;
  if (!(await first.untilCheckpoint(at, 60_000))) {
    problems.push(`the job ended before checkpoint ${at}: ${describeExit(await first.done(1_000))}`);
  } else {
    const filler = path.join(stateDir, 'filler');
    const bytes = fill(filler);
    tried += `; at checkpoint ${first.checkpointId()} the tmpfs was filled (${(bytes / 1e6).toFixed(1)} MB)`;
    if (atStop) {
      first.kill('SIGINT');
      tried += ' and the job stopped with SIGINT (its final checkpoint must fail)';
    }
    say(tried);
    const e = await first.done(60_000);
    const full = `while full: ${describeExit(e)}`;
    if (e.timedOut) problems.push('the job hung on the full disk');
    else if (e.code === 0) {
      // Going on is acceptable only when it says so, naming the directory.
      if (!logLines(e.stderr).some((l) => l.includes(stateDir) && !/^sluice: checkpoint \d+ in /.test(l))) problems.push('exit 0 on a full disk without a word naming the state directory');
    } else {
      if (!isClearError(e)) problems.push('not a clear error');
      if (!errorOf(e).includes(stateDir)) problems.push(`the error does not name the state directory ${stateDir}`);
    }
    rmSync(filler);
    const again = await start().done(120_000);
    const resumed = /resuming from checkpoint (\d+)/.exec(again.stderr);
    found = `${full}; after freeing space: ${describeExit(again)}${resumed ? ` (resumed from checkpoint ${resumed[1]})` : ''}`;
    if (again.code !== 0) problems.push('the restart after freeing space failed (corrupt checkpoint?)');
    else if (!resumed && e.code !== 0) problems.push('the restart did not resume from a checkpoint');
    const diff = difference(lines(path.join(dir, 'out.jsonl')), want);
    if (diff) problems.push(`output ${diff}`);
  }
  return { tried, found, problems };
}

scenario('disk full under the state directory', 240_000, () => diskFull(false));
scenario('disk full at a clean stop (SIGINT)', 240_000, () => diskFull(true));
