// SHOW STATE in the REPL: for the running query and each running background sink, every state
// table with its rows and bytes in memory and in the DuckDB tier, how many event times it holds
// open, and the job's last checkpoint. Read live from the jobs (sluice state reads a checkpoint).

import type { Job } from '../exec/job.js';
import { formatBytes } from '../util/units.js';
import { out, type Output } from './output.js';

/** A running job as SHOW STATE names it: "query" or "sink NAME". */
export interface StateJob {
  readonly label: string;
  readonly job: Job;
}

const HEAD = ['job', 'operator', 'table', 'rows in memory', 'bytes in memory', 'rows in DuckDB', 'bytes in DuckDB', 'open times'];
const NUMERIC = [false, false, false, true, true, true, true, true];

export function showState(jobs: readonly StateJob[], now = Date.now()): Output[] {
  if (jobs.length === 0) {
    return [out.dim('nothing is running: state belongs to a running query or sink (start a query or CREATE SINK first; for a job of `sluice run`, `sluice state FILE.sql` reads its last checkpoint)')];
  }
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const { label, job } of jobs) {
    // Open event times (window ends, session timers) exist only for time-keyed tables.
    const open = new Map(job.timeState().map((t) => [`${t.operator}/${t.table}`, t.openTimes]));
    const sizes = job.stateSizes();
    if (sizes.length === 0) notes.push(`${label}: no state (its operators keep none)`);
    for (const t of sizes) {
      const kind = job.plan.nodes[t.operator]?.kind ?? '?';
      const times = open.get(`${t.operator}/${t.table}`);
      rows.push([label, `#${t.operator} ${kind}`, t.table, String(t.rows), formatBytes(t.bytes), String(t.spilledRows), formatBytes(t.spilledBytes), times === undefined ? '-' : String(times)]);
    }
    const c = job.lastCheckpoint;
    if (c) {
      const ago = Math.max(0, Math.round((now - c.createdAt) / 1000));
      notes.push(`${label}: last checkpoint #${c.id} at ${new Date(c.createdAt).toISOString()} (${ago}s ago), ${formatBytes(c.bytes)}, written in ${c.ms.toFixed(0)} ms`);
    }
  }
  if (!jobs.some((j) => j.job.lastCheckpoint)) notes.push('no checkpoints: REPL jobs take none (`sluice run` does, and `sluice state FILE.sql` shows the last one)');
  const outputs: Output[] = [];
  if (rows.length > 0) outputs.push(out.plain(table(rows)));
  outputs.push(out.dim(notes.join('\n')));
  return outputs;
}

function table(rows: readonly string[][]): string {
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (NUMERIC[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(HEAD), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
