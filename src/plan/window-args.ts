// Window size, slide, gap and offset arguments: a duration literal (`10s`) or an INTERVAL, positive
// (an offset may be zero or negative); and the TUMBLE and HOP rules shared by `GROUP BY
// TUMBLE(ts, size [, offset])` / `HOP(ts, slide, size [, offset])` and their table-function forms.

import type { Expr } from '../sql/ast.js';
import { formatDuration } from '../catalog/duration.js';
import { normaliseOffset } from '../exec/time.js';
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

/**
 * A window offset: a duration, possibly negative (`INTERVAL '-16' HOUR`, `-16h`), strictly
 * between -period and period, normalised into [0, period) (time.ts, normaliseOffset). Refused at
 * a whole period or more: it names the same windows as its remainder, and is more likely a
 * swapped argument than meant.
 */
export function windowOffset(e: Expr, period: number, fn: 'TUMBLE' | 'HOP' | 'CUMULATE', text: string): number {
  const neg = e.kind === 'unary' && e.op === '-' && e.operand.kind === 'interval';
  const lit = neg ? (e.operand as Expr & { kind: 'interval' }) : e;
  if (lit.kind !== 'interval') {
    throw new PlanError(text, e.span, `the ${fn} offset must be a duration`, {
      expected: "a duration such as 8h or INTERVAL '8' HOUR (negative allowed: -16h)",
      ...(e.kind === 'number' ? { hint: `add a unit: ${e.text}s for ${e.text} seconds` } : {}),
    });
  }
  const offset = neg ? -lit.micros : lit.micros;
  const what = fn === 'HOP' ? 'slide' : 'size';
  if (Math.abs(offset) >= period) {
    const r = normaliseOffset(offset, period);
    throw new PlanError(text, e.span, `the ${fn} offset ${offset < 0 ? '-' : ''}${formatDuration(Math.abs(offset))} is not smaller than the window ${what} ${formatDuration(period)}`, {
      hint: r === 0
        ? `an offset of whole ${what}s moves no window: leave it out`
        : `windows start at offset + k * ${what}, so use the remainder ${formatDuration(r)}`,
    });
  }
  return normaliseOffset(offset, period);
}

/** A TUMBLE window from its size and optional offset arguments. */
export function tumbleWindow(sizeArg: Expr, offsetArg: Expr | undefined, text: string): WindowSpec & { kind: 'tumble' } {
  const size = windowArg(sizeArg, 'size', text);
  const offset = offsetArg === undefined ? 0 : windowOffset(offsetArg, size, 'TUMBLE', text);
  return offset === 0 ? { kind: 'tumble', sizeMicros: size } : { kind: 'tumble', sizeMicros: size, offsetMicros: offset };
}

/** A HOP window from its slide, size and optional offset arguments: slide <= size, and not too many windows per row. */
export function hopWindow(slideArg: Expr, sizeArg: Expr, offsetArg: Expr | undefined, text: string): WindowSpec & { kind: 'hop' } {
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
  const offset = offsetArg === undefined ? 0 : windowOffset(offsetArg, slide, 'HOP', text);
  return offset === 0 ? { kind: 'hop', slideMicros: slide, sizeMicros: size } : { kind: 'hop', slideMicros: slide, sizeMicros: size, offsetMicros: offset };
}

/**
 * A CUMULATE window from its step, size and optional offset: windows [start, start + step),
 * [start, start + 2 step) ... [start, start + size), start = offset + k * size. The size must be a
 * whole number of steps (else the last window would not be the whole size), and a row enters up to
 * size / step windows, under the HOP limit.
 */
export function cumulateWindow(stepArg: Expr, sizeArg: Expr, offsetArg: Expr | undefined, text: string): WindowSpec & { kind: 'cumulate' } {
  const step = windowArg(stepArg, 'step', text);
  const size = windowArg(sizeArg, 'size', text);
  if (step > size) throw new PlanError(text, stepArg.span, 'the CUMULATE step must not exceed its size', { hint: 'CUMULATE(ts, step, size): e.g. CUMULATE(ts, 1h, 1d)' });
  if (size % step !== 0) {
    const span = { start: stepArg.span.start, end: sizeArg.span.end };
    const down = Math.floor(size / step) * step;
    throw new PlanError(text, span, `the CUMULATE size ${formatDuration(size)} is not a multiple of its step ${formatDuration(step)}`, {
      hint: `the windows grow by whole steps up to the size: e.g. CUMULATE(ts, ${formatDuration(step)}, ${formatDuration(down)}) or CUMULATE(ts, ${formatDuration(step)}, ${formatDuration(down + step)})`,
    });
  }
  const perRow = size / step;
  if (perRow > MAX_HOP_WINDOWS_PER_ROW) {
    const span = { start: stepArg.span.start, end: sizeArg.span.end };
    throw new PlanError(text, span, `a CUMULATE of size ${formatDuration(size)} in steps of ${formatDuration(step)} puts a row into up to ${perRow.toLocaleString('en-US')} windows; the limit is ${MAX_HOP_WINDOWS_PER_ROW.toLocaleString('en-US')}`, {
      hint: 'raise the step',
    });
  }
  const offset = offsetArg === undefined ? 0 : windowOffset(offsetArg, size, 'CUMULATE', text);
  return offset === 0 ? { kind: 'cumulate', stepMicros: step, sizeMicros: size } : { kind: 'cumulate', stepMicros: step, sizeMicros: size, offsetMicros: offset };
}
