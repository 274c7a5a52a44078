// The watermark rule stated on its own, to check which rows the engine dropped as late. It is
// written from the README's words, not from exec/time.ts, and works by brute force over the
// arrival sequence: the watermark a row sees is the largest event time of its source's rows
// before it, minus the source's WATERMARK delay (-infinity before the first row). A row is late
//   - for a TUMBLE window when the window's end is at or before that watermark;
//   - for a HOP window likewise, window by window (the row still counts in its open windows);
//   - for a CUMULATE window when its first window (ending at the next step) has closed;
//   - for a SESSION window when it would join a closed session, or start one that ends at or
//     before the watermark without touching an open one;
//   - for LAG and the other OVER functions when its event time is before the watermark.
// Below a UNION ALL the watermark is the minimum over its inputs' (-infinity until each has
// sent a row). Stated for operators fed through filters, projections and UNION ALLs (rows a
// WHERE drops never reach the operator, so they are never late); others are reported skipped.

import type { Row, Value } from '../../catalog/types.js';
import { compileExpr, compilePredicate } from '../../expr/compile.js';
import type { PhysicalNode, PhysicalPlan, SourceNode } from '../../plan/physical.js';
import type { LateEvent, RecordRef } from '../../exec/operator.js';

/** What the rule says about one operator: the late keys `source:seq` or `source:seq@windowStartMicros`, sorted. */
export interface LateExpectation {
  readonly operator: number;
  readonly kind: PhysicalNode['kind'];
  readonly expected: string[];
}

export interface LateRuleResult {
  readonly checked: LateExpectation[];
  /** Operators that can drop late rows but that the rule is not stated for (joins, unions, DISTINCT, Top-N, or fed by more than one source). */
  readonly skipped: string[];
}

const DROPS_LATE = new Set<PhysicalNode['kind']>(['windowAgg', 'sessionAgg', 'lag', 'overWindow', 'intervalJoin', 'windowJoin', 'temporalJoin', 'distinct', 'topN']);

type Stage =
  | { readonly kind: 'filter'; readonly test: (row: Row) => boolean }
  | { readonly kind: 'project'; readonly exprs: ReadonlyArray<(row: Row) => unknown> }
  /** Into a UNION ALL: its visible columns by position, then the branch's provenance. */
  | { readonly kind: 'union'; readonly visible: number; readonly ref: number | undefined };

interface Path {
  readonly source: SourceNode;
  readonly stages: readonly Stage[];
}

/** Every path from a source to node `id` through filters, projections and UNION ALLs; undefined when another operator is on the way. */
function pathsTo(plan: PhysicalPlan, id: number): Path[] | undefined {
  const n = plan.nodes.find((x) => x.id === id);
  if (!n) return undefined;
  if (n.kind === 'source') return [{ source: n, stages: [] }];
  if (n.kind === 'filter' || n.kind === 'project') {
    const stage: Stage = n.kind === 'filter' ? { kind: 'filter', test: compilePredicate(n.predicate) } : { kind: 'project', exprs: n.exprs.map((e) => compileExpr(e)) };
    return pathsTo(plan, n.inputs[0]!)?.map((p) => ({ source: p.source, stages: [...p.stages, stage] }));
  }
  if (n.kind === 'union') {
    const visible = n.schema.filter((c) => !c.hidden).length;
    const out: Path[] = [];
    for (let i = 0; i < n.inputs.length; i++) {
      const sub = pathsTo(plan, n.inputs[i]!);
      if (!sub) return undefined;
      for (const p of sub) out.push({ source: p.source, stages: [...p.stages, { kind: 'union', visible, ref: n.refInputs[i] }] });
    }
    return out;
  }
  return undefined;
}

/** A source row through a path's stages: the row the operator receives, or undefined when a WHERE drops it. */
function through(stages: readonly Stage[], sourceRow: Row): Row | undefined {
  let row: Row = sourceRow;
  for (const st of stages) {
    if (st.kind === 'filter') {
      if (!st.test(row)) return undefined;
    } else if (st.kind === 'project') {
      const r = row;
      row = st.exprs.map((f) => f(r) as Value);
    } else row = [...row.slice(0, st.visible), ...(st.ref === undefined ? [] : [row[st.ref]!])];
  }
  return row;
}

/**
 * The late keys per operator over `arrival`: every admitted row in the order the sources
 * delivered them (source node id and the decoded row, whose hidden $ref column carries its
 * provenance). Below a UNION ALL the watermark is the minimum over the sources of its branches.
 */
export function expectedLate(plan: PhysicalPlan, arrival: ReadonlyArray<readonly [number, Row]>): LateRuleResult {
  const checked: LateExpectation[] = [];
  const skipped: string[] = [];
  for (const node of plan.nodes) {
    if (!DROPS_LATE.has(node.kind)) continue;
    const supported = node.kind === 'windowAgg' || node.kind === 'sessionAgg' || node.kind === 'lag' || node.kind === 'overWindow';
    const paths = supported && node.inputs.length === 1 ? pathsTo(plan, node.inputs[0]!) : undefined;
    if (!paths || paths.length === 0) {
      skipped.push(`node ${node.id} (${node.kind})`);
      continue;
    }
    const sources = [...new Map(paths.map((p) => [p.source.id, p.source])).values()];
    if (sources.some((src) => !src.watermark || src.refColumn === undefined)) continue;
    const maxTs = new Map(sources.map((src) => [src.id, Number.NEGATIVE_INFINITY]));
    const out: string[] = [];
    const sessions = new Map<string, number[]>();
    const timeInput = (node as { timeInput: number }).timeInput;
    for (const [id, sourceRow] of arrival) {
      const src = sources.find((x) => x.id === id);
      if (!src) continue;
      // The watermark this row sees: the minimum over the sources, as of the rows before it.
      const wm = Math.min(...sources.map((x) => maxTs.get(x.id)! - x.watermark!.delayMicros));
      const t0 = sourceRow[src.watermark!.column] as number;
      if (t0 > maxTs.get(id)!) maxTs.set(id, t0);
      for (const p of paths) {
        if (p.source.id !== id) continue;
        const row = through(p.stages, sourceRow);
        if (row === undefined) continue;
        const t = row[timeInput] as number | null;
        if (t === null || t === undefined) continue;
        const r = sourceRow[src.refColumn!] as unknown as RecordRef;
        judge(node, t, wm, `${r.source}:${r.seq}`, row, sessions, out);
      }
    }
    checked.push({ operator: node.id, kind: node.kind, expected: [...new Set(out)].sort() });
  }
  return { checked, skipped };
}

const floorTo = (t: number, size: number, offset = 0): number => Math.floor((t - offset) / size) * size + offset;

function judge(node: PhysicalNode, t: number, wm: number, id: string, row: Row, sessions: Map<string, number[]>, out: string[]): void {
  switch (node.kind) {
    case 'windowAgg': {
      const w = node.window;
      if (w.kind === 'tumble') {
        if (floorTo(t, w.sizeMicros, w.offsetMicros) + w.sizeMicros <= wm) out.push(id);
      } else if (w.kind === 'cumulate') {
        if (floorTo(t, w.stepMicros, w.offsetMicros) + w.stepMicros <= wm) out.push(id);
      } else {
        for (let s = floorTo(t, w.slideMicros, w.offsetMicros); s > t - w.sizeMicros; s -= w.slideMicros) {
          if (s + w.sizeMicros <= wm) out.push(`${id}@${s}`);
        }
      }
      return;
    }
    case 'lag':
    case 'overWindow':
      if (t < wm) out.push(id);
      return;
    case 'sessionAgg': {
      const gap = node.window.gapMicros;
      const key = JSON.stringify(node.keys.map((k) => compileExpr(k)(row)));
      const times = sessions.get(key) ?? [];
      // Sessions of the rows admitted so far: sorted times, split where the gap is reached.
      const sorted = [...times].sort((a, b) => a - b);
      const spans: Array<{ start: number; end: number }> = [];
      for (const x of sorted) {
        const last = spans[spans.length - 1];
        if (last && x < last.end) last.end = x + gap;
        else spans.push({ start: x, end: x + gap });
      }
      const touches = (s: { start: number; end: number }): boolean => t < s.end && t + gap > s.start;
      const intoClosed = spans.some((s) => s.end <= wm && touches(s));
      const intoOpen = spans.some((s) => s.end > wm && touches(s));
      if (intoClosed || (t + gap <= wm && !intoOpen)) out.push(id);
      else sessions.set(key, [...times, t]);
      return;
    }
    default:
      return;
  }
}

/** The engine's late drops at `operator` in the rule's form (HOP: one key per window). */
export function engineLateKeys(late: readonly LateEvent[], operator: number): string[] {
  return [...new Set(late.filter((l) => l.operator === operator && l.ref).map((l) => `${l.ref!.source}:${l.ref!.seq}${l.windowStart === undefined ? '' : `@${l.windowStart}`}`))].sort();
}
