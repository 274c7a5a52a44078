// LAG window functions: `LAG(x [, n [, default]]) OVER (PARTITION BY k ORDER BY ts)` in a
// SELECT list becomes one lag node that releases rows in event-time order behind the watermark.

import type { Expr, SelectQuery } from '../sql/ast.js';
import type { BoundExpr } from '../expr/bound.js';
import { ExprBinder, exprIdentity, WINDOW_FUNCTIONS, type BindHooks } from './bind-expr.js';
import { bindOverWindow, needsOverWindow } from './bind-over.js';
import { PlanError } from './errors.js';
import { Scope, type ScopeColumn } from './scope.js';
import type { PlanBuilder } from './builder.js';
import { requireTimeColumn, type BoundRelation } from './bind-relation.js';
import { defaultName } from './names.js';
import { AGGREGATE_NAMES } from '../expr/aggregates/accumulator.js';
import { unsupportedFunctionMessage } from '../expr/unsupported.js';

type Call = Expr & { kind: 'call' };

function windowCalls(e: Expr): Call[] {
  const out: Call[] = [];
  const visit = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      for (const y of x) visit(y);
      return;
    }
    const n = x as Expr;
    if (n.kind === 'call' && (n.over || WINDOW_FUNCTIONS.has(n.name.name.toLowerCase()))) {
      out.push(n);
      return;
    }
    for (const [k, v] of Object.entries(x)) if (k !== 'span') visit(v);
  };
  visit(e);
  return out;
}

export function bindLag(b: PlanBuilder, q: SelectQuery, rel: BoundRelation, text: string): { relation: BoundRelation; hooks: BindHooks } {
  const calls = q.items.flatMap((i) => windowCalls(i.expr));
  // LEAD, DESC, frames, FIRST_VALUE/LAST_VALUE and framed aggregates: the over-window operator.
  if (needsOverWindow(calls)) return bindOverWindow(b, rel, text, calls);
  const binder = new ExprBinder(rel.scope, text);
  if (!rel.appendOnly) {
    throw new PlanError(text, calls[0]!.span, 'LAG needs an append-only input, and this input is a changelog', {
      hint: 'an updating result (GROUP BY without a window, EMIT CHANGES) revises its rows; apply LAG to the raw events, or aggregate with a window that EMITs FINAL',
    });
  }
  let overId: string | undefined;
  let partitionBy: BoundExpr[] = [];
  let timeInput = -1;
  const lags: { arg: BoundExpr; offset: number; default: BoundExpr | undefined; display: string }[] = [];
  const index = new Map<string, number>();
  for (const c of calls) {
    const name = c.name.name.toLowerCase();
    if (name !== 'lag') {
      const { message, hint } = unsupportedFunctionMessage(name, 'window', AGGREGATE_NAMES);
      throw new PlanError(text, c.name.span, message, { hint });
    }
    if (!c.over) {
      throw new PlanError(text, c.span, 'LAG needs an OVER clause', { hint: 'LAG(value) OVER (PARTITION BY sensor ORDER BY ts)' });
    }
    const over = JSON.stringify({ p: c.over.partitionBy.map(exprIdentity), o: c.over.orderBy.map(exprIdentity) });
    if (overId === undefined) {
      overId = over;
      partitionBy = c.over.partitionBy.map((p) => binder.bind(p));
      if (c.over.orderBy.length !== 1 || c.over.orderBy[0]!.kind !== 'column') {
        throw new PlanError(text, c.over.span, 'LAG must be ordered by the event-time column alone', { hint: 'OVER (PARTITION BY sensor ORDER BY ts)' });
      }
      const o = c.over.orderBy[0]! as Expr & { kind: 'column' };
      const r = rel.scope.resolve(o.path, o.span, text);
      requireTimeColumn(rel.scope, r.index, o.span, text, 'LAG');
      timeInput = r.index;
    } else if (over !== overId) {
      throw new PlanError(text, c.over.span, 'all window functions of a SELECT must share one OVER clause');
    }
    if (c.args.length < 1 || c.args.length > 3 || c.star || c.distinct) {
      throw new PlanError(text, c.span, 'LAG takes (value [, offset [, default]])');
    }
    const arg = binder.bind(c.args[0]!);
    let offset = 1;
    const off = c.args[1];
    if (off) {
      if (off.kind !== 'number' || !off.integral || off.value < 1) throw new PlanError(text, off.span, 'the LAG offset must be a positive integer literal');
      offset = off.value;
    }
    const def = c.args[2] ? binder.coerce(binder.bind(c.args[2]), arg.type) : undefined;
    const key = exprIdentity(c);
    if (index.has(key)) continue;
    index.set(key, lags.length);
    lags.push({ arg, offset, default: def, display: defaultName(c, arg) });
  }

  const width = rel.scope.columns.length;
  const lagCols: ScopeColumn[] = lags.map((l, i) => ({ name: `$lag${i}`, type: l.arg.type, qualifier: undefined, hidden: true }));
  const schema = [...b.node(rel.node).schema, ...lags.map((l, i) => ({ name: `lag_${i}`, type: l.arg.type }))];
  const node = b.add({
    kind: 'lag',
    inputs: [rel.node],
    schema,
    timeColumn: rel.scope.timeColumn,
    appendOnly: true,
    state: [
      { name: 'buffer', shape: 'timeKeyed', describe: 'event time × partition → rows waiting for the watermark', bounded: true },
      { name: 'history', shape: 'keyed', describe: 'partition → last values', bounded: false },
    ],
    partitionBy,
    timeInput,
    lags,
    refInput: rel.scope.refColumn,
  });
  const scope = new Scope([...rel.scope.columns, ...lagCols], rel.scope.timeColumn, rel.scope.refColumn);
  const hooks: BindHooks = {
    intercept(e) {
      if (e.kind !== 'call') return undefined;
      const i = index.get(exprIdentity(e));
      if (i === undefined) return undefined;
      return { kind: 'column', index: width + i, name: lags[i]!.display, type: lags[i]!.arg.type };
    },
  };
  return { relation: { node, scope, appendOnly: true }, hooks };
}
