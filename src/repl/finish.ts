// What a query leaves in the scrollback when it stops: its rows (the last ones when there are
// many), and a one-line summary; and the late rows reported while it ran.

import type { LateEvent } from '../exec/operator.js';
import type { LiveQuery } from './live-query.js';
import { plural, renderRows, type OutputFormat } from './format.js';
import { out, type Output } from './output.js';
import { queryStatus, formatWatermark } from './status.js';

/** At most this many rows of a finished query go to the scrollback. */
export const SCROLLBACK_ROWS = 200;

export function finishedOutputs(q: LiveQuery, format: OutputFormat): Output[] {
  const r = q.result;
  const outputs: Output[] = [];
  if (r.total > 0) {
    const t = renderRows(r.columns, r.rows, format, SCROLLBACK_ROWS, r.dropped);
    if (t.hidden > 0) outputs.push(out.dim(`… ${plural(t.hidden, 'earlier row')} not shown`));
    outputs.push(out.plain(t.lines.join('\n')));
  }
  if (q.error) outputs.push(out.error(`error: ${q.error.message}`));
  const s = queryStatus(q);
  const how = q.summary?.aborted ? 'stopped' : q.error ? 'failed' : 'done';
  outputs.push(out.dim(`${how} after ${(s.elapsedMs / 1000).toFixed(1)}s: ${plural(s.rowsOut, 'row')} out, ${plural(s.sources.reduce((a, x) => a + x.records, 0), 'event')} in, ${s.late} late, ${s.deadLetters} dead-lettered`));
  for (const n of q.summary?.notes ?? []) outputs.push(out.dim(`note: ${n}`));
  return outputs;
}

export function lateOutput(e: LateEvent, source: string): Output {
  return out.warn(`late: ${source} row at ${formatWatermark(e.eventTime)} dropped: ${e.reason}`);
}

/** Drains the query's late rows: up to `max` lines, then one line counting the rest. */
export function drainLate(q: LiveQuery, max = 3): Output[] {
  const events = q.lateQueue.splice(0, q.lateQueue.length);
  const outputs = events.slice(0, max).map((e) => lateOutput(e, q.lateSource(e)));
  if (events.length > max) outputs.push(out.warn(`late: … and ${plural(events.length - max, 'more row')} dropped behind the watermark`));
  return outputs;
}
