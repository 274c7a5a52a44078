// How a source row reaches an operator that drops late rows, for the independent late rule
// (late-rule.ts): the paths from the sources through filters, projections, UNION ALLs and window
// table functions (`FROM TUMBLE(...)`: one row per window), replayed on each source row; or the
// stateful operator met on the way, whose output the README says is never late downstream.

import type { Row, Value } from '../../catalog/types.js';
import { compileExpr, compilePredicate } from '../../expr/compile.js';
import type { AlignedWindow, PhysicalNode, PhysicalPlan, SourceNode, WindowSpec } from '../../plan/physical.js';

export type Stage =
  | { readonly kind: 'filter'; readonly test: (row: Row) => boolean }
  | { readonly kind: 'project'; readonly exprs: ReadonlyArray<(row: Row) => unknown> }
  /** Into a UNION ALL: its visible columns by position, then the branch's provenance. */
  | { readonly kind: 'union'; readonly visible: number; readonly ref: number | undefined }
  /** A window table function: the row once per window it falls in, with window_start and window_end appended. */
  | { readonly kind: 'windows'; readonly window: AlignedWindow; readonly time: number };

export interface Path {
  readonly source: SourceNode;
  readonly stages: readonly Stage[];
}

/** An input's paths from sources, or the stateful operators it is fed by (every branch), or neither (mixed, or another operator). */
export type InputPaths = { readonly kind: 'sources'; readonly paths: Path[] } | { readonly kind: 'after'; readonly nodes: PhysicalNode[] } | { readonly kind: 'unknown'; readonly why: string };

const wholeMs = (w: WindowSpec): boolean => {
  const parts = w.kind === 'tumble' ? [w.sizeMicros, w.offsetMicros ?? 0] : w.kind === 'hop' ? [w.sizeMicros, w.slideMicros, w.offsetMicros ?? 0] : w.kind === 'cumulate' ? [w.sizeMicros, w.stepMicros, w.offsetMicros ?? 0] : [1];
  return parts.every((p) => p % 1000 === 0);
};

/**
 * The README's words that nothing a stateful operator emits is late at an operator after it:
 * an interval join ("no later output is behind W", "nothing it emits is late at the outer one"),
 * a temporal join ("no joined row is late after the join"), a lookup join against a file table
 * (its watermark waits for the table's end, which a generated run reaches last), and an EMIT FINAL window ("any
 * later result ends after W"; "a result is never late for the outer window" when every bound is
 * a whole millisecond; at a window join "a windowed aggregate's results are never late there").
 * Others are not stated.
 */
function neverLateAfter(up: PhysicalNode, at: PhysicalNode): boolean {
  if (up.kind === 'intervalJoin') return up.joinType !== 'full';
  if (up.kind === 'temporalJoin') return true;
  // A lookup join against a file table: "its watermark is -inf until a file table is loaded", and
  // a generated run's sources (the table too) end together after the whole schedule, so every
  // stream row is joined before the join's watermark moves.
  if (up.kind === 'lookupJoin') return up.bounded;
  // "Any later result ends after W": never late where a row is late by its window's end (a window
  // join, a window Top-N); at an outer window when the bounds are whole milliseconds. Not stated
  // where the rule is ts < W (an interval join, LAG, OVER, DISTINCT): window_time is end - 1 ms.
  if (up.kind === 'windowAgg' && up.emit === 'final') {
    return at.kind === 'windowJoin' || (at.kind === 'topN' && at.mode === 'window') || (at.kind === 'windowAgg' && wholeMs(up.window) && wholeMs(at.window));
  }
  return false;
}

/** Every path from a source to input node `id` of operator `at`, through filters, projections, UNION ALLs and window table functions. */
export function inputPaths(plan: PhysicalPlan, id: number, at: PhysicalNode): InputPaths {
  const n = plan.nodes.find((x) => x.id === id);
  if (!n) return { kind: 'unknown', why: `no node ${id}` };
  if (n.kind === 'source') return { kind: 'sources', paths: [{ source: n, stages: [] }] };
  const extend = (stage: Stage): InputPaths => {
    const sub = inputPaths(plan, n.inputs[0]!, at);
    return sub.kind === 'sources' ? { kind: 'sources', paths: sub.paths.map((p) => ({ source: p.source, stages: [...p.stages, stage] })) } : sub;
  };
  if (n.kind === 'filter') return extend({ kind: 'filter', test: compilePredicate(n.predicate) });
  if (n.kind === 'project') return extend({ kind: 'project', exprs: n.exprs.map((e) => compileExpr(e)) });
  if (n.kind === 'windowExpand') return extend({ kind: 'windows', window: n.window, time: n.timeInput });
  if (n.kind === 'union') {
    const visible = n.schema.filter((c) => !c.hidden).length;
    const paths: Path[] = [];
    const after: PhysicalNode[] = [];
    for (let i = 0; i < n.inputs.length; i++) {
      const sub = inputPaths(plan, n.inputs[i]!, at);
      if (sub.kind === 'unknown') return sub;
      if (sub.kind === 'after') after.push(...sub.nodes);
      else for (const p of sub.paths) paths.push({ source: p.source, stages: [...p.stages, { kind: 'union', visible, ref: n.refInputs[i] }] });
    }
    // A union of a source branch and an operator's output: its watermark is not the sources' alone.
    if (after.length > 0 && paths.length > 0) return { kind: 'unknown', why: 'a UNION ALL of sources and an operator' };
    return after.length > 0 ? { kind: 'after', nodes: after } : { kind: 'sources', paths };
  }
  if (neverLateAfter(n, at)) return { kind: 'after', nodes: [n] };
  return { kind: 'unknown', why: `fed by node ${n.id} (${n.kind})` };
}

const floorTo = (t: number, size: number, offset = 0): number => Math.floor((t - offset) / size) * size + offset;

/** The windows a time falls in, as [start, end] (the README's window table functions). */
function windowsOf(w: AlignedWindow, t: number): Array<[number, number]> {
  const off = w.offsetMicros ?? 0;
  if (w.kind === 'tumble') {
    const s = floorTo(t, w.sizeMicros, off);
    return [[s, s + w.sizeMicros]];
  }
  if (w.kind === 'cumulate') {
    // One period from its start; a window per step end from the row's own step on.
    const s = floorTo(t, w.sizeMicros, off);
    const out: Array<[number, number]> = [];
    for (let e = floorTo(t, w.stepMicros, off) + w.stepMicros; e <= s + w.sizeMicros; e += w.stepMicros) out.push([s, e]);
    return out;
  }
  const out: Array<[number, number]> = [];
  for (let s = floorTo(t, w.slideMicros, off); s > t - w.sizeMicros; s -= w.slideMicros) out.unshift([s, s + w.sizeMicros]);
  return out;
}

/** A source row through a path's stages: the rows the operator receives (none when a WHERE drops it). */
export function through(stages: readonly Stage[], sourceRow: Row): Row[] {
  let rows: Row[] = [sourceRow];
  for (const st of stages) {
    if (st.kind === 'filter') rows = rows.filter((r) => st.test(r));
    else if (st.kind === 'project') rows = rows.map((r) => st.exprs.map((f) => f(r) as Value));
    else if (st.kind === 'union') rows = rows.map((r) => [...r.slice(0, st.visible), ...(st.ref === undefined ? [] : [r[st.ref]!])]);
    else {
      rows = rows.flatMap((r) => {
        const t = r[st.time];
        return typeof t === 'number' ? windowsOf(st.window, t).map(([s, e]) => [...r, s, e] as Row) : [];
      });
    }
    if (rows.length === 0) return rows;
  }
  return rows;
}
