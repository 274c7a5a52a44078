// Where a source must cut its batches so that lateness does not depend on batch sizes: the
// engine behaves as if the watermark advanced after every record. Emitting a watermark after
// every record is costly, so a source cuts a batch only where the watermark crosses a boundary
// that some downstream operator can observe: a multiple of a TUMBLE size, of gcd(slide, size)
// for HOP (window ends are multiples of it; with an offset, the gcd with the offset too), and any
// advance for SESSION, LAG and an interval join.

import type { PhysicalNode, PhysicalPlan } from '../plan/physical.js';

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}

/** The step of watermark values an operator can tell apart; undefined if it ignores watermarks for lateness. */
function observableStep(n: PhysicalNode): number | undefined {
  switch (n.kind) {
    case 'windowAgg':
    case 'windowJoin': {
      // Window ends are offset + multiples of the step below, so also multiples of gcd(step, offset).
      const w = n.window;
      const step = w.kind === 'tumble' ? w.sizeMicros : w.kind === 'hop' ? gcd(w.slideMicros, w.sizeMicros) : w.stepMicros;
      return w.offsetMicros ? gcd(step, w.offsetMicros) : step;
    }
    case 'sessionAgg':
    case 'lag':
    case 'overWindow':
    case 'intervalJoin':
    case 'temporalJoin':
      return 1;
    case 'topN':
      // A window Top-N closes at its input's window ends (any value); keep-first dedup judges rows by event time.
      return n.mode === 'updating' ? undefined : 1;
    case 'distinct':
      // A row behind the watermark is late.
      return n.timeInput === undefined ? undefined : 1;
    case 'regularJoin':
      // state_ttl drops keys by the watermark; without it the join ignores watermarks.
      return n.ttlMicros === undefined ? undefined : 1;
    default:
      return undefined;
  }
}

/**
 * Per source node id: the watermark step at which its batches must be cut (gcd over the
 * operators it feeds), or undefined when nothing downstream checks lateness.
 */
export function watermarkSteps(plan: PhysicalPlan): Map<number, number | undefined> {
  const down = new Map<number, number[]>();
  for (const n of plan.nodes) for (const i of n.inputs) down.set(i, [...(down.get(i) ?? []), n.id]);
  const out = new Map<number, number | undefined>();
  for (const n of plan.nodes) {
    if (n.kind !== 'source') continue;
    let step: number | undefined;
    const seen = new Set<number>();
    const stack = [...(down.get(n.id) ?? [])];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const s = observableStep(plan.nodes[id]!);
      if (s !== undefined) step = step === undefined ? s : gcd(step, s);
      stack.push(...(down.get(id) ?? []));
    }
    out.set(n.id, step);
  }
  return out;
}

/**
 * The sources whose batches need not be cut at all: each watermark advance would be a cut (step
 * 1), and its one consumer (through projects, which pass the marks on) is an interval join that applies the per-row marks itself
 * (Batch.marks), with nothing after the join that observes watermarks. A cut per advance is a
 * push and a watermark walk per record; a marked batch is one push. The join's output is never
 * behind its watermark (exec/time.ts), and only sinks and stateless operators follow it, so
 * passing its watermark on once after the batch changes no result.
 */
export function perRowSources(plan: PhysicalPlan, steps: ReadonlyMap<number, number | undefined>): Set<number> {
  const down = new Map<number, number[]>();
  for (const n of plan.nodes) for (const i of n.inputs) down.set(i, [...(down.get(i) ?? []), n.id]);
  const quietAfter = (id: number): boolean => {
    const seen = new Set<number>();
    const stack = [...(down.get(id) ?? [])];
    while (stack.length > 0) {
      const d = stack.pop()!;
      if (seen.has(d)) continue;
      seen.add(d);
      if (observableStep(plan.nodes[d]!) !== undefined) return false;
      stack.push(...(down.get(d) ?? []));
    }
    return true;
  };
  const out = new Set<number>();
  for (const n of plan.nodes) {
    if (n.kind !== 'source' || steps.get(n.id) !== 1) continue;
    // Through projects (column pruning before a join, plan/push-join.ts): they pass the marks on, row for row.
    let consumers = down.get(n.id) ?? [];
    while (consumers.length === 1 && plan.nodes[consumers[0]!]!.kind === 'project') consumers = down.get(consumers[0]!) ?? [];
    if (consumers.length !== 1) continue;
    const join = plan.nodes[consumers[0]!]!;
    if (join.kind === 'intervalJoin' && quietAfter(join.id)) out.add(n.id);
  }
  return out;
}
