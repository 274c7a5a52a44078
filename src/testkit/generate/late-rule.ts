// The watermark rule stated on its own, to check which rows the engine dropped as late. It is
// written from the README's words, not from exec/time.ts, and works by brute force over the
// arrival sequence: the watermark a row sees is the largest event time of its source's rows
// before it, minus the source's WATERMARK delay (-infinity before the first row). A row is late
//   - for a TUMBLE window when the window's end is at or before that watermark;
//   - for a HOP window likewise, window by window (the row still counts in its open windows);
//   - for a CUMULATE window when its first window (ending at the next step) has closed;
//   - for a SESSION window when it would join a closed session, or start one that ends at or
//     before the watermark without touching an open one;
//   - for LAG and the other OVER functions when its event time is before the watermark;
//   - for an interval or temporal JOIN when its event time is before its *own* input's watermark
//     (a left row on the left input's, a right or table row on the right input's);
//   - for a window JOIN when its window's end is at or before its own input's watermark, window
//     by window (the rows of `FROM TUMBLE(...)` / HOP / CUMULATE, one per window);
//   - for a UNION (distinct) with event time and for first-row deduplication when its event time
//     is before the watermark; for a window Top-N when its window has closed (per window).
// An updating Top-N and a DISTINCT without event time never drop a row. Below a UNION ALL the
// watermark is the minimum over its inputs' (-infinity until each has sent a row). A partitioned
// source (Kafka) keeps one watermark per partition (its largest event time minus the delay, or a
// watermark step's) and its own is the minimum over the partitions that are not idle (-infinity
// while an assigned partition has sent nothing); when every partition is idle it follows the wall
// clock; it never goes back. Stated for operators fed through filters, projections, UNION ALLs
// and window table functions (rows a WHERE drops never reach the operator, so they are never
// late); an input fed by an operator whose output the README says is never late (interval and
// temporal joins, EMIT FINAL windows of whole-millisecond bounds: late-paths.ts) expects none
// late from it; other operators are reported skipped.

import type { Row } from '../../catalog/types.js';
import { compileExpr } from '../../expr/compile.js';
import type { PhysicalNode, PhysicalPlan, SourceNode } from '../../plan/physical.js';
import type { LateEvent, RecordRef } from '../../exec/operator.js';
import { formatTimestamp } from '../../catalog/timestamp.js';
import { inputPaths, through, type Path } from './late-paths.js';
import type { Arrived } from './run.js';

/** What the rule says about one operator: the late keys `source:seq` or `source:seq@windowStartMicros`, sorted. */
export interface LateExpectation {
  readonly operator: number;
  readonly kind: PhysicalNode['kind'];
  readonly expected: string[];
}

export interface LateRuleResult {
  readonly checked: LateExpectation[];
  /** Operators that can drop late rows but that the rule is not stated for, each with the reason. */
  readonly skipped: string[];
}

const DROPS_LATE = new Set<PhysicalNode['kind']>(['windowAgg', 'sessionAgg', 'lag', 'overWindow', 'intervalJoin', 'windowJoin', 'temporalJoin', 'distinct', 'topN']);

/** One input of the operator as the rule sees it: its paths from sources, or none when every row comes from an operator whose output is never late. */
interface Side {
  readonly paths: Path[];
  readonly sources: SourceNode[];
}

/**
 * The late keys per operator over `arrival`: every admitted row (the decoded row, whose hidden
 * $ref column carries its provenance), watermark step and idle marker in the order the sources
 * delivered them. Each input's watermark is the minimum over the sources of its branches.
 */
export function expectedLate(plan: PhysicalPlan, arrival: readonly Arrived[]): LateRuleResult {
  const checked: LateExpectation[] = [];
  const skipped: string[] = [];
  for (const node of plan.nodes) {
    if (!DROPS_LATE.has(node.kind)) continue;
    // An updating Top-N and a DISTINCT without event time forget nothing, so nothing is late there.
    if ((node.kind === 'topN' && node.mode === 'updating') || (node.kind === 'distinct' && node.timeInput === undefined)) {
      checked.push({ operator: node.id, kind: node.kind, expected: [] });
      continue;
    }
    const inputs = node.inputs.map((i) => inputPaths(plan, i, node));
    const unknown = inputs.find((x) => x.kind === 'unknown');
    if (unknown?.kind === 'unknown') {
      skipped.push(`node ${node.id} (${node.kind}, ${unknown.why})`);
      continue;
    }
    const sides: Side[] = inputs.map((x) => {
      const paths = x.kind === 'sources' ? x.paths : [];
      return { paths, sources: [...new Map(paths.map((p) => [p.source.id, p.source])).values()] };
    });
    const all = [...new Map(sides.flatMap((s) => s.sources).map((src) => [src.id, src])).values()];
    const untracked = all.find((src) => src.refColumn === undefined);
    if (untracked) {
      skipped.push(`node ${node.id} (${node.kind}, source ${untracked.source.name} without provenance)`);
      continue;
    }
    // A source without a WATERMARK never moves its clock: nothing behind it is late.
    const clocks = new Map(all.map((src) => [src.id, new SourceClock(src.watermark?.delayMicros ?? 0)]));
    const out: string[] = [];
    const sessions = new Map<string, number[]>();
    for (const a of arrival) {
      const src = all.find((x) => x.id === a.source);
      if (!src) continue;
      const clock = clocks.get(src.id)!;
      if (a.kind !== 'row') {
        if (src.watermark) clock.apply(a);
        continue;
      }
      const sourceRow = a.row;
      // The watermark of each input as this row arrives: the minimum over its sources, as of the entries before it.
      const marks = sides.map((s) => (s.sources.length === 0 ? Number.NEGATIVE_INFINITY : Math.min(...s.sources.map((x) => clocks.get(x.id)!.watermark))));
      const t0 = src.watermark ? (sourceRow[src.watermark.column] as number | null) : null;
      if (t0 !== null && t0 !== undefined) clock.row(a.partition, t0);
      const r = sourceRow[src.refColumn!] as unknown as RecordRef;
      const id = `${r.source}:${r.seq}`;
      sides.forEach((s, side) => {
        for (const p of s.paths) {
          if (p.source.id !== src.id) continue;
          for (const row of through(p.stages, sourceRow)) judge(node, side, row, marks[side]!, id, sessions, out);
        }
      });
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

const num = (v: unknown): v is number => typeof v === 'number';

/** Whether the row `id` (input `side`, as the operator receives it) is late at watermark `wm`: pushes its key(s) onto `out`. */
function judge(node: PhysicalNode, side: number, row: Row, wm: number, id: string, sessions: Map<string, number[]>, out: string[]): void {
  switch (node.kind) {
    case 'windowAgg': {
      const t = row[node.timeInput];
      if (!num(t)) return;
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
    case 'overWindow': {
      const t = row[node.timeInput];
      if (num(t) && t < wm) out.push(id);
      return;
    }
    // Joins: each side's row on its own input's watermark (README: Interval JOIN, Temporal JOIN).
    case 'intervalJoin':
    case 'temporalJoin': {
      const t = row[side === 0 ? node.leftTime : node.rightTime];
      if (num(t) && t < wm) out.push(id);
      return;
    }
    // Window join: a row whose window has closed on its own input's watermark, per window.
    case 'windowJoin': {
      const start = row[node.starts[side === 0 ? 0 : 1]];
      const end = row[node.ends[side === 0 ? 0 : 1]];
      if (num(start) && num(end) && end <= wm) out.push(`${id}@${start}`);
      return;
    }
    // UNION (distinct) with event time: a row behind the watermark.
    case 'distinct': {
      const t = node.timeInput === undefined ? undefined : row[node.timeInput];
      if (num(t) && t < wm) out.push(id);
      return;
    }
    // Window Top-N: a row whose window has closed; first-row deduplication: a row behind the watermark.
    case 'topN': {
      if (node.mode === 'window' && node.windowColumns) {
        const start = row[node.windowColumns[0]];
        const end = row[node.windowColumns[1]];
        if (num(end) && end <= wm) out.push(num(start) ? `${id}@${start}` : id);
      } else if (node.mode === 'first' && node.timeInput !== undefined) {
        const t = row[node.timeInput];
        if (num(t) && t < wm) out.push(id);
      }
      return;
    }
    case 'sessionAgg': {
      const t = row[node.timeInput];
      if (!num(t)) return;
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

/** The engine's late drops at `operator` in the rule's form (HOP: one key per window); a drop without provenance as `unnamed row at <event time>`, so it cannot pass unseen. */
export function engineLateKeys(late: readonly LateEvent[], operator: number): string[] {
  const keyOf = (l: LateEvent): string => `${l.ref ? `${l.ref.source}:${l.ref.seq}` : `unnamed row at ${formatTimestamp(l.eventTime)}`}${l.windowStart === undefined ? '' : `@${l.windowStart}`}`;
  return [...new Set(late.filter((l) => l.operator === operator).map(keyOf))].sort();
}
