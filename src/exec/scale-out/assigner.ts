// The consumer-group assignment of a scale-out job: partition p of every source topic goes to
// the same member (a task reads partition p of each source together), tasks spread evenly over
// the members in id order. Deterministic, so every member computes the same answer.

import type { PartitionAssigner } from '../../connectors/kafka/port.js';

export const ASSIGNER_NAME = 'SluiceCoPartitioned';

/** Partition numbers 0..partitions-1 spread over `members` (sorted): p goes to member p mod n. */
export function assignTasks(members: readonly string[], partitions: number): Map<string, number[]> {
  const sorted = [...members].sort();
  const out = new Map<string, number[]>(sorted.map((m) => [m, []]));
  for (let p = 0; p < partitions; p++) out.get(sorted[p % sorted.length]!)!.push(p);
  return out;
}

export function coPartitionedAssigner(partitionCount: (topic: string) => number): PartitionAssigner {
  return {
    name: ASSIGNER_NAME,
    assign(members, topics) {
      const n = Math.max(0, ...topics.map(partitionCount));
      const tasks = assignTasks(members, n);
      const out = new Map<string, Record<string, number[]>>();
      for (const m of members) {
        const mine = tasks.get(m) ?? [];
        const assignment: Record<string, number[]> = {};
        for (const t of topics) assignment[t] = mine.filter((p) => p < partitionCount(t));
        out.set(m, assignment);
      }
      return out;
    },
  };
}
