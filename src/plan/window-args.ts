// Window size, slide and gap arguments: a duration literal (`10s`) or an INTERVAL, positive; and
// the HOP rules shared by `GROUP BY HOP(ts, slide, size)` and `FROM HOP(input, ts, slide, size)`.

import type { Expr } from '../sql/ast.js';
import { formatDuration } from '../catalog/duration.js';
import { PlanError } from './errors.js';
import type { WindowSpec } from './physical.js';

/**
 * The most HOP windows one row may fall into (size / slide, rounded up). Every row is added to
 * each of its windows, and each key keeps that many open, so the cost of a row and the state of
 * a key grow with it (20,000 rows into 3,600 windows each, 72 million window updates, took 52 s
 * on a loaded 2-core machine). Rolling windows people mean fit: 1m/1d (1,440), 1s/1h (3,600);
 * 1ms/1d (86.4 million) ran out of memory on its first rows.
 */
export const MAX_HOP_WINDOWS_PER_ROW = 10_000;

export function windowArg(e: Expr, what: string, text: string): number {
  if (e.kind === 'interval') {
    if (e.micros <= 0) throw new PlanError(text, e.span, `the window ${what} must be positive`);
    return e.micros;
  }
  throw new PlanError(text, e.span, `the window ${what} must be a duration`, {
    expected: "a duration such as 10s, 500ms, 5m, 1h or INTERVAL '10' SECOND",
    ...(e.kind === 'number' ? { hint: `add a unit: ${e.text}s for ${e.text} seconds` } : {}),
  });
}

/** A HOP window from its slide and size arguments: slide <= size, and not too many windows per row. */
export function hopWindow(slideArg: Expr, sizeArg: Expr, text: string): WindowSpec & { kind: 'hop' } {
  const slide = windowArg(slideArg, 'slide', text);
  const size = windowArg(sizeArg, 'size', text);
  if (slide > size) throw new PlanError(text, slideArg.span, 'the HOP slide must not exceed its size', { hint: 'HOP(ts, slide, size): e.g. HOP(ts, 5s, 10s)' });
  const perRow = Math.ceil(size / slide);
  if (perRow > MAX_HOP_WINDOWS_PER_ROW) {
    const span = { start: slideArg.span.start, end: sizeArg.span.end };
    const slideFor = formatDuration(Math.ceil(size / MAX_HOP_WINDOWS_PER_ROW / 1000) * 1000);
    throw new PlanError(text, span, `a HOP of size ${formatDuration(size)} sliding by ${formatDuration(slide)} puts every row into ${perRow.toLocaleString('en-US')} windows; the limit is ${MAX_HOP_WINDOWS_PER_ROW.toLocaleString('en-US')}`, {
      hint: `raise the slide (at least ${slideFor} for this size), or use TUMBLE(ts, ${formatDuration(size)}) for windows that do not overlap`,
    });
  }
  return { kind: 'hop', slideMicros: slide, sizeMicros: size };
}
