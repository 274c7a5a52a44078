// The end-of-job summary: per source records read, dead letters, late rows and the final
// watermark; per sink rows written; then the notes (skipped records per reason). On a terminal
// it is the indented text below; as JSON lines, one record per line with its figures as fields.

import type { JobSummary } from '../exec/job.js';
import { formatTimestamp } from '../catalog/timestamp.js';
import { log, logConfig, type LogFields } from '../util/log.js';

interface SummaryLine {
  readonly text: string;
  readonly level: 'info' | 'warn';
  readonly fields: LogFields;
}

/** When the `sluice` process started (epoch ms): before bin/sluice.js replaced itself, if it did. */
function processStart(): number {
  const before = Number(process.env['SLUICE_STARTED_AT']);
  return Number.isFinite(before) && before > 0 ? before : performance.timeOrigin;
}

function summaryLines(s: JobSummary): SummaryLine[] {
  const lines: SummaryLine[] = [];
  const secs = ((Date.now() - s.metrics.startedAt) / 1000).toFixed(1);
  lines.push({ text: `sluice: ${s.aborted ? 'stopped' : 'done'} after ${secs}s`, level: 'info', fields: { event: 'summary', aborted: s.aborted, seconds: Number(secs) } });
  for (const src of s.metrics.sources) {
    const wm = src.ended ? 'ended' : Number.isFinite(src.watermark) ? `watermark ${formatTimestamp(src.watermark)}` : 'no watermark yet';
    lines.push({
      text: `  source ${src.name}: ${src.recordsIn} records, ${src.deadLetters} dead-lettered, ${src.late} late, ${src.blank ? `${src.blank} blank skipped, ` : ''}${wm}`,
      level: 'info',
      fields: { event: 'summary', source: src.name, records: src.recordsIn, deadLetters: src.deadLetters, late: src.late, ...(src.blank ? { blank: src.blank } : {}), ...(src.firstReadAt !== undefined ? { firstRecordMs: Math.round(src.firstReadAt - processStart()) } : {}), ended: src.ended, ...(Number.isFinite(src.watermark) ? { watermark: formatTimestamp(src.watermark) } : {}) },
    });
  }
  for (const k of s.metrics.sinks) lines.push({ text: `  sink ${k.name}: ${k.rowsOut} rows`, level: 'info', fields: { event: 'summary', sink: k.name, rows: k.rowsOut } });
  for (const n of s.notes) lines.push({ text: `note: ${n}`, level: 'warn', fields: { event: 'note' } });
  return lines;
}

export function formatSummary(s: JobSummary): string {
  return summaryLines(s).map((l) => l.text).join('\n') + '\n';
}

/** The summary through the log: the text block on a terminal, one record per line as JSON. */
export function logSummary(s: JobSummary): void {
  if (!logConfig().json) {
    log.info(formatSummary(s));
    return;
  }
  for (const l of summaryLines(s)) log[l.level](l.text, l.fields);
}
