// A `sluice run` under test as a child process: its stderr, its exit, its last checkpoint id
// (from the state directory's checkpoint.json), its peak RSS (VmHWM, sampled from /proc while it
// runs), and a SIGKILL at a chosen moment. Every job is killed at cleanup if still running.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BIN, onCleanup, waitFor } from './harness.js';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  /** Peak resident set size seen while it ran, in MB (0 where /proc is not there). */
  readonly peakRssMb: number;
  /** It did not end within the time allowed and was killed. */
  readonly timedOut: boolean;
}

export interface JobOptions {
  readonly stateDir: string;
  readonly checkpointInterval?: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export class Job {
  readonly child: ChildProcess;
  readonly stateDir: string;
  stderr = '';
  private peakKb = 0;
  private timedOut = false;
  private readonly exit: Promise<Exit>;

  constructor(dir: string, file: string, o: JobOptions) {
    this.stateDir = o.stateDir;
    const args = [BIN, 'run', file, '--state-dir', o.stateDir, '--checkpoint-interval', o.checkpointInterval ?? '200ms', ...(o.args ?? [])];
    this.child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...o.env } });
    const pid = this.child.pid!;
    const forget = onCleanup(() => void process.kill(pid, 'SIGKILL'));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    const sampler = setInterval(() => this.sampleRss(), 200);
    this.exit = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('exit', (code, signal) => {
        clearInterval(sampler);
        forget();
        resolve({ code, signal, stderr: this.stderr, peakRssMb: Math.round(this.peakKb / 1024), timedOut: this.timedOut });
      });
    });
  }

  private sampleRss(): void {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
      if (m) this.peakKb = Math.max(this.peakKb, Number(m[1]));
    } catch {
      // Gone between two samples.
    }
  }

  get peakRssMb(): number {
    this.sampleRss();
    return Math.round(this.peakKb / 1024);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The id of the last checkpoint written to disk (0: none yet). */
  checkpointId(): number {
    try {
      return (JSON.parse(readFileSync(path.join(this.stateDir, 'checkpoint.json'), 'utf8')) as { id: number }).id;
    } catch {
      return 0;
    }
  }

  /** Waits until checkpoint `id` is on disk; false when the job ended or `ms` passed first. */
  async untilCheckpoint(id: number, ms: number): Promise<boolean> {
    await waitFor(() => this.checkpointId() >= id || !this.running, ms, 20);
    return this.checkpointId() >= id;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) this.child.kill(signal);
  }

  /** Its exit; after `ms` it is killed (SIGKILL) and reported as timed out. */
  async done(ms: number): Promise<Exit> {
    const timer = setTimeout(() => {
      this.timedOut = true;
      this.kill('SIGKILL');
    }, ms);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The text of each log line (JSON lines' `msg`, else the line itself). */
export function logLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        const o = JSON.parse(l) as { msg?: unknown };
        return typeof o.msg === 'string' ? o.msg : l;
      } catch {
        return l;
      }
    });
}

/** The error a failed run ended with: its last `sluice:` error line (JSON level error, or text). */
export function errorOf(e: Exit): string {
  const lines = e.stderr.split('\n').filter((l) => l.trim() !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    try {
      const o = JSON.parse(l) as { level?: unknown; msg?: unknown };
      if (o.level === 'error' && typeof o.msg === 'string') return o.msg;
    } catch {
      // A text error may go on over several lines (the ways out): the rest of stderr is part of it.
      if (/^sluice: /.test(l) || /^error: /.test(l)) return lines.slice(i).join('\n');
    }
  }
  return lines.slice(-3).join(' / ') || '(no output)';
}

/** True for a failure a user can act on: an error line and no JavaScript stack trace. */
export function isClearError(e: Exit): boolean {
  return e.code !== 0 && e.code !== null && !/\n\s+at .+:\d+:\d+\)?\n/.test(e.stderr) && /^(sluice|error): /.test(errorOf(e));
}

/** How an exit reads in a finding: `exit 2: <error>`, `SIGKILL`, `exit 0`. */
export function describeExit(e: Exit): string {
  if (e.timedOut) return `still running when the time ran out (killed)`;
  if (e.signal) return e.signal;
  return e.code === 0 ? 'exit 0' : `exit ${e.code}: ${errorOf(e)}`;
}
