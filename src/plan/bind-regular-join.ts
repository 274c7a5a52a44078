// Binds a JOIN that is not an interval join into a regular (unwindowed) join: one whose ON has no
// pair of time bounds between two event-time columns, or whose side is a changelog (a GROUP BY
// result). ON's equality conjunctions become the join keys (at least one is required: without
// one every row would meet every row of the other side), the rest the residual. INNER, LEFT,
// RIGHT and FULL; every row is kept per key until the job ends, or until `SET state_ttl`.

import type { FromItem } from '../sql/ast.js';
import type { BoundExpr } from '../expr/bound.js';
import { parseDuration } from '../catalog/duration.js';
import { PlanError } from './errors.js';
import { Scope } from './scope.js';
import type { PlanBuilder } from './builder.js';
import type { BoundRelation } from './bind-relation.js';
import type { StateDecl } from './physical.js';
import { alignKeys, allOf, joinOutputs, splitCondition } from './join-condition.js';

type JoinItem = FromItem & { kind: 'join' };

/**
 * The regular join for `f` with its ON already bound over the side-by-side row (`on`, by
 * bindJoin), or undefined when it is an interval join (both sides append-only with event times,
 * ON bounding one's time by the other's from both sides), which bindJoin takes. CROSS JOIN and a
 * JOIN without ON are refused by bindJoin before this.
 */
export function bindRegularJoin(b: PlanBuilder, f: JoinItem, text: string, left: BoundRelation, right: BoundRelation, on: BoundExpr): BoundRelation | undefined {
  if (f.joinType === 'cross' || f.on === undefined) return undefined; // refused by bindJoin; narrows the types
  const lw = left.scope.columns.length;
  const lt = left.scope.timeColumn;
  const rt = right.scope.timeColumn;
  if (left.appendOnly && right.appendOnly && lt !== undefined && rt !== undefined) {
    const timed = splitCondition(on, lw, lt, lw + rt);
    if (timed.lowerMicros !== undefined && timed.upperMicros !== undefined) return undefined;
  }
  // No event-time columns: comparisons between the two times stay in the residual.
  const cond = splitCondition(on, lw, -1, -1);
  if (cond.leftKeys.length === 0) {
    throw new PlanError(text, f.on.span, 'this JOIN has no equality key between its two sides (and no time bound): every row would have to meet every row of the other side, kept forever', {
      expected: 'a conjunction left_expr = right_expr, e.g. a.k = b.k',
      hint: "join on a key: ON a.k = b.k [AND ...]; or bound the two event times for an interval join: ON a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '5' MINUTE AND a.ts + INTERVAL '1' MINUTE",
    });
  }
  const [leftKeys, rightKeys] = alignKeys(cond.leftKeys, cond.rightKeys, lw);
  const residual = allOf(cond.residual);
  const { outputs, cols } = joinOutputs(left, right, undefined, undefined);
  const scope = new Scope(cols, undefined, undefined);
  const ttlMicros = stateTtl(b);
  const state: StateDecl[] = [
    {
      name: 'rows',
      shape: 'keyed',
      describe: `join key → each side's rows with their counts${f.joinType === 'inner' ? '' : ' and match counts'}${ttlMicros === undefined ? '' : '; a key idle for state_ttl is dropped'}`,
      bounded: ttlMicros !== undefined,
    },
  ];
  if (ttlMicros !== undefined) state.push({ name: 'idle', shape: 'timeKeyed', describe: 'watermark at last touch × join key', bounded: true });
  const appendOnly = f.joinType === 'inner' && left.appendOnly && right.appendOnly;
  const node = b.add({
    kind: 'regularJoin',
    inputs: [left.node, right.node],
    schema: scope.schema(),
    timeColumn: undefined,
    appendOnly,
    state,
    joinType: f.joinType,
    leftKeys,
    rightKeys,
    residual,
    condition: on,
    outputs,
    refInputs: [left.scope.refColumn, right.scope.refColumn],
    inputsAppendOnly: [left.appendOnly, right.appendOnly],
    ttlMicros,
  });
  return { node, scope, appendOnly };
}

/** `SET state_ttl = '1h'` (checked when SET ran: set-options.ts). */
function stateTtl(b: PlanBuilder): number | undefined {
  const text = b.catalog.settings.get('state_ttl');
  return text === undefined ? undefined : parseDuration(text);
}
