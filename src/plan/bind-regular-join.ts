// Binds a JOIN that is not an interval join into a regular (unwindowed) join: one whose ON has no
// pair of time bounds between two event-time columns, or whose side is a changelog (a GROUP BY
// result). ON's equality conjunctions become the join keys (at least one is required: without
// one every row would meet every row of the other side), the rest the residual. INNER, LEFT,
// RIGHT and FULL; every row is kept per key until the job ends, or until `SET state_ttl`.

import type { FromItem } from '../sql/ast.js';
import { T, commonType } from '../catalog/types.js';
import type { BoundExpr } from '../expr/bound.js';
import { parseDuration } from '../catalog/duration.js';
import { ExprBinder } from './bind-expr.js';
import { PlanError } from './errors.js';
import { Scope, type ScopeColumn } from './scope.js';
import type { PlanBuilder } from './builder.js';
import type { BoundRelation } from './bind-relation.js';
import { REF_COLUMN, type StateDecl } from './physical.js';
import { shiftColumns, splitCondition } from './join-condition.js';

type JoinItem = FromItem & { kind: 'join' };

/**
 * The regular join for `f`, or undefined when it is an interval join (both sides append-only
 * with event times, ON bounding one's time by the other's from both sides) or has no ON (CROSS
 * JOIN, JOIN without ON): bindJoin takes, or refuses, those.
 */
export function bindRegularJoin(b: PlanBuilder, f: JoinItem, text: string, left: BoundRelation, right: BoundRelation): BoundRelation | undefined {
  if (f.joinType === 'cross' || f.on === undefined) return undefined;
  const lw = left.scope.columns.length;
  const both = new Scope(
    [...left.scope.columns, ...right.scope.columns].map((c) => ({ ...c, hidden: c.hidden || c.name === REF_COLUMN })),
    undefined,
    undefined,
  );
  const on = new ExprBinder(both, text).bindCondition(f.on, 'ON');
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
  const leftKeys: BoundExpr[] = [];
  const rightKeys: BoundExpr[] = [];
  cond.leftKeys.forEach((lk, i) => {
    const [l, r] = sameType(lk, shiftColumns(cond.rightKeys[i]!, -lw));
    leftKeys.push(l);
    rightKeys.push(r);
  });
  const residual = cond.residual.length === 0 ? undefined : cond.residual.length === 1 ? cond.residual[0]! : ({ kind: 'logic', op: 'AND', operands: cond.residual, type: T.boolean } as const);

  const outputs: Array<readonly [0 | 1, number]> = [];
  const cols: ScopeColumn[] = [];
  for (const [side, rel] of [[0, left], [1, right]] as const) {
    rel.scope.columns.forEach((c, i) => {
      if (c.hidden) return;
      outputs.push([side, i]);
      cols.push({ ...c });
    });
  }
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

/** Both keys of one type, the narrower cast to the common one. */
function sameType(l: BoundExpr, r: BoundExpr): [BoundExpr, BoundExpr] {
  if (l.type.kind === r.type.kind) return [l, r];
  const t = commonType(l.type, r.type) ?? l.type;
  return [l.type.kind === t.kind ? l : { kind: 'cast', operand: l, type: t }, r.type.kind === t.kind ? r : { kind: 'cast', operand: r, type: t }];
}

/** `SET state_ttl = '1h'` (checked when SET ran: set-options.ts). */
function stateTtl(b: PlanBuilder): number | undefined {
  const text = b.catalog.settings.get('state_ttl');
  return text === undefined ? undefined : parseDuration(text);
}
