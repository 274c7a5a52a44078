// The graph runner: one runtime per plan node, wired downstream by input, and the one path that
// carries batches, watermarks and end-of-input through it. An operator's emits wait in its outbox
// and are pushed on when it returns. The walks are generators that yield only to wait for state
// the DuckDB tier must bring back first (exec/job-state.ts), so settle() runs them synchronously,
// to completion, whenever nothing has spilled: no promise per batch on the hot path.

import type { PhysicalNode, PhysicalPlan, SinkNode, SourceNode } from '../plan/physical.js';
import { createOperator } from './operators/index.js';
import { WatermarkCombiner, joinTimeSide, joinWatermarkShifts } from './time.js';
import type { Batch, KeyedSpill, LateEvent, Operator, OperatorContext, TimeSpill } from './operator.js';
import type { SinkRuntime } from './sink-runtime.js';
import type { JobState } from './job-state.js';
import type { ColumnarLayout } from '../state/columnar.js';

/** A walk through the graph: the promises it yields are waits for spilled state. */
export type Steps = Generator<Promise<void>, void, undefined>;

/** Runs a walk: synchronously while it yields nothing, returning undefined; else a promise of the rest. */
export function settle(steps: Steps): Promise<void> | undefined {
  const r = steps.next();
  return r.done ? undefined : finish(steps, r.value);
}

async function finish(steps: Steps, wait: Promise<void>): Promise<void> {
  await wait;
  for (let r = steps.next(); !r.done; r = steps.next()) await r.value;
}

interface MutableContext extends OperatorContext {
  watermark: number;
}

interface Runtime {
  readonly node: PhysicalNode;
  readonly op: Operator | undefined;
  readonly ctx: MutableContext | undefined;
  readonly downstream: Array<{ id: number; input: number }>;
  readonly combiner: WatermarkCombiner;
  endedInputs: number;
  readonly sink: SinkRuntime | undefined;
  /** Source node ids upstream of this node, for attributing late rows. */
  readonly upstreamSources: readonly number[];
  /** What the operator emitted while it ran, pushed on after it returns. */
  readonly outbox: Batch[];
}

/** What the graph needs from the rest of the job, asked once per node, in plan order. */
export interface GraphParts {
  readonly state: JobState;
  source(node: SourceNode): void;
  sink(node: SinkNode, upstreamSources: readonly number[]): SinkRuntime;
  late(e: LateEvent, upstreamSources: readonly number[]): void;
}

export class Graph {
  private readonly runtimes: Runtime[] = [];
  private readonly state: JobState;

  constructor(plan: PhysicalPlan, parts: GraphParts) {
    this.state = parts.state;
    for (const node of plan.nodes) this.runtimes.push(this.makeRuntime(node, parts));
    for (const node of plan.nodes) {
      node.inputs.forEach((input, i) => this.runtimes[input]!.downstream.push({ id: node.id, input: i }));
    }
  }

  /** Every operator's open(), before any data. */
  open(): void {
    for (const r of this.runtimes) r.op?.open?.(r.ctx!);
  }

  /** A checkpoint barrier to every operator (the graph is quiescent). */
  barrier(id: number): void {
    for (const r of this.runtimes) r.op?.onBarrier?.(id);
  }

  /** The watermark an operator has seen. */
  watermarkOf(node: number): number {
    return this.runtimes[node]?.ctx?.watermark ?? Number.NEGATIVE_INFINITY;
  }

  /** Per operator and sink node: the per-input watermarks and how many inputs ended (a checkpoint's). */
  marks(): Array<{ node: number; marks: number[]; endedInputs: number }> {
    return this.runtimes.filter((r) => r.node.inputs.length > 0).map((r) => ({ node: r.node.id, marks: r.combiner.inputMarks(), endedInputs: r.endedInputs }));
  }

  /** Puts back what marks() saved, then tells each operator (onRestore); `rerun`: every input starts over from this watermark instead. */
  restoreMarks(saved: ReadonlyArray<{ node: number; marks: number[]; endedInputs: number }>, rerun: number | undefined): void {
    for (const n of saved) {
      const rt = this.runtimes[n.node];
      if (rt === undefined) continue;
      rt.combiner.restoreMarks(rerun !== undefined ? n.marks.map(() => rerun) : n.marks);
      rt.endedInputs = rerun !== undefined ? 0 : n.endedInputs;
      if (rt.ctx) rt.ctx.watermark = rt.combiner.current;
      rt.op?.onRestore?.();
    }
  }

  /** `batch` from node `from` to each node downstream: its spilled keys first, then what it emits. */
  *push(from: number, batch: Batch): Steps {
    const down = this.runtimes[from]!.downstream;
    for (let i = 0; i < down.length; i++) {
      const d = down[i]!;
      const rt = this.runtimes[d.id]!;
      if (rt.sink) {
        rt.sink.write(batch);
        continue;
      }
      if (batch.marks !== undefined) {
        yield* this.pushMarked(rt, d.input, batch, batch.marks);
        continue;
      }
      const loading = this.state.beforeData(d.id, batch, d.input);
      if (loading) yield loading;
      rt.op!.onData(batch, d.input);
      if (rt.outbox.length > 0) yield* this.drain(rt);
    }
  }

  /**
   * A batch with per-row marks (Batch.marks; only a source's to its one interval join). Without
   * spilled state the operator applies them itself (OperatorContext.advanceInput) and its last
   * watermark goes on after the batch; under the DuckDB tier, whose loads come before each
   * watermark, the batch is cut where its watermark moves, as the source would have cut it.
   */
  private *pushMarked(rt: Runtime, input: number, batch: Batch, marks: readonly number[]): Steps {
    const id = rt.node.id;
    if (!this.state.spilling) {
      const before = rt.ctx!.watermark;
      rt.op!.onData(batch, input);
      if (rt.outbox.length > 0) yield* this.drain(rt);
      if (rt.ctx!.watermark > before) yield* this.advance(id, rt.ctx!.watermark);
      return;
    }
    const rows = batch.rows;
    let prev = rt.combiner.inputMark(input);
    for (let from = 0; from < rows.length; ) {
      // Up to and including the row after which the watermark moved, then that watermark.
      let to = from;
      while (to < rows.length - 1 && !(marks[to]! > prev)) to++;
      const part = { rows: rows.slice(from, to + 1), ops: null };
      const loading = this.state.beforeData(id, part, input);
      if (loading) yield loading;
      rt.op!.onData(part, input);
      if (rt.outbox.length > 0) yield* this.drain(rt);
      if (marks[to]! > prev) {
        prev = marks[to]!;
        yield* this.advanceInput(rt, input, prev);
      }
      from = to + 1;
    }
  }

  /** Watermark `wm` from node `from`: each node downstream whose combined watermark it moves sees it, then passes it on. */
  *advance(from: number, wm: number): Steps {
    for (const d of this.runtimes[from]!.downstream) yield* this.advanceInput(this.runtimes[d.id]!, d.input, wm);
  }

  /** Watermark `wm` on one input of `rt`: if it moves the combined watermark, the operator sees it, then passes it on. */
  private *advanceInput(rt: Runtime, input: number, wm: number): Steps {
    const combined = rt.combiner.update(input, wm);
    if (combined === undefined) return;
    if (rt.ctx) {
      rt.ctx.watermark = combined;
      const closing = this.state.beforeWatermark(rt.node.id, combined, () => settle(this.drain(rt)));
      if (closing) yield closing;
      rt.op!.onWatermark?.(combined);
      if (rt.outbox.length > 0) yield* this.drain(rt);
    }
    yield* this.advance(rt.node.id, combined);
  }

  /** End of input from node `from`: a node whose inputs have all ended ends in turn. */
  *end(from: number): Steps {
    for (const d of this.runtimes[from]!.downstream) {
      const rt = this.runtimes[d.id]!;
      rt.endedInputs++;
      if (rt.endedInputs < rt.node.inputs.length) continue;
      rt.op?.onEnd?.();
      if (rt.outbox.length > 0) yield* this.drain(rt);
      yield* this.end(d.id);
    }
  }

  private *drain(rt: Runtime): Steps {
    const box = rt.outbox;
    while (box.length > 0) yield* this.push(rt.node.id, box.shift()!);
  }

  private makeRuntime(node: PhysicalNode, parts: GraphParts): Runtime {
    const upstreamSources = node.kind === 'source' ? [node.id] : [...new Set(node.inputs.flatMap((i) => this.runtimes[i]!.upstreamSources))];
    const shifts = node.kind === 'intervalJoin' ? joinWatermarkShifts(joinTimeSide(node.joinType), node.lowerMicros, node.upperMicros) : [];
    // A lookup join against a file table holds stream rows until the table's end: its watermark counts only then.
    const untilEnd = node.kind === 'lookupJoin' && node.bounded ? [1] : [];
    const base = { node, downstream: [], combiner: new WatermarkCombiner(Math.max(1, node.inputs.length), shifts, untilEnd), endedInputs: 0, upstreamSources, outbox: [] };
    // A lookup join against a Kafka table runs on processing time: the table's watermark does not hold its output back.
    if (node.kind === 'lookupJoin' && !node.bounded) base.combiner.markIdle(1, true);
    switch (node.kind) {
      case 'source':
        parts.source(node);
        return { ...base, op: undefined, ctx: undefined, sink: undefined };
      case 'sink':
        return { ...base, op: undefined, ctx: undefined, sink: parts.sink(node, upstreamSources) };
      default:
        return { ...base, op: createOperator(node), ctx: this.makeContext(node.id, base.outbox, upstreamSources, parts, base.combiner), sink: undefined };
    }
  }

  private makeContext(id: number, outbox: Batch[], upstreamSources: readonly number[], parts: GraphParts, combiner: WatermarkCombiner): MutableContext {
    const state = parts.state;
    const ctx: MutableContext = {
      watermark: Number.NEGATIVE_INFINITY,
      inputWatermark: (input: number) => combiner.inputMark(input),
      advanceInput(input: number, micros: number) {
        const combined = combiner.update(input, micros);
        if (combined !== undefined) ctx.watermark = combined;
        return combined;
      },
      emit(batch: Batch) {
        outbox.push(batch);
      },
      late(e: LateEvent) {
        parts.late(e, upstreamSources);
      },
      keyedTable: <V>(name: string, spill?: KeyedSpill) => state.keyedTable<V>(id, name, spill),
      timeKeyedTable: <V>(name: string, spill?: TimeSpill<V>) => state.timeKeyedTable<V>(id, name, spill),
      columnarTable: <V>(name: string, layout: ColumnarLayout<V>, spill: TimeSpill<V>) => state.columnarTable<V>(id, name, layout, spill),
    };
    return ctx;
  }
}
