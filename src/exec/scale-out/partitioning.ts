// Whether a plan can run as one independent task per Kafka partition (scale-out by consumer
// group, exec/scale-out/runner.ts). A task sees one partition of each source, so every stateful
// operator must group by something that pins a row to its partition: the source's message key
// (its KEY columns), which the producer's partitioner hashed to choose the partition. A
// stateful key is traced back through projections and filters to source columns; it is
// partition-local when it keeps every KEY column of the source it comes from unchanged.

import { upstreamSources, type PhysicalNode, type PhysicalPlan } from '../../plan/physical.js';
import type { BoundExpr } from '../../expr/bound.js';
import { joinKeying, type Origin as JoinOrigin } from './join-keying.js';

/** A column traced back to the source column it copies, if it copies one unchanged. */
type Origin = JoinOrigin;

export interface StatefulKeying {
  readonly node: number;
  readonly kind: PhysicalNode['kind'];
  /** True when every row of one key comes from the same partition of its source. */
  readonly partitionLocal: boolean;
  /** Why not, for the diagnostic. */
  readonly reason?: string;
}

function exprOrigin(e: BoundExpr, input: readonly Origin[]): Origin {
  // Only a plain column copies its input; any expression (even a cast) may map keys of different partitions together.
  return e.kind === 'column' ? input[e.index] : undefined;
}

/** Per node, each output column's origin. */
export function columnOrigins(plan: PhysicalPlan): Origin[][] {
  const out: Origin[][] = [];
  for (const n of plan.nodes) {
    const input = n.inputs.length === 1 ? out[n.inputs[0]!]! : [];
    switch (n.kind) {
      case 'source':
        out.push(n.schema.map((_, i) => ({ source: n.id, column: i })));
        break;
      case 'filter':
      case 'lag':
      case 'overWindow':
      case 'windowExpand':
        // Input columns first, unchanged (then lagged values / window bounds, which copy nothing).
        out.push(n.schema.map((_, i) => (i < input.length ? input[i] : undefined)));
        break;
      case 'project':
        out.push(n.exprs.map((e) => exprOrigin(e, input)));
        break;
      case 'windowAgg':
      case 'sessionAgg':
      case 'groupAgg':
        // Output: keys..., [window_start, window_end,] aggs...
        // With grouping sets a key copies its input only when every set holds it (else it is NULL in some rows).
        out.push(n.schema.map((_, i) => (i < n.keys.length && inEverySet(n, i) ? exprOrigin(n.keys[i]!, input) : undefined)));
        break;
      case 'sink':
        out.push(n.schema.map((_, i) => input[i]));
        break;
      case 'union':
      case 'regularJoin':
      case 'windowJoin':
      case 'temporalJoin':
      case 'lookupJoin':
        // Each branch (side) copies other columns; none traces back to one source column.
        out.push(n.schema.map(() => undefined));
        break;
      case 'intervalJoin':
        // Each output column copies one side's column.
        out.push(n.schema.map((_, i) => {
          const o = n.outputs[i];
          return o === undefined ? undefined : out[n.inputs[o[0]]!]![o[1]];
        }));
        break;
    }
  }
  return out;
}

function inEverySet(n: PhysicalNode, key: number): boolean {
  if (n.kind !== 'windowAgg' && n.kind !== 'groupAgg') return true;
  return n.groupingSets === undefined || n.groupingSets.every((s) => s.includes(key));
}

/** Each stateful operator of the plan and whether its key pins rows to a partition. */
export function statefulKeying(plan: PhysicalPlan): StatefulKeying[] {
  const origins = columnOrigins(plan);
  const result: StatefulKeying[] = [];
  // Source columns a partition-local join makes equal: grouping after it by either one will do.
  const equal = new Map<string, string[]>();
  const id = (o: { source: number; column: number }) => `${o.source}:${o.column}`;
  for (const n of plan.nodes) {
    if (n.kind === 'intervalJoin') {
      const k = joinKeying(plan, n, origins, (i) => upstreamSources(plan, i));
      for (const [a, b] of k.equal) {
        equal.set(id(a), [...(equal.get(id(a)) ?? []), id(b)]);
        equal.set(id(b), [...(equal.get(id(b)) ?? []), id(a)]);
      }
      result.push({ node: n.id, kind: n.kind, partitionLocal: k.partitionLocal, ...(k.reason !== undefined ? { reason: k.reason } : {}) });
      continue;
    }
    if (n.kind !== 'windowAgg' && n.kind !== 'sessionAgg' && n.kind !== 'groupAgg' && n.kind !== 'lag' && n.kind !== 'overWindow') continue;
    const input = origins[n.inputs[0]!]!;
    // Grouping sets: only a key in every set pins a group to a partition (a set without it mixes partitions).
    const keys = n.kind === 'lag' || n.kind === 'overWindow' ? n.partitionBy : n.keys.filter((_, i) => inEverySet(n, i));
    const traced = keys.map((k) => exprOrigin(k, input));
    const sources = upstreamSources(plan, n.id);
    const missing: string[] = [];
    for (const s of sources) {
      const keyCols = s.schema.flatMap((c, i) => (c.key ? [i] : []));
      if (keyCols.length === 0) {
        missing.push(`source '${s.source.name}' declares no KEY column`);
        continue;
      }
      for (const c of keyCols) {
        const ok = new Set([`${s.id}:${c}`, ...(equal.get(`${s.id}:${c}`) ?? [])]);
        if (!traced.some((t) => t !== undefined && ok.has(id(t)))) missing.push(`it does not group by ${s.source.name}.${s.schema[c]!.name} (a KEY column) unchanged`);
      }
    }
    result.push({ node: n.id, kind: n.kind, partitionLocal: missing.length === 0, ...(missing.length > 0 ? { reason: missing.join('; ') } : {}) });
  }
  return result;
}
