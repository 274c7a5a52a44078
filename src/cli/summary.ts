// The end-of-job summary on stderr: per source records read, dead letters, late rows and the
// final watermark; per sink rows written; then the notes (skipped records per reason).

import type { JobSummary } from '../exec/job.js';
import { formatTimestamp } from '../catalog/timestamp.js';

export function formatSummary(s: JobSummary): string {
  const lines: string[] = [];
  const secs = ((Date.now() - s.metrics.startedAt) / 1000).toFixed(1);
  lines.push(`sluice: ${s.aborted ? 'stopped' : 'done'} after ${secs}s`);
  for (const src of s.metrics.sources) {
    const wm = src.ended ? 'ended' : Number.isFinite(src.watermark) ? `watermark ${formatTimestamp(src.watermark)}` : 'no watermark yet';
    lines.push(`  source ${src.name}: ${src.recordsIn} records, ${src.deadLetters} dead-lettered, ${src.late} late, ${wm}`);
  }
  for (const k of s.metrics.sinks) lines.push(`  sink ${k.name}: ${k.rowsOut} rows`);
  for (const n of s.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}
