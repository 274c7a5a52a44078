// `sluice state FILE`: what a job's state costs, read from its state directory (so it works
// while the job runs): the last checkpoint's time, size and duration, and per operator each
// state table with its rows and bytes in memory and in DuckDB, and whether it is bounded.

import { loadScriptFile, planScript } from './load.js';
import { selectSinks } from './select-sinks.js';
import { readSummary, type CheckpointSummary } from '../state/checkpoint.js';
import { defaultStateDir } from '../state/settings.js';
import { formatBytes } from '../util/units.js';
import { planFingerprint } from '../state/fingerprint.js';
import type { PhysicalPlan } from '../plan/physical.js';

export function stateCommand(file: string, opts: { sink?: string[]; stateDir?: string }): number {
  const script = loadScriptFile(file);
  const sinks = selectSinks(script, opts.sink);
  const plan = planScript(script, sinks, { provenance: false });
  const dir = opts.stateDir ?? script.catalog.settings.get('state_dir') ?? defaultStateDir(file);
  process.stdout.write(renderState(plan, dir, readSummary(dir)));
  return 0;
}

export function renderState(plan: PhysicalPlan, dir: string, s: CheckpointSummary | undefined): string {
  const out: string[] = [];
  out.push(`state directory: ${dir}`);
  if (s === undefined) out.push('no checkpoint yet (run the job with `sluice run`)');
  else {
    const ago = Math.max(0, Math.round((Date.now() - s.createdAt) / 1000));
    out.push(`last checkpoint: #${s.id} at ${new Date(s.createdAt).toISOString()} (${ago}s ago), ${formatBytes(s.bytes)}, written in ${s.ms.toFixed(0)} ms; ${s.finished ? 'the job ran to the end of its inputs (a run reads only what arrived since)' : 'a run resumes from it'}`);
    if (s.fingerprint !== planFingerprint(plan)) out.push('warning: the checkpoint is of a different plan (the SQL changed); `sluice run --fresh` starts over');
  }
  out.push('');
  out.push(['operator', 'table', 'shape', 'bounded', 'rows in memory', 'bytes in memory', 'rows in DuckDB', 'bytes in DuckDB'].join('\t'));
  for (const n of plan.nodes) {
    for (const d of n.state) {
      const t = s?.tables.find((x) => x.operator === n.id && x.name === d.name);
      const spilled = t?.spilledRows ?? 0;
      out.push(
        [`#${n.id} ${n.kind}`, d.name, d.shape, d.bounded ? 'yes' : 'NO (grows with keys)', t ? String(t.rows - spilled) : '-', t ? formatBytes(t.bytes - (t.spilledBytes ?? 0)) : '-', t ? String(spilled) : '-', t ? formatBytes(t.spilledBytes ?? 0) : '-'].join('\t'),
      );
    }
  }
  return `${alignTabs(out)}\n`;
}

/** Aligns the tab-separated lines that follow the first blank line into columns. */
function alignTabs(lines: string[]): string {
  const start = lines.indexOf('') + 1;
  const rows = lines.slice(start).map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return [...lines.slice(0, start), ...rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd())].join('\n');
}
