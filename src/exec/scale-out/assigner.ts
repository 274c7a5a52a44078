// The consumer-group assignment of a scale-out job: partition p of every source topic goes to
// the same member (a task reads partition p of each source together), tasks spread evenly over
// the members in id order. Deterministic, so every member computes the same answer.

import { AssignerProtocol, type Assigner, type GroupMember } from 'kafkajs';

export const ASSIGNER_NAME = 'SluiceCoPartitioned';

/** Partition numbers 0..partitions-1 spread over `members` (sorted): p goes to member p mod n. */
export function assignTasks(members: readonly string[], partitions: number): Map<string, number[]> {
  const sorted = [...members].sort();
  const out = new Map<string, number[]>(sorted.map((m) => [m, []]));
  for (let p = 0; p < partitions; p++) out.get(sorted[p % sorted.length]!)!.push(p);
  return out;
}

export function coPartitionedAssigner(partitionCount: (topic: string) => number): () => Assigner {
  return () => ({
    name: ASSIGNER_NAME,
    version: 0,
    async assign({ members, topics }: { members: GroupMember[]; topics: string[] }) {
      const n = Math.max(0, ...topics.map(partitionCount));
      const tasks = assignTasks(
        members.map((m) => m.memberId),
        n,
      );
      return members.map((m) => {
        const mine = tasks.get(m.memberId) ?? [];
        const assignment: Record<string, number[]> = {};
        for (const t of topics) assignment[t] = mine.filter((p) => p < partitionCount(t));
        return { memberId: m.memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }) };
      });
    },
    protocol({ topics }: { topics: string[] }) {
      return { name: ASSIGNER_NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
    },
  });
}
