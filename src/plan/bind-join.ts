// Binds `FROM a JOIN b ON ...` into an interval join: ON is split (join-condition.ts) into its
// conjunctions, which are equality keys (one side's expression = the other's), bounds on the right side's event time
// relative to the left's (`b.ts BETWEEN a.ts - 5m AND a.ts + 1m`, or `>=`, `>`, `<=`, `<`, `=`
// between the two event-time columns, each plus or minus a constant interval), or the residual.
// A join of two windowed inputs on equal window bounds is a window join (bind-window-join.ts);
// one without both bounds, or over a changelog, is a regular join (bind-regular-join.ts); a cross
// join (no key, no bound) is refused. INNER, LEFT, RIGHT and FULL are built for all three.

import type { FromItem } from '../sql/ast.js';
import { ExprBinder } from './bind-expr.js';
import { PlanError } from './errors.js';
import { Scope } from './scope.js';
import type { PlanBuilder } from './builder.js';
import type { BoundRelation } from './bind-relation.js';
import type { StateDecl } from './physical.js';
import { REF_COLUMN } from './physical.js';
import { bindRegularJoin } from './bind-regular-join.js';
import { joinTimeSide } from '../exec/time.js';
import { bindWindowJoin } from './bind-window-join.js';
import { alignKeys, allOf, joinOutputs, signed, splitCondition } from './join-condition.js';

export type { JoinCondition } from './join-condition.js';

type JoinItem = FromItem & { kind: 'join' };

const FORM = "a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '5' MINUTE AND a.ts + INTERVAL '1' MINUTE";

export function bindJoin(b: PlanBuilder, f: JoinItem, text: string, left: BoundRelation, right: BoundRelation): BoundRelation {
  if (f.joinType === 'cross') {
    throw new PlanError(text, f.typeSpan, 'CROSS JOIN (every pair of rows, state without bound) is not supported; a JOIN needs an equality key between its two sides', {
      hint: `write JOIN ... ON a.k = b.k [AND ...], or bound the two event times for an interval join: ON ${FORM}`,
    });
  }
  const joinType = f.joinType;
  if (f.on === undefined) {
    throw new PlanError(text, f.typeSpan, 'a JOIN needs ON with an equality key between its two sides', {
      hint: `e.g. ON a.k = b.k; for an interval join also bound the two event times: ON ${FORM}`,
    });
  }
  const lw = left.scope.columns.length;
  const both = new Scope(
    [...left.scope.columns, ...right.scope.columns].map((c) => ({ ...c, hidden: c.hidden || c.name === REF_COLUMN })),
    undefined,
    undefined,
  );
  const on = new ExprBinder(both, text).bindCondition(f.on, 'ON');
  // Equal window bounds on two append-only (closed-window) inputs make a window join, whatever the
  // event-time columns; otherwise a join without a pair of time bounds, or over a changelog, is regular.
  if (left.appendOnly && right.appendOnly) {
    const windowed = bindWindowJoin(b, f, text, left, right, on);
    if (windowed !== undefined) return windowed;
  }
  const regular = bindRegularJoin(b, f, text, left, right, on);
  if (regular !== undefined) return regular;
  for (const [rel, side, item] of [[left, 'left', f.left], [right, 'right', f.right]] as const) {
    if (rel.scope.timeColumn === undefined) {
      throw new PlanError(text, item.span, `the ${side} side of the JOIN has no event-time column, so no time bound can expire its rows`, {
        hint: rel.scope.noTimeReason ?? 'join sources that declare a WATERMARK (or views and subqueries that select their event-time column), or two windowed inputs on equal window_start and window_end (a window join)',
      });
    }
  }
  const lt = left.scope.timeColumn!;
  const rt = right.scope.timeColumn!;
  const cond = splitCondition(on, lw, lt, lw + rt);
  const ltName = `${left.scope.columns[lt]!.qualifier ?? 'left'}.${left.scope.columns[lt]!.name}`;
  const rtName = `${right.scope.columns[rt]!.qualifier ?? 'right'}.${right.scope.columns[rt]!.name}`;
  if (cond.lowerMicros === undefined || cond.upperMicros === undefined) {
    const missing = cond.lowerMicros === undefined && cond.upperMicros === undefined ? 'a lower and an upper bound' : cond.lowerMicros === undefined ? 'a lower bound' : 'an upper bound';
    throw new PlanError(text, f.on.span, `this JOIN has no time bound: ON needs ${missing} on ${rtName} relative to ${ltName}, else every row would be kept forever (a regular join's state is unbounded)`, {
      expected: `${rtName} BETWEEN ${ltName} - INTERVAL ... AND ${ltName} + INTERVAL ..., or ${rtName} >= / > / <= / < ${ltName} ± INTERVAL ...`,
      hint: `e.g. ON ${FORM}; the bounds must compare the two event-time columns (those with a WATERMARK) directly, each plus or minus a constant interval`,
    });
  }
  if (cond.lowerMicros > cond.upperMicros) {
    throw new PlanError(text, f.on.span, `the time bounds of this JOIN admit no pair: ${rtName} - ${ltName} must be at least ${signed(cond.lowerMicros)} and at most ${signed(cond.upperMicros)}`, {
      hint: 'swap the bounds (BETWEEN takes the lower one first)',
    });
  }
  const [leftKeys, rightKeys] = alignKeys(cond.leftKeys, cond.rightKeys, lw);
  const residual = allOf(cond.residual);

  // Output: the visible columns of the left, then of the right; the event time stays the left's
  // (RIGHT: the right's, whose rows all come out; FULL: none, as either side may be NULL).
  const timeSide = joinType === 'full' ? undefined : joinTimeSide(joinType);
  const { outputs, cols, timeColumn } = joinOutputs(left, right, timeSide === 0 ? lt : undefined, timeSide === 1 ? rt : undefined);
  const noTime = joinType === 'full' ? "a FULL JOIN's rows keep no event time (an unmatched row of either side has the other side's time NULL)" : undefined;
  const scope = new Scope(cols, timeColumn, undefined, noTime, 'FULL JOIN');
  const keyText = leftKeys.length === 0 ? 'no key' : 'key';
  const state: StateDecl[] = [
    { name: 'rows', shape: 'keyed', describe: `join ${keyText} → each side's waiting rows`, bounded: true },
    { name: 'expiry', shape: 'timeKeyed', describe: 'expiry time × join key', bounded: true },
  ];
  const node = b.add({
    kind: 'intervalJoin',
    inputs: [left.node, right.node],
    schema: scope.schema(),
    timeColumn,
    appendOnly: true,
    state,
    joinType,
    leftKeys,
    rightKeys,
    leftTime: lt,
    rightTime: rt,
    lowerMicros: cond.lowerMicros,
    upperMicros: cond.upperMicros,
    residual,
    condition: on,
    outputs,
    refInputs: [left.scope.refColumn, right.scope.refColumn],
  });
  return { node, scope, appendOnly: true };
}
