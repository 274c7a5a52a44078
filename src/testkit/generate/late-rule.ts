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
// sent a row). A partitioned source (Kafka) keeps one watermark per partition (its largest
// event time minus the delay, or a watermark step's) and its own is the minimum over the
// partitions that are not idle (-infinity while an assigned partition has sent nothing); when
// every partition is idle it follows the wall clock; it never goes back. Stated for operators fed through filters, projections and UNION ALLs (rows a
// WHERE drops never reach the operator, so they are never late); others are reported skipped.

import type { Row, Value } from '../../catalog/types.js';
import { compileExpr, compilePredicate } from '../../expr/compile.js';
import type { PhysicalNode, PhysicalPlan, SourceNode } from '../../plan/physical.js';
import type { LateEvent, RecordRef } from '../../exec/operator.js';
import type { Arrived } from './run.js';

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
 * The late keys per operator over `arrival`: every admitted row (the decoded row, whose hidden
 * $ref column carries its provenance), watermark step and idle marker in the order the sources
 * delivered them. Below a UNION ALL the watermark is the minimum over the sources of its branches.
 */
export function expectedLate(plan: PhysicalPlan, arrival: readonly Arrived[]): LateRuleResult {
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
    const clocks = new Map(sources.map((src) => [src.id, new SourceClock(src.watermark!.delayMicros)]));
    const out: string[] = [];
    const sessions = new Map<string, number[]>();
    const timeInput = (node as { timeInput: number }).timeInput;
    for (const a of arrival) {
      const src = sources.find((x) => x.id === a.source);
      if (!src) continue;
      const clock = clocks.get(src.id)!;
      if (a.kind !== 'row') {
        clock.apply(a);
        continue;
      }
      const sourceRow = a.row;
      // The watermark this row sees: the minimum over the sources, as of the entries before it.
      const wm = Math.min(...sources.map((x) => clocks.get(x.id)!.watermark));
      const t0 = sourceRow[src.watermark!.column] as number | null;
      if (t0 !== null && t0 !== undefined) clock.row(a.partition, t0);
      for (const p of paths) {
        if (p.source.id !== src.id) continue;
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

/** One source's watermark, stated from the rules above (not from exec/time.ts). */
class SourceClock {
  /** Partitioned sources: each partition's watermark; undefined until the source is given its partitions. */
  private marks: Map<number, number> | undefined;
  private readonly idle = new Set<number>();
  private maxTs = Number.NEGATIVE_INFINITY;
  watermark = Number.NEGATIVE_INFINITY;

  constructor(private readonly delay: number) {}

  row(partition: number | undefined, t: number): void {
    if (!this.marks) {
      this.maxTs = Math.max(this.maxTs, t);
      this.watermark = Math.max(this.watermark, this.maxTs - this.delay);
      return;
    }
    this.raise(partition ?? 0, t - this.delay);
  }

  apply(a: Exclude<Arrived, { kind: 'row' }>): void {
    if (a.kind === 'assign') {
      this.marks = new Map(a.partitions.map((p) => [p, Number.NEGATIVE_INFINITY]));
      return;
    }
    const marks = (this.marks ??= new Map([[0, Number.NEGATIVE_INFINITY]]));
    const parts = a.partition === undefined ? [...marks.keys()] : [a.partition];
    if (a.kind === 'watermark') for (const p of parts) this.raise(p, a.micros);
    else {
      for (const p of parts) {
        if (!marks.has(p)) marks.set(p, Number.NEGATIVE_INFINITY);
        this.idle.add(p);
      }
      this.settle();
    }
  }

  /** Partition `p` heard from: its watermark is at least `w`, and it is not idle. */
  private raise(p: number, w: number): void {
    const marks = this.marks!;
    marks.set(p, Math.max(marks.get(p) ?? Number.NEGATIVE_INFINITY, w));
    this.idle.delete(p);
    this.settle();
  }

  private settle(): void {
    const active = [...this.marks!].filter(([p]) => !this.idle.has(p)).map(([, m]) => m);
    // Every partition idle: the wall clock (now minus the delay), far past any generated time.
    const w = active.length > 0 ? Math.min(...active) : Math.max(...this.marks!.values(), Date.now() * 1000 - this.delay);
    this.watermark = Math.max(this.watermark, w);
  }
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
