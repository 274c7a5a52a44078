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
// Stated for operators fed by one source through filters and projections (rows a WHERE drops
// never reach the operator, so they are never late); other operators are reported as skipped.

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

type Stage = { readonly kind: 'filter'; readonly test: (row: Row) => boolean } | { readonly kind: 'project'; readonly exprs: ReadonlyArray<(row: Row) => unknown> };

const DROPS_LATE = new Set<PhysicalNode['kind']>(['windowAgg', 'sessionAgg', 'lag', 'overWindow', 'intervalJoin', 'windowJoin', 'temporalJoin', 'distinct', 'topN']);

/** The chain from a source to `node`'s input through filters and projections only, or undefined. */
function chainTo(plan: PhysicalPlan, node: PhysicalNode): { source: SourceNode; steps: PhysicalNode[] } | undefined {
  const steps: PhysicalNode[] = [];
  let at = plan.nodes.find((n) => n.id === node.inputs[0]);
  while (at && (at.kind === 'filter' || at.kind === 'project')) {
    steps.unshift(at);
    at = plan.nodes.find((n) => n.id === at!.inputs[0]);
  }
  return at?.kind === 'source' && node.inputs.length === 1 ? { source: at, steps } : undefined;
}

/**
 * The late keys per operator over `admitted` (per source node id, the decoded rows in arrival
 * order, each carrying its provenance in the source's hidden $ref column).
 */
export function expectedLate(plan: PhysicalPlan, admitted: ReadonlyMap<number, readonly Row[]>): LateRuleResult {
  const checked: LateExpectation[] = [];
  const skipped: string[] = [];
  for (const node of plan.nodes) {
    if (!DROPS_LATE.has(node.kind)) continue;
    const chain = chainTo(plan, node);
    const supported = node.kind === 'windowAgg' || node.kind === 'sessionAgg' || node.kind === 'lag' || node.kind === 'overWindow';
    if (!chain || !supported) {
      skipped.push(`node ${node.id} (${node.kind})`);
      continue;
    }
    if (!chain.source.watermark || chain.source.refColumn === undefined) continue;
    const stages = chain.steps.map((s): Stage => (s.kind === 'filter' ? { kind: 'filter', test: compilePredicate(s.predicate) } : { kind: 'project', exprs: (s as Extract<PhysicalNode, { kind: 'project' }>).exprs.map((e) => compileExpr(e)) }));
    const ts = chain.source.watermark.column;
    const delay = chain.source.watermark.delayMicros;
    const ref = chain.source.refColumn;
    const out: string[] = [];
    const sessions = new Map<string, number[]>();
    let maxTs = Number.NEGATIVE_INFINITY;
    for (const sourceRow of admitted.get(chain.source.id) ?? []) {
      const wm = maxTs - delay; // before this row
      const t0 = sourceRow[ts] as number;
      if (t0 > maxTs) maxTs = t0;
      let row: Row | undefined = sourceRow;
      for (const st of stages) {
        if (st.kind === 'filter') {
          if (!st.test(row)) {
            row = undefined;
            break;
          }
        } else row = st.exprs.map((f) => f(row!) as Value);
      }
      if (row === undefined) continue;
      const r = sourceRow[ref] as unknown as RecordRef;
      const id = `${r.source}:${r.seq}`;
      const t = row[(node as { timeInput: number }).timeInput] as number | null;
      if (t === null || t === undefined) continue;
      judge(node, t, wm, id, row, sessions, out);
    }
    checked.push({ operator: node.id, kind: node.kind, expected: out.sort() });
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
