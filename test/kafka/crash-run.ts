// Running `sluice run` in a child process for the crash tests, optionally killed with SIGKILL a
// random moment after it has written some checkpoints (it then stands anywhere between two).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const BIN = path.resolve('bin/sluice.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs `file` in `dir`; `kill`: SIGKILL it `jitterMs` after it has written `checkpoints` new checkpoints (one every `checkpointInterval`). */
export function runJob(dir: string, file: string, kill?: { checkpoints: number; jitterMs: number }, env: Record<string, string> = {}, checkpointInterval = '150ms'): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'run', file, '--checkpoint-interval', checkpointInterval], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    const summary = path.join(dir, '.sluice', file.replace(/\.sql$/, ''), 'checkpoint.json');
    const read = (): { id: number; finished: boolean } => {
      try {
        return JSON.parse(readFileSync(summary, 'utf8')) as { id: number; finished: boolean };
      } catch {
        return { id: 0, finished: false };
      }
    };
    const startId = read().id;
    let timer: NodeJS.Timeout | undefined;
    const poll = kill
      ? setInterval(() => {
          if (timer !== undefined) return;
          const now = read();
          // A job whose final checkpoint is written has finished: a kill then would only test
          // what a rerun of a finished job does, which is not what the crash tests are about.
          if (!now.finished && now.id >= startId + kill.checkpoints) timer = setTimeout(() => child.kill('SIGKILL'), kill.jitterMs);
        }, 10)
      : undefined;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (poll) clearInterval(poll);
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** A seeded pseudo-random sequence in [0, 1) (SLUICE_CRASH_SEED reproduces a run). */
export function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}
