// The upsert key of a node's output: the columns that identify a row of its changelog, so that
// at most one row per key is live and an update pair -U/+U keeps its key. Derived from the
// plan: an aggregate's group keys (and window bounds), carried through filters and through
// projections that select every key column unchanged; none after a UNION ALL. The oracle checks
// changelogs by it.

import { groupKeyWidth, type PhysicalNode, type PhysicalPlan } from './physical.js';

/**
 * Column indexes of the key in the node's output (for a sink: among its visible columns); []
 * when the output holds at most one row (a global aggregate); undefined when no key is known
 * (an append-only stream, or a projection that dropped or computed a key column).
 */
export function streamKey(plan: PhysicalPlan, id: number): number[] | undefined {
  const node = nodeOf(plan, id);
  switch (node.kind) {
    case 'source':
    case 'windowExpand':
    case 'lag':
    case 'overWindow':
    case 'intervalJoin':
    case 'regularJoin':
    case 'windowJoin':
    case 'temporalJoin':
    case 'lookupJoin':
    case 'topN':
      // A Top-N's rows move between ranks: no column set stays unique while an update pair passes.
      return undefined;
    case 'union':
      // A row of a union of changelogs is identified by its input's key plus the branch it came
      // from, and no output column holds the branch: the same key may be live once per branch.
      return undefined;
    case 'groupAgg':
      return range(groupKeyWidth(node));
    case 'distinct':
      // Each row once: the whole row is its key.
      return range(node.schema.length);
    case 'windowAgg':
      return range(groupKeyWidth(node) + 2);
    case 'sessionAgg':
      return range(node.keys.length + 2);
    case 'filter':
      return streamKey(plan, node.inputs[0]!);
    case 'project': {
      const input = streamKey(plan, node.inputs[0]!);
      if (input === undefined) return undefined;
      const out: number[] = [];
      for (const k of input) {
        const at = node.exprs.findIndex((e) => e.kind === 'column' && e.index === k);
        if (at < 0) return undefined;
        out.push(at);
      }
      return out;
    }
    case 'sink': {
      const input = streamKey(plan, node.inputs[0]!);
      if (input === undefined) return undefined;
      // The sink writes its visible columns only.
      const visible = node.schema.map((c, i) => (c.hidden ? -1 : i)).filter((i) => i >= 0);
      const out = input.map((k) => visible.indexOf(k));
      return out.every((k) => k >= 0) ? out : undefined;
    }
  }
}

function nodeOf(plan: PhysicalPlan, id: number): PhysicalNode {
  const n = plan.nodes[id];
  if (n === undefined || n.id !== id) {
    const found = plan.nodes.find((x) => x.id === id);
    if (found === undefined) throw new Error(`internal: no plan node ${id}`);
    return found;
  }
  return n;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
