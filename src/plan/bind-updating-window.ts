// A TUMBLE, HOP or CUMULATE window over a relation with no event time (a source without a
// WATERMARK): no watermark ever closes a window, so the result is an updating one (EMIT
// CHANGES): a WindowExpand that labels each row with its windows, then a GroupAggregate keyed
// by (keys, window bounds) whose state is unbounded. SESSION and EMIT FINAL are refused here.

import type { SelectQuery, Span } from '../sql/ast.js';
import { T } from '../catalog/types.js';
import type { AggCall, BoundExpr } from '../expr/bound.js';
import { WINDOW_TIME_BEFORE_END } from '../exec/time.js';
import { PlanError } from './errors.js';
import type { Scope } from './scope.js';
import { aggStateNote } from './bind-agg-args.js';
import type { PlanBuilder } from './builder.js';
import type { AlignedWindow, PlanColumn, StateDecl, WindowSpec } from './physical.js';

/**
 * Whether a window may use column `index` without a watermark: the relation has no event-time
 * column at all (a source without a WATERMARK; not a union that lost its, and not another
 * column beside an event-time one) and the column is a TIMESTAMP.
 */
export function windowWithoutWatermark(scope: Scope, index: number): boolean {
  return scope.timeColumn === undefined && scope.noTimeReason === undefined && scope.columns[index]?.type.kind === 'timestamp';
}

/** SESSION and EMIT FINAL need windows that close: refused over a relation without a watermark. */
export function checkUpdatingWindow(q: SelectQuery, window: WindowSpec, span: Span, timeName: string, text: string): void {
  const hint = `add \`WATERMARK FOR ${timeName} AS ${timeName} - INTERVAL '1' SECOND\` to the CREATE SOURCE`;
  if (window.kind === 'session') {
    throw new PlanError(text, span, `'${timeName}' has no watermark, and a SESSION window needs one: without it any later row could merge two sessions`, {
      hint: `${hint}, or group by TUMBLE, HOP or CUMULATE for a window that is updated as rows arrive`,
    });
  }
  if (q.emit?.mode === 'final') {
    throw new PlanError(text, q.emit.span, `EMIT FINAL needs a watermark, and '${timeName}' has none: without one no window ever closes`, {
      hint: `${hint}, or drop EMIT FINAL: windows without a watermark emit their changes (EMIT CHANGES)`,
    });
  }
}

/**
 * The plan: WindowExpand (input columns, window_start, window_end) then a GroupAggregate keyed
 * by the group keys, the bounds and (with `windowTime`) window_end - 1 ms, so its output is
 * laid out as a WindowAggregate's: keys..., window_start, window_end, [window_time,] aggs...
 */
export function bindUpdatingWindow(
  b: PlanBuilder,
  input: number,
  window: AlignedWindow,
  timeInput: number,
  keys: readonly BoundExpr[],
  aggs: readonly AggCall[],
  schema: readonly PlanColumn[],
  windowTime: boolean,
): number {
  const inSchema = b.node(input).schema;
  const width = inSchema.length;
  const bound: PlanColumn[] = [
    { name: 'window_start', type: T.timestamp },
    { name: 'window_end', type: T.timestamp },
  ];
  const expand = b.add({ kind: 'windowExpand', inputs: [input], schema: [...inSchema, ...bound], timeColumn: undefined, appendOnly: true, state: [], window, timeInput });
  const start: BoundExpr = { kind: 'column', index: width, name: 'window_start', type: T.timestamp };
  const end: BoundExpr = { kind: 'column', index: width + 1, name: 'window_end', type: T.timestamp };
  const time: BoundExpr = { kind: 'arith', op: '-', left: end, right: { kind: 'literal', value: WINDOW_TIME_BEFORE_END, type: T.interval }, type: T.timestamp };
  const state: StateDecl[] = [
    { name: 'groups', shape: 'keyed', describe: `window × key → accumulators and last emitted row${aggStateNote(aggs, true)}; no watermark, so no window ever closes`, bounded: false },
  ];
  return b.add({
    kind: 'groupAgg',
    inputs: [expand],
    schema,
    timeColumn: undefined,
    appendOnly: false,
    state,
    keys: [...keys, start, end, ...(windowTime ? [time] : [])],
    aggs,
    inputAppendOnly: true,
  });
}
