// Whether an interval join can run as one task per partition (scale-out, runner.ts): a task
// reads partition p of each side's topic, so the two rows of a pair must sit in partitions of
// the same number. They do when each side reads one Kafka source, the topics have as many
// partitions (checked when the job starts), and the join keys are the two sources' message keys
// unchanged: KEY column j of the left source = KEY column j of the right, of one type (and, for
// a key of several columns, written as a JSON object, of one name), so that equal keys are equal
// message keys, which a key-hashing producer (Kafka's default partitioner) puts in partitions
// of the same number. Repartitioning a join is not offered: the reason is given instead.

import type { BoundExpr } from '../../expr/bound.js';
import type { IntervalJoinNode, PhysicalPlan, SourceNode } from '../../plan/physical.js';

/** Where a column copies a source column from, as partitioning.ts traces it. */
export type Origin = { readonly source: number; readonly column: number } | undefined;

export interface JoinKeying {
  readonly partitionLocal: boolean;
  readonly reason?: string;
  /** Source columns a local join makes equal on every output row: [left KEY column, right KEY column]. */
  readonly equal: ReadonlyArray<readonly [{ source: number; column: number }, { source: number; column: number }]>;
}

export function joinKeying(plan: PhysicalPlan, n: IntervalJoinNode, origins: readonly Origin[][], sourcesOf: (id: number) => SourceNode[]): JoinKeying {
  const trace = (e: BoundExpr, side: number): Origin => (e.kind === 'column' ? origins[n.inputs[side]!]![e.index] : undefined);
  const sides = [0, 1].map((side) => sourcesOf(n.inputs[side]!));
  const refuse = (reason: string): JoinKeying => ({ partitionLocal: false, reason, equal: [] });
  for (const [side, found] of sides.entries()) {
    if (found.length !== 1) return refuse(`its ${side === 0 ? 'left' : 'right'} side reads ${found.length} sources, not one topic`);
  }
  const [left, right] = [sides[0]![0]!, sides[1]![0]!];
  const keysOf = (s: SourceNode) => s.schema.flatMap((c, i) => (c.key ? [i] : []));
  const lk = keysOf(left);
  const rk = keysOf(right);
  const name = (s: SourceNode, c: number) => `${s.source.name}.${s.schema[c]!.name}`;
  if (lk.length === 0 || rk.length === 0) {
    return refuse(`source '${(lk.length === 0 ? left : right).source.name}' declares no KEY column, so its rows are not partitioned by the join key`);
  }
  if (lk.length !== rk.length) return refuse(`'${left.source.name}' is keyed by ${lk.length} KEY column(s) and '${right.source.name}' by ${rk.length}: equal join keys would be different message keys`);
  const equal: Array<readonly [{ source: number; column: number }, { source: number; column: number }]> = [];
  for (let j = 0; j < lk.length; j++) {
    const l = lk[j]!;
    const r = rk[j]!;
    const pairs = n.leftKeys.some((k, i) => {
      const a = trace(k, 0);
      const b = trace(n.rightKeys[i]!, 1);
      return a?.source === left.id && a.column === l && b?.source === right.id && b.column === r;
    });
    if (!pairs) return refuse(`it does not join ${name(left, l)} = ${name(right, r)} (KEY column ${j + 1} of each side) unchanged`);
    const lc = left.schema[l]!;
    const rc = right.schema[r]!;
    if (lc.type.kind !== rc.type.kind) return refuse(`${name(left, l)} is ${lc.type.kind.toUpperCase()} and ${name(right, r)} is ${rc.type.kind.toUpperCase()}: equal values may be different message keys`);
    if (lk.length > 1 && lc.name !== rc.name) return refuse(`the KEY columns ${name(left, l)} and ${name(right, r)} have different names, so their JSON message keys differ`);
    equal.push([{ source: left.id, column: l }, { source: right.id, column: r }]);
  }
  if (left.id !== right.id && left.source.options['topic'] === right.source.options['topic']) {
    return refuse(`both sides read topic '${left.source.options['topic']}' through two sources; join one source with itself instead`);
  }
  return { partitionLocal: true, equal };
}
