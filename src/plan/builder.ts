// The plan builder: appends physical nodes in topological order, shares one source node per
// source across all sinks of a job, and decides where provenance (`$ref`) is carried.

import type { Catalog, SourceDef } from '../catalog/catalog.js';
import type { PhysicalNode, PhysicalPlan, PlanColumn } from './physical.js';
import { DELETED_COLUMN, REF_COLUMN } from './physical.js';
import { T } from '../catalog/types.js';

export interface PlanOptions {
  /**
   * Carry each record's provenance to the operators that may drop it as late, so late rows
   * reach the source's late output and the oracle can exclude exactly them. Always on for
   * sources that declare a `late` output.
   */
  readonly provenance: boolean;
  /** Sources whose records carry provenance anyway: those feeding a UNION ALL of several (job.ts). */
  readonly track?: ReadonlySet<string>;
  /** `false`: no filter pushdown or column pruning below joins (push-join.ts); the oracle's baseline in tests. */
  readonly pushdown?: boolean;
}

type Distribute<N> = N extends PhysicalNode ? Omit<N, 'id'> : never;
export type NodeSpec = Distribute<PhysicalNode>;

export class PlanBuilder {
  readonly nodes: PhysicalNode[] = [];
  private readonly sources = new Map<string, number>();

  constructor(
    readonly catalog: Catalog,
    readonly options: PlanOptions,
  ) {}

  add(spec: NodeSpec): number {
    const id = this.nodes.length;
    this.nodes.push({ ...spec, id } as PhysicalNode);
    return id;
  }

  /** Replaces a node by a rewritten one of the same id (a rewrite rule; see fold-project.ts). */
  replace(node: PhysicalNode): void {
    if (this.nodes[node.id] === undefined) throw new Error(`internal: no plan node ${node.id}`);
    this.nodes[node.id] = node;
  }

  /** Takes back the newest node, which nothing reads yet (a rewrite rule rebuilding it; see push-join.ts). */
  removeNewest(id: number): void {
    if (id !== this.nodes.length - 1) throw new Error(`internal: plan node ${id} is not the newest`);
    this.nodes.pop();
  }

  node(id: number): PhysicalNode {
    const n = this.nodes[id];
    if (!n) throw new Error(`internal: no plan node ${id}`);
    return n;
  }

  /** The (shared) source node of a source. */
  source(def: SourceDef): number {
    const existing = this.sources.get(def.name);
    if (existing !== undefined) return existing;
    const schema: PlanColumn[] = def.columns.map((c) => ({ ...c }));
    const tracked = this.options.provenance || def.options['late'] !== undefined || this.options.track?.has(def.name) === true;
    let refColumn: number | undefined;
    if (tracked) {
      refColumn = schema.length;
      schema.push({ name: REF_COLUMN, type: T.varchar, hidden: true });
    }
    // A table's changelog: which rows are tombstones (deletions of their key).
    let deletedColumn: number | undefined;
    if (def.table?.upsert) {
      deletedColumn = schema.length;
      schema.push({ name: DELETED_COLUMN, type: T.boolean, hidden: true });
    }
    const wmCol = def.watermark ? def.columns.findIndex((c) => c.name === def.watermark!.column) : -1;
    const id = this.add({
      kind: 'source',
      inputs: [],
      schema,
      timeColumn: wmCol >= 0 ? wmCol : undefined,
      appendOnly: true,
      state: [],
      source: def,
      watermark: wmCol >= 0 ? { column: wmCol, delayMicros: def.watermark!.delayMicros } : undefined,
      refColumn,
      ...(deletedColumn !== undefined ? { deletedColumn } : {}),
    });
    this.sources.set(def.name, id);
    return id;
  }

  build(sinks: readonly number[]): PhysicalPlan {
    return { nodes: [...this.nodes], sinks: [...sinks] };
  }
}
