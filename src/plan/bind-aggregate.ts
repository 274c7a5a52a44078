// Aggregating query blocks: GROUP BY keys and at most one window (TUMBLE, HOP, SESSION in
// GROUP BY, or the window of a FROM TUMBLE/HOP table function), aggregate calls, the emit
// mode, HAVING and the SELECT list over the aggregate's output.

import type { Expr, SelectQuery, Span } from '../sql/ast.js';
import { T } from '../catalog/types.js';
import { aggregateFn, aggregateResultType } from '../expr/aggregates/accumulator.js';
import { extraArgs } from '../expr/aggregates/types.js';
import type { AggCall, BoundExpr } from '../expr/bound.js';
import { ExprBinder, AGGREGATES, GROUP_WINDOWS, exprIdentity, type BindHooks } from './bind-expr.js';
import { PlanError } from './errors.js';
import { Scope, type ScopeColumn } from './scope.js';
import type { PlanBuilder } from './builder.js';
import type { AlignedWindow, EmitMode, StateDecl, WindowSpec } from './physical.js';
import { project, requireTimeColumn, isVirtualRef, isAggregateCall, type BoundFrom, type BoundRelation } from './bind-relation.js';
import { cumulateWindow, hopWindow, tumbleWindow, windowArg } from './window-args.js';
import { defaultName } from './names.js';
import { bindUpdatingWindow, checkUpdatingWindow, windowWithoutWatermark } from './bind-updating-window.js';
import { bindGrouping, distinctItems, isGroupingCall, setMasks, writtenSets } from './grouping-sets.js';
import { aggStateNote, argCount, bindAggDistinct, orderedParts, usageOf, type AggContext } from './bind-agg-args.js';

export function isWindowGroup(e: Expr): e is Expr & { kind: 'call' } {
  return e.kind === 'call' && GROUP_WINDOWS.has(e.name.name.toLowerCase());
}

export function hasAggregates(q: SelectQuery): boolean {
  return q.items.some((i) => findAggregates(i.expr).length > 0) || (q.having !== undefined && findAggregates(q.having).length > 0);
}

/** Aggregate calls in an expression, outermost first, not descending into them. */
export function findAggregates(e: Expr): Array<Expr & { kind: 'call' }> {
  const out: Array<Expr & { kind: 'call' }> = [];
  const visit = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      for (const y of x) visit(y);
      return;
    }
    const node = x as Expr;
    if ((node as { kind?: string }).kind === 'call' && isAggregateCall(node)) {
      out.push(node);
      return;
    }
    for (const [k, v] of Object.entries(x)) if (k !== 'span') visit(v);
  };
  visit(e);
  return out;
}

interface WindowChoice {
  readonly window: WindowSpec;
  readonly timeIndex: number;
  readonly span: Span;
}

export function bindAggregate(b: PlanBuilder, q: SelectQuery, rel: BoundFrom, text: string): BoundRelation {
  const inBinder = new ExprBinder(rel.scope, text);

  // GROUP BY: keys and the window.
  let win: WindowChoice | undefined;
  const keyAsts: Expr[] = [];
  const keys: BoundExpr[] = [];
  // GROUPING SETS / ROLLUP / CUBE: the items of every set, each once (a window may be in several sets).
  const sets = writtenSets(q, text);
  let windowId: string | undefined;
  const setWindow = (w: WindowChoice, g: Expr) => {
    if (sets !== undefined && windowId === exprIdentity(g)) return;
    windowId = exprIdentity(g);
    if (win && !(rel.tvf && w.span === rel.tvf.span)) {
      throw new PlanError(text, w.span, 'a GROUP BY takes at most one window', { hint: 'group by one of TUMBLE, HOP, CUMULATE or SESSION' });
    }
    win = w;
  };
  let groupedByEnd = false;
  for (const g of sets ? distinctItems(sets) : q.groupBy) {
    // Before the time column's checks: a changelog's time column has no watermark, but that is not the reason.
    if (isWindowGroup(g) && !rel.appendOnly) refuseChangelogWindow(g.span, text);
    if (isWindowGroup(g)) setWindow(groupWindow(g, rel, text), g);
    else if (rel.tvf && isVirtualRef(g, rel)) {
      setWindow({ window: rel.tvf.window, timeIndex: rel.tvf.timeIndex, span: rel.tvf.span }, g);
      if (g.kind === 'column' && g.path[g.path.length - 1]!.name === 'window_end') groupedByEnd = true;
    }
    else {
      keyAsts.push(g);
      keys.push(inBinder.bind(g));
    }
  }
  if (sets && rel.tvf?.window.kind === 'cumulate') {
    // As above, per set: a set grouped by window_start alone would merge one cumulation's windows.
    const isEnd = (e: Expr) => e.kind === 'column' && isVirtualRef(e, rel) && e.path[e.path.length - 1]!.name === 'window_end';
    const without = sets.find((st) => !st.items.some(isEnd));
    if (without) {
      throw new PlanError(text, without.span, 'every grouping set over a CUMULATE table function must hold window_end: its windows of one cumulation share window_start', {
        hint: 'GROUP BY window_start, window_end, GROUPING SETS (...)',
      });
    }
  }
  if (q.distinct) {
    if (q.groupBy.length > 0 || sets !== undefined || hasAggregates(q)) {
      throw new PlanError(text, q.span, 'SELECT DISTINCT cannot be combined with GROUP BY or aggregates', { hint: 'GROUP BY the selected columns instead' });
    }
    for (const it of q.items) {
      if (it.expr.kind === 'star') throw new PlanError(text, it.span, 'SELECT DISTINCT * is not supported', { hint: 'list the columns' });
      // A window table function's bounds: the rows are grouped by its window, so state ends with each window.
      if (rel.tvf && isVirtualRef(it.expr, rel)) {
        setWindow({ window: rel.tvf.window, timeIndex: rel.tvf.timeIndex, span: rel.tvf.span }, it.expr);
        if (it.expr.kind === 'column' && it.expr.path[it.expr.path.length - 1]!.name === 'window_end') groupedByEnd = true;
        continue;
      }
      keyAsts.push(it.expr);
      keys.push(inBinder.bind(it.expr));
    }
  }
  if (rel.tvf?.window.kind === 'cumulate' && win !== undefined && !groupedByEnd) {
    // The windows of one cumulation share window_start: grouping by it alone would merge them.
    throw new PlanError(text, rel.tvf.span, 'a CUMULATE table function must be grouped by window_end: its windows of one cumulation share window_start', {
      hint: 'GROUP BY window_start, window_end',
    });
  }
  if (win && !rel.appendOnly) refuseChangelogWindow(win.span, text);

  // Aggregate calls of SELECT and HAVING, deduplicated.
  const aggs: AggCall[] = [];
  const aggIndex = new Map<string, number>();
  for (const e of [...q.items.map((i) => i.expr), ...(q.having ? [q.having] : [])]) {
    for (const call of findAggregates(e)) {
      const id = exprIdentity(call);
      if (aggIndex.has(id)) continue;
      aggIndex.set(id, aggs.length);
      aggs.push(bindAggCall(call, inBinder, text, { timeIndex: win?.timeIndex ?? rel.scope.timeColumn, appendOnly: rel.appendOnly, scope: rel.scope }));
    }
  }

  // The aggregate node and its output scope.
  const cols: ScopeColumn[] = [];
  const used = new Set<string>();
  const name = (n: string) => {
    let out = n;
    for (let i = 1; used.has(out); i++) out = `${n}_${i}`;
    used.add(out);
    return out;
  };
  keys.forEach((k, i) => cols.push({ name: name(defaultName(keyAsts[i]!, k)), type: k.type, qualifier: undefined, hidden: false }));
  // With grouping sets: per key, a hidden GROUPING bit (1 where the key is rolled up), so a
  // rolled-up NULL stays apart from a NULL key, in state and in GROUPING(...).
  const isWindowItem = (e: Expr) => isWindowGroup(e) || (rel.tvf !== undefined && isVirtualRef(e, rel));
  const groupingSets = sets ? setMasks(sets, keyAsts, isWindowItem, win ? windowText(q, sets, isWindowItem, text) : undefined, text) : undefined;
  const bitsAt = cols.length;
  if (groupingSets) keys.forEach((_, i) => cols.push({ name: name(`$grouping.${cols[i]!.name}`), type: T.int, qualifier: undefined, hidden: true }));
  const windowAt = cols.length;
  if (win) {
    cols.push({ name: name('window_start'), type: T.timestamp, qualifier: undefined, hidden: false });
    cols.push({ name: name('window_end'), type: T.timestamp, qualifier: undefined, hidden: false });
  }
  // TUMBLE, HOP and CUMULATE results carry window_time (window_end - 1 ms), their event time
  // (exec/time.ts, windowTime): a view over them can window again.
  const aligned = win !== undefined && win.window.kind !== 'session';
  if (aligned) cols.push({ name: name('window_time'), type: T.timestamp, qualifier: undefined, hidden: false });
  const aggAt = cols.length;
  for (const a of aggs) cols.push({ name: name(a.display), type: a.type, qualifier: undefined, hidden: false });
  // No watermark (a source without one): windows never close, so they emit changes.
  const noWatermark = win !== undefined && win.timeIndex !== rel.scope.timeColumn;
  if (noWatermark) checkUpdatingWindow(q, win!.window, win!.span, rel.scope.columns[win!.timeIndex]!.name, text);
  const emit = noWatermark ? 'changes' : emitMode(q, win !== undefined, text);
  if (win?.window.kind === 'cumulate' && emit === 'changes' && !q.items.some((i) => i.expr.kind === 'column' && i.expr.path[i.expr.path.length - 1]!.name === 'window_end')) {
    // Updates are keyed by the selected columns downstream (upsert sinks, the REPL's result).
    throw new PlanError(text, q.emit!.span, 'an updating CUMULATE result must select window_end: the windows of one cumulation share window_start, so only window_end tells which window an update changes', {
      hint: 'add window_end to the SELECT list, or use EMIT FINAL',
    });
  }
  // An updating result (EMIT CHANGES) has no event time: windows over it are refused anyway.
  const outTime = aligned && emit === 'final' ? windowAt + 2 : undefined;
  const outScope = new Scope(cols, outTime, undefined);
  const schema = outScope.schema();

  let node: number;
  const refInput = rel.scope.refColumn;
  if (groupingSets && win && (win.window.kind === 'session' || noWatermark)) {
    const why = noWatermark ? 'a window without a watermark' : 'SESSION windows';
    throw new PlanError(text, q.grouping![0]!.span, `GROUPING SETS, ROLLUP and CUBE are not supported over ${why}`, {
      hint: noWatermark
        ? 'they need windows that close: add a WATERMARK to the source'
        : "each set's sessions would have bounds of their own; group by TUMBLE or HOP, or write one query per set",
    });
  }
  const setsSpec = groupingSets ? { groupingSets } : {};
  if (win && win.window.kind === 'session') {
    const state: StateDecl[] = [
      { name: 'sessions', shape: 'keyed', describe: `key → open sessions with accumulators and the end of the last closed one${aggStateNote(aggs, rel.appendOnly)}`, bounded: true },
      { name: 'timers', shape: 'timeKeyed', describe: 'session end × key → key to check', bounded: true },
    ];
    node = b.add({ kind: 'sessionAgg', inputs: [rel.node], schema, timeColumn: undefined, appendOnly: emit === 'final', state, window: win.window, timeInput: win.timeIndex, keys, aggs, emit, refInput });
  } else if (win && noWatermark) {
    node = bindUpdatingWindow(b, rel.node, win.window as AlignedWindow, win.timeIndex, keys, aggs, schema, aligned);
  } else if (win) {
    const w = win.window as AlignedWindow;
    const sets = groupingSets ? `window end × grouping set × key → accumulators (${groupingSets.length} sets)` : 'window end × key → accumulators';
    const state: StateDecl[] = [{ name: 'windows', shape: 'timeKeyed', describe: `${sets}${aggStateNote(aggs, rel.appendOnly)}`, bounded: true }];
    node = b.add({ kind: 'windowAgg', inputs: [rel.node], schema, timeColumn: outTime, appendOnly: emit === 'final', state, window: w, timeInput: win.timeIndex, keys, aggs, emit, refInput, windowTime: true, ...setsSpec });
  } else {
    const sets = groupingSets ? `grouping set × key → accumulators and last emitted row (${groupingSets.length} sets)` : 'key → accumulators and last emitted row';
    const state: StateDecl[] = [{ name: 'groups', shape: 'keyed', describe: `${sets}${aggStateNote(aggs, rel.appendOnly)}`, bounded: false }];
    node = b.add({ kind: 'groupAgg', inputs: [rel.node], schema, timeColumn: undefined, appendOnly: false, state, keys, aggs, inputAppendOnly: rel.appendOnly, ...setsSpec });
  }
  let out: BoundRelation = { node, scope: outScope, appendOnly: emit === 'final' && win !== undefined };

  // HAVING and SELECT see keys, window bounds and aggregates.
  const keyIds = new Map(keyAsts.map((k, i) => [exprIdentity(k), i]));
  const hooks: BindHooks = {
    intercept(e) {
      if (isGroupingCall(e)) return bindGrouping(e, keyAsts, (k) => (groupingSets ? { kind: 'column', index: bitsAt + k, name: cols[bitsAt + k]!.name, type: T.int } : undefined), text);
      const id = exprIdentity(e);
      const k = keyIds.get(id);
      if (k !== undefined) return { kind: 'column', index: k, name: cols[k]!.name, type: keys[k]!.type };
      const a = aggIndex.get(id);
      if (a !== undefined) return { kind: 'column', index: aggAt + a, name: cols[aggAt + a]!.name, type: aggs[a]!.type };
      if (e.kind === 'column') return resolveOutputColumn(e, outScope, rel, windowAt, win !== undefined, keyAsts, text, aligned);
      return undefined;
    },
  };
  if (q.having) {
    const pred = new ExprBinder(outScope, text, hooks).bindCondition(q.having, 'HAVING');
    out = { ...out, node: b.add({ kind: 'filter', inputs: [out.node], schema, timeColumn: outTime, appendOnly: out.appendOnly, state: [], predicate: pred }) };
  }
  return project(b, q.items, out, text, hooks);
}

/** The window as the query wrote it, for the error on a set that lacks it. */
function windowText(q: SelectQuery, sets: readonly { items: readonly Expr[] }[], isWindowItem: (e: Expr) => boolean, text: string): string {
  const w = [...q.groupBy, ...sets.flatMap((s) => s.items)].filter(isWindowItem);
  const first = w[0];
  if (first === undefined) return 'the window';
  return first.kind === 'call' ? text.slice(first.span.start.offset, first.span.end.offset) : 'window_start, window_end';
}

function refuseChangelogWindow(span: Span, text: string): never {
  throw new PlanError(text, span, 'windows need an append-only input, and this input is a changelog', {
    hint: 'a GROUP BY without a window emits updates; window the raw events instead',
  });
}

function resolveOutputColumn(
  e: Expr & { kind: 'column' },
  outScope: Scope,
  rel: BoundFrom,
  windowAt: number,
  windowed: boolean,
  keyAsts: readonly Expr[],
  text: string,
  windowTime: boolean,
): BoundExpr | undefined {
  const last = e.path[e.path.length - 1]!.name;
  // This aggregate's window_time, not an input column of that name (a window over a windowed view).
  if (last === 'window_time' && windowTime && e.path.length === 1) return { kind: 'column', index: windowAt + 2, name: last, type: T.timestamp };
  if ((last === 'window_start' || last === 'window_end') && (e.path.length === 1 || isVirtualRef(e, rel))) {
    if (!windowed) {
      throw new PlanError(text, e.span, `'${last}' exists only in a windowed aggregate`, {
        hint: 'add a window to GROUP BY, e.g. `GROUP BY sensor, TUMBLE(ts, 10s)`',
      });
    }
    const index = windowAt + (last === 'window_start' ? 0 : 1);
    return { kind: 'column', index, name: last, type: T.timestamp };
  }
  // A key written differently (r.sensor vs sensor): same input column.
  try {
    const inRes = rel.scope.resolve(e.path, e.span, text);
    const target = exprIdentityOfColumn(inRes.index, inRes.fields.map((f) => f.name));
    for (let i = 0; i < keyAsts.length; i++) {
      const k = keyAsts[i]!;
      if (k.kind !== 'column') continue;
      try {
        const kr = rel.scope.resolve(k.path, k.span, text);
        if (exprIdentityOfColumn(kr.index, kr.fields.map((f) => f.name)) === target) {
          const c = outScope.columns[i]!;
          return { kind: 'column', index: i, name: c.name, type: c.type };
        }
      } catch {
        // not a column of the input: cannot match
      }
    }
  } catch {
    return undefined; // unknown everywhere: the output scope reports it with a hint
  }
  throw new PlanError(text, e.span, `column '${e.path.map((p) => p.name).join('.')}' must appear in GROUP BY or be used in an aggregate`, {
    hint: `add it to GROUP BY, or aggregate it, e.g. MAX(${e.path.map((p) => p.name).join('.')})`,
  });
}

function exprIdentityOfColumn(index: number, fields: readonly string[]): string {
  return `${index}:${fields.join('.')}`;
}

function groupWindow(g: Expr & { kind: 'call' }, rel: BoundFrom, text: string): WindowChoice {
  const fn = g.name.name.toUpperCase();
  const arity = fn === 'HOP' || fn === 'CUMULATE' ? 3 : 2;
  // TUMBLE and HOP take an optional offset last; SESSION has none.
  const maxArity = fn === 'SESSION' ? arity : arity + 1;
  const usage = fn === 'TUMBLE' ? 'TUMBLE(ts, 10s) or TUMBLE(ts, 1d, 8h) (size, then offset)' : fn === 'HOP' ? 'HOP(ts, 5s, 10s) (slide, then size, then an optional offset)' : fn === 'CUMULATE' ? 'CUMULATE(ts, 1h, 1d) (step, then size, then an optional offset)' : 'SESSION(ts, 30s) (inactivity gap)';
  if (g.args.length < arity || g.args.length > maxArity) {
    throw new PlanError(text, g.span, `${fn} takes ${maxArity === arity ? arity : `${arity} or ${maxArity}`} arguments`, { expected: usage });
  }
  const t = g.args[0]!;
  if (t.kind !== 'column') throw new PlanError(text, t.span, `the first argument of ${fn} must be the event-time column`, { expected: usage });
  const { index, fields } = rel.scope.resolve(t.path, t.span, text);
  if (fields.length > 0) throw new PlanError(text, t.span, `the first argument of ${fn} must be the event-time column`);
  if (!windowWithoutWatermark(rel.scope, index)) requireTimeColumn(rel.scope, index, t.span, text, fn);
  let window: WindowSpec;
  if (fn === 'TUMBLE') window = tumbleWindow(g.args[1]!, g.args[2], text);
  else if (fn === 'HOP') window = hopWindow(g.args[1]!, g.args[2]!, g.args[3], text);
  else if (fn === 'CUMULATE') window = cumulateWindow(g.args[1]!, g.args[2]!, g.args[3], text);
  else window = { kind: 'session', gapMicros: windowArg(g.args[1]!, 'gap', text) };
  return { window, timeIndex: index, span: g.span };
}

function emitMode(q: SelectQuery, windowed: boolean, text: string): EmitMode {
  if (!q.emit) return windowed ? 'final' : 'changes';
  if (q.emit.mode === 'final' && !windowed) {
    throw new PlanError(text, q.emit.span, 'EMIT FINAL needs a window: a GROUP BY without one never closes', {
      hint: 'add TUMBLE, HOP, CUMULATE or SESSION to GROUP BY, or use EMIT CHANGES',
    });
  }
  return q.emit.mode;
}

function bindAggCall(call: Expr & { kind: 'call' }, binder: ExprBinder, text: string, ctx: AggContext): AggCall {
  const lname = call.name.name.toLowerCase();
  const display = defaultName(call, { kind: 'literal', value: null, type: T.null });
  if (!AGGREGATES.has(lname)) throw new PlanError(text, call.span, `unknown aggregate ${lname}`);
  const fn = aggregateFn(lname)!;
  if (lname === 'percentile_cont' && !call.withinGroup) {
    throw new PlanError(text, call.span, 'PERCENTILE_CONT takes its value in WITHIN GROUP', { expected: usageOf(fn, lname) });
  }
  if (call.star) {
    if (fn !== 'count') throw new PlanError(text, call.span, `${lname.toUpperCase()}(*) is not an aggregate`, { hint: 'only COUNT takes *' });
    return { fn: 'count_star', distinct: false, type: T.bigint, display };
  }
  const extras = extraArgs(fn);
  if (call.args.length !== 1 + extras.length) throw new PlanError(text, call.span, `${lname.toUpperCase()} takes ${argCount(extras.length)}`, { expected: usageOf(fn, lname) });
  const argAst = call.args[0]!;
  for (const a of call.args) if (findAggregates(a).length > 0) throw new PlanError(text, a.span, 'aggregates cannot be nested');
  const arg = binder.bind(argAst);
  const type = aggregateResultType(fn, arg.type);
  if ('error' in type) throw new PlanError(text, argAst.span, type.error);
  if (call.distinct === false) return { fn, arg, distinct: false, type, display, ...orderedParts(call, fn, lname, extras, binder, text, ctx) };
  return bindAggDistinct(call, fn, lname, { fn, arg, distinct: true, type, display, ...orderedParts(call, fn, lname, extras, binder, text, ctx) }, text);
}
