// Over-window functions beyond plain LAG: LEAD, LAG/LEAD with ORDER BY ts DESC, FIRST_VALUE,
// LAST_VALUE and SUM/AVG/MIN/MAX/COUNT(x) OVER (PARTITION BY k ORDER BY ts [frame]) become one
// overWindow node per SELECT (bind-lag.ts hands them here); frames must end at the current row.

import type { Expr, FrameBound, FrameClause, OverClause } from '../sql/ast.js';
import type { AggCall, BoundExpr } from '../expr/bound.js';
import { aggregateFn, aggregateResultType, AGGREGATE_NAMES } from '../expr/aggregates/accumulator.js';
import { unsupportedFunctionMessage } from '../expr/unsupported.js';
import { formatDuration } from '../catalog/duration.js';
import { ExprBinder, exprIdentity, type BindHooks } from './bind-expr.js';
import { PlanError } from './errors.js';
import { Scope, type ScopeColumn } from './scope.js';
import type { PlanBuilder } from './builder.js';
import { requireTimeColumn, type BoundRelation } from './bind-relation.js';
import { defaultName } from './names.js';
import type { OverFrame, OverFunction } from './physical.js';

type Call = Expr & { kind: 'call' };

const VALUE_FUNCTIONS = new Set(['lag', 'lead', 'first_value', 'last_value']);
const FRAME_AGGREGATES = new Set(['count', 'sum', 'avg', 'mean', 'min', 'max']);
const EXAMPLE = 'AVG(value) OVER (PARTITION BY sensor ORDER BY ts ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)';

/** SQL's frame when none is written: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW (peers included). */
export const DEFAULT_FRAME: OverFrame = { units: 'range', preceding: 'unbounded' };

/** Whether these window calls need the over-window operator rather than the plain LAG one. */
export function needsOverWindow(calls: readonly Call[]): boolean {
  return calls.some((c) => c.name.name.toLowerCase() !== 'lag' || c.over?.descending?.includes(true) || c.over?.frame !== undefined);
}

/** `ROWS 4 PRECEDING`, `RANGE 30s PRECEDING`, `RANGE UNBOUNDED PRECEDING` (each to the current row). */
export function frameText(f: OverFrame): string {
  const p = f.preceding === 'unbounded' ? 'UNBOUNDED' : f.units === 'rows' ? String(f.preceding) : formatDuration(f.preceding);
  return `${f.units.toUpperCase()} ${p} PRECEDING`;
}

function frameOf(f: FrameClause | undefined, text: string): OverFrame {
  if (!f) return DEFAULT_FRAME;
  const refuseFollowing = (b: FrameBound): never => {
    throw new PlanError(text, b.span, 'a frame that reaches FOLLOWING rows is not supported', {
      hint: 'a streaming frame ends at the current row (ROWS BETWEEN 4 PRECEDING AND CURRENT ROW); for the next row use LEAD(x) or LAG(x) OVER (... ORDER BY ts DESC)',
    });
  };
  if (f.end.kind === 'following' || f.end.kind === 'unboundedFollowing') refuseFollowing(f.end);
  if (f.start.kind === 'following' || f.start.kind === 'unboundedFollowing') refuseFollowing(f.start);
  if (f.end.kind !== 'currentRow') {
    throw new PlanError(text, f.end.span, 'a frame must end at CURRENT ROW', { hint: EXAMPLE });
  }
  const s = f.start;
  if (s.kind === 'unboundedPreceding') return { units: f.units, preceding: 'unbounded' };
  if (s.kind === 'currentRow') return { units: f.units, preceding: 0 };
  if (s.kind !== 'preceding') return refuseFollowing(s);
  const o = s.offset;
  if (f.units === 'rows') {
    if (o.kind !== 'number' || !o.integral || o.value < 0) {
      throw new PlanError(text, o.span, 'a ROWS frame counts rows: its offset must be a non-negative integer', {
        hint: `for a time span use RANGE: RANGE BETWEEN INTERVAL '30' SECOND PRECEDING AND CURRENT ROW`,
      });
    }
    return { units: 'rows', preceding: o.value };
  }
  if (o.kind !== 'interval') {
    throw new PlanError(text, o.span, 'a RANGE frame over the event time needs an INTERVAL offset', {
      hint: `RANGE BETWEEN INTERVAL '30' SECOND PRECEDING AND CURRENT ROW, or ROWS BETWEEN ${o.kind === 'number' ? o.value : 4} PRECEDING AND CURRENT ROW to count rows`,
    });
  }
  return { units: 'range', preceding: o.micros };
}

export function bindOverWindow(b: PlanBuilder, rel: BoundRelation, text: string, calls: readonly Call[]): { relation: BoundRelation; hooks: BindHooks } {
  const binder = new ExprBinder(rel.scope, text);
  if (!rel.appendOnly) {
    throw new PlanError(text, calls[0]!.span, 'window functions need an append-only input, and this input is a changelog', {
      hint: 'an updating result (GROUP BY without a window, EMIT CHANGES) revises its rows; apply the window function to the raw events, or aggregate with a window that EMITs FINAL',
    });
  }
  let shared: { id: string; over: OverClause } | undefined;
  let partitionBy: BoundExpr[] = [];
  let timeInput = -1;
  let descending = false;
  const functions: OverFunction[] = [];
  const index = new Map<string, number>();
  for (const c of calls) {
    const name = c.name.name.toLowerCase();
    const upper = name.toUpperCase();
    if (!VALUE_FUNCTIONS.has(name) && !FRAME_AGGREGATES.has(name)) {
      const { message, hint } = unsupportedFunctionMessage(name, 'window', AGGREGATE_NAMES);
      throw new PlanError(text, c.name.span, message, { hint });
    }
    const over = c.over;
    if (!over) {
      throw new PlanError(text, c.span, `${upper} needs an OVER clause`, { hint: `${upper}(value) OVER (PARTITION BY sensor ORDER BY ts)` });
    }
    const id = JSON.stringify({ p: over.partitionBy.map(exprIdentity), o: over.orderBy.map(exprIdentity), d: over.descending ?? [] });
    if (shared === undefined) {
      shared = { id, over };
      partitionBy = over.partitionBy.map((p) => binder.bind(p));
      if (over.orderBy.length === 0) {
        throw new PlanError(text, over.span, `${upper} needs ORDER BY the event-time column`, {
          hint: 'a stream has no order but its event time: OVER (PARTITION BY sensor ORDER BY ts)',
        });
      }
      const o = over.orderBy[0]!;
      if (over.orderBy.length !== 1 || o.kind !== 'column') {
        throw new PlanError(text, over.orderBy[over.orderBy.length > 1 ? 1 : 0]!.span, 'window functions must be ordered by the event-time column alone', {
          hint: 'OVER (PARTITION BY sensor ORDER BY ts): rows of equal event time keep their arrival order',
        });
      }
      const r = rel.scope.resolve(o.path, o.span, text);
      if (r.index !== rel.scope.timeColumn && rel.scope.columns[r.index]?.type.kind !== 'timestamp') {
        throw new PlanError(text, o.span, `window functions must be ordered by the event-time column, and '${rel.scope.columns[r.index]!.name}' is not one`, {
          hint: 'a stream is only ordered by its event time (the column with a WATERMARK): OVER (PARTITION BY sensor ORDER BY ts)',
        });
      }
      requireTimeColumn(rel.scope, r.index, o.span, text, upper);
      timeInput = r.index;
      descending = over.descending?.[0] === true;
    } else if (id !== shared.id) {
      throw new PlanError(text, over.span, 'all window functions of a SELECT must share one PARTITION BY and ORDER BY', {
        hint: 'compute the others in a subquery; frames may differ',
      });
    }
    if (descending && name !== 'lag' && name !== 'lead') {
      throw new PlanError(text, over.span, `${upper} OVER (... ORDER BY ts DESC) is not supported`, {
        hint: 'its frame would reach rows later in event time; order by ts ascending (LAG and LEAD accept DESC)',
      });
    }
    const key = exprIdentity(c);
    if (index.has(key)) continue;
    const display = defaultName(c, null as unknown as BoundExpr);
    let f: OverFunction;
    if (name === 'lag' || name === 'lead') {
      if (c.args.length < 1 || c.args.length > 3 || c.star || c.distinct) throw new PlanError(text, c.span, `${upper} takes (value [, offset [, default]])`);
      const arg = binder.bind(c.args[0]!);
      let offset = 1;
      const off = c.args[1];
      if (off) {
        if (off.kind !== 'number' || !off.integral || off.value < 1) throw new PlanError(text, off.span, `the ${upper} offset must be a positive integer literal`);
        offset = off.value;
      }
      const def = c.args[2] ? binder.coerce(binder.bind(c.args[2]), arg.type) : undefined;
      // LAG over a descending order is LEAD over the ascending one, and the reverse.
      const lead = (name === 'lead') !== descending;
      f = lead ? { fn: 'lead', arg, offset, default: def, type: arg.type, display } : { fn: 'lag', arg, offset, default: def, type: arg.type, display };
    } else if (name === 'first_value' || name === 'last_value') {
      if (c.args.length !== 1 || c.star || c.distinct) throw new PlanError(text, c.span, `${upper} takes one argument`);
      const arg = binder.bind(c.args[0]!);
      const frame = frameOf(over.frame, text);
      f = name === 'first_value' ? { fn: name, arg, frame, type: arg.type, display } : { fn: name, arg, frame, type: arg.type, display };
    } else {
      if (c.distinct) throw new PlanError(text, c.span, `${upper}(DISTINCT ...) OVER is not supported`, { hint: EXAMPLE });
      const fnName = c.star ? (name === 'count' ? 'count_star' : undefined) : aggregateFn(name);
      if (fnName === undefined || (c.star ? c.args.length !== 0 : c.args.length !== 1)) throw new PlanError(text, c.span, `${upper} takes one argument`);
      const arg = c.star ? undefined : binder.bind(c.args[0]!);
      const type = aggregateResultType(fnName, arg?.type ?? { kind: 'null' });
      if ('error' in type) throw new PlanError(text, c.span, type.error);
      const agg: AggCall = { fn: fnName, ...(arg ? { arg } : {}), distinct: false, type, display };
      f = { fn: 'agg', agg, frame: frameOf(over.frame, text), type, display };
    }
    index.set(key, functions.length);
    functions.push(f);
  }

  const width = rel.scope.columns.length;
  const leads = functions.some((f) => f.fn === 'lead');
  // WARNING: a row waiting for its LEAD leaves after the watermark passed it, so it would be late
  // at a window downstream: with a LEAD the output keeps no event time.
  const timeColumn = leads ? undefined : rel.scope.timeColumn;
  const cols: ScopeColumn[] = functions.map((f, i) => ({ name: `$over${i}`, type: f.type, qualifier: undefined, hidden: true }));
  const schema = [...b.node(rel.node).schema, ...functions.map((f, i) => ({ name: `over_${i}`, type: f.type }))];
  const node = b.add({
    kind: 'overWindow',
    inputs: [rel.node],
    schema,
    timeColumn,
    appendOnly: true,
    state: [
      { name: 'buffer', shape: 'timeKeyed', describe: 'event time × partition → rows waiting for the watermark', bounded: true },
      { name: 'partitions', shape: 'keyed', describe: `partition → ${heldText(functions)}`, bounded: false },
      ...(leads ? [{ name: 'lead-waits', shape: 'timeKeyed' as const, describe: 'partition → a mark that rows wait for LEAD', bounded: true, held: 'until the end of input or the partition\'s next rows' }] : []),
    ],
    partitionBy,
    timeInput,
    functions,
    refInput: rel.scope.refColumn,
  });
  const scope = new Scope([...rel.scope.columns, ...cols], timeColumn, rel.scope.refColumn, leads ? 'a row with a LEAD leaves after its following rows, behind the watermark' : undefined, 'LEAD');
  const hooks: BindHooks = {
    intercept(e) {
      if (e.kind !== 'call') return undefined;
      const i = index.get(exprIdentity(e));
      if (i === undefined) return undefined;
      return { kind: 'column', index: width + i, name: functions[i]!.display, type: functions[i]!.type };
    },
  };
  return { relation: { node, scope, appendOnly: true }, hooks };
}

/** What a partition's state holds, for EXPLAIN: the frames' bound on it. */
export function heldText(functions: readonly OverFunction[]): string {
  const parts: string[] = [];
  let rows = 0;
  let micros = -1;
  let running = false;
  let lead = 0;
  for (const f of functions) {
    if (f.fn === 'lag') rows = Math.max(rows, f.offset);
    else if (f.fn === 'lead') lead = Math.max(lead, f.offset);
    if (!('frame' in f)) continue;
    const p = f.frame.preceding;
    if (p === 'unbounded') running = true;
    else if (f.frame.units === 'rows') rows = Math.max(rows, p);
    else micros = Math.max(micros, p);
    // RANGE frames read the current row's peers (equal event time).
    if (f.frame.units === 'range') micros = Math.max(micros, 0);
  }
  if (rows > 0) parts.push(`the last ${rows} row${rows === 1 ? '' : 's'}`);
  if (micros > 0) parts.push(`the rows of the last ${formatDuration(micros)}`);
  else if (micros === 0) parts.push('the rows of the current event time');
  if (running) parts.push('running accumulators (UNBOUNDED PRECEDING)');
  if (lead > 0) parts.push(`up to ${lead} released row${lead === 1 ? '' : 's'} waiting for LEAD`);
  parts.push('arrival count');
  return parts.join(', ');
}

/** EXPLAIN's list: `lag(value) AS over_0, avg(value) ROWS 4 PRECEDING, lead(value, 1)`. */
export function overFunctionsText(functions: readonly OverFunction[]): string {
  return functions
    .map((f) => {
      if ('frame' in f) return `${f.display} ${frameText(f.frame)}`;
      return `${f.fn}(${f.arg.kind === 'column' ? f.arg.name : f.display}${f.offset === 1 ? '' : `, ${f.offset}`})`;
    })
    .join(', ');
}
