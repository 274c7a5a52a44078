// A served job's SHOW STATE tables and watermark report as JSON: live figures while it runs
// (Job.stateSizes, the time state the REPL's \watermarks reads), the last checkpoint's summary
// once it has stopped.

import { readSummary } from '../state/checkpoint.js';
import type { ServedJob } from './served-job.js';
import { isoOrNull } from './job-json.js';
import { openWindows } from '../exec/job-status.js';

export function jobState(j: ServedJob): Record<string, unknown> {
  const live = j.active ? j.job?.stateSizes() : undefined;
  const summary = readSummary(j.spec.stateDir);
  const last = j.checkpoints[j.checkpoints.length - 1];
  const checkpoint = last ?? (summary ? { at: new Date(summary.createdAt).toISOString(), bytes: summary.bytes, durationMs: summary.ms } : null);
  const operators = j.plan.nodes
    .filter((n) => n.state.length > 0)
    .map((n) => ({
      id: n.id,
      kind: n.kind,
      tables: n.state.map((d) => {
        const t = live?.find((x) => x.operator === n.id && x.table === d.name);
        if (t) return { name: d.name, rowsMemory: t.rows, bytesMemory: t.bytes, rowsDuckdb: t.spilledRows, bytesDuckdb: t.spilledBytes, bounded: d.bounded };
        const s = summary?.tables.find((x) => x.operator === n.id && x.name === d.name);
        const sr = s?.spilledRows ?? 0;
        const sb = s?.spilledBytes ?? 0;
        return { name: d.name, rowsMemory: s ? s.rows - sr : 0, bytesMemory: s ? s.bytes - sb : 0, rowsDuckdb: sr, bytesDuckdb: sb, bounded: d.bounded };
      }),
    }));
  return { checkpoint, checkpoints: j.checkpoints, operators };
}

export function jobWatermarks(j: ServedJob): Record<string, unknown> {
  const job = j.job;
  if (!job) return { sources: [], operators: [] };
  const now = Date.now();
  const report = openWindows(j.watched, now);
  return {
    sources: report.sources.map((s) => ({
      name: s.name,
      watermark: isoOrNull(s.watermark),
      lagMs: s.lagMs === undefined ? null : Math.round(s.lagMs),
      idle: !s.ended && s.idle,
      ended: s.ended,
      partitions: (s.partitions ?? []).map((p) => ({ partition: p.partition, watermark: isoOrNull(p.watermark), idle: p.idle, records: p.records })),
    })),
    operators: report.operators.map((o) => ({
      id: o.operator,
      kind: o.kind,
      label: o.label,
      open: o.openTimes,
      openWindows: o.earliest === undefined ? [] : [{ windowStart: o.earliest.start === undefined ? null : isoOrNull(o.earliest.start), windowEnd: isoOrNull(o.earliest.end), reason: o.earliest.reason }],
    })),
  };
}
