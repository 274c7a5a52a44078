// One query running in the REPL: the engine job with hooks that feed the live table, record
// late rows as they are dropped, and keep a bounded snapshot of the decoded source rows the
// query read (what `\compare` replays). The UI polls it; nothing here renders.

import type { Catalog, Column } from '../catalog/catalog.js';
import type { Row } from '../catalog/types.js';
import type { Query } from '../sql/ast.js';
import { printQuery } from '../sql/index.js';
import { planQuery } from '../plan/job.js';
import type { PhysicalPlan, SourceNode } from '../plan/physical.js';
import { Job, type JobSummary } from '../exec/job.js';
import type { LateEvent } from '../exec/operator.js';
import type { SinkWriter } from '../connectors/connector.js';
import { ResultModel } from './result-model.js';
import { IdleTracker, type WatchedJob } from './status.js';
import { upstreamSources } from '../plan/physical.js';

/** Source rows kept for `\compare`, over all sources; past it the snapshot is a prefix. */
export const SNAPSHOT_LIMIT = 200_000;

export interface SourceSnapshot {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly rows: Row[];
}

export class LiveQuery implements WatchedJob {
  /** The script text the query's spans point into. */
  readonly text: string;
  /** The query as SQL (printed from the AST). */
  readonly sql: string;
  readonly query: Query;
  readonly plan: PhysicalPlan;
  readonly job: Job;
  readonly result: ResultModel;
  readonly startedAt = Date.now();
  finishedAt: number | undefined;
  summary: JobSummary | undefined;
  error: Error | undefined;
  /** Late rows not yet reported by the UI (it drains them). */
  readonly lateQueue: LateEvent[] = [];
  lateTotal = 0;
  readonly snapshot = new Map<number, SourceSnapshot>();
  snapshotRows = 0;
  snapshotTruncated = false;
  readonly done: Promise<void>;
  private readonly controller = new AbortController();
  private readonly idle = new IdleTracker();

  constructor(catalog: Catalog, text: string, query: Query) {
    this.text = text;
    this.sql = printQuery(query);
    this.query = query;
    this.plan = planQuery(catalog, query, text, { provenance: false }, { name: 'query' });
    const sinkNode = this.plan.nodes[this.plan.sinks[0]!]!;
    this.result = new ResultModel(
      sinkNode.schema.filter((c) => !c.hidden),
      !sinkNode.appendOnly,
    );
    for (const n of this.plan.nodes) {
      if (n.kind === 'source') this.snapshot.set(n.id, { name: n.source.name, columns: n.schema.filter((c) => !c.hidden), rows: [] });
    }
    const result = this.result;
    const writer: SinkWriter = { write: (b) => result.apply(b), flush: async () => {}, close: async () => {} };
    this.job = new Job(this.plan, {
      signal: this.controller.signal,
      sideOutputs: true,
      hooks: {
        sinkWriter: () => writer,
        onLate: (e) => {
          this.lateTotal++;
          if (this.lateQueue.length < 1000) this.lateQueue.push(e);
        },
        onSourceRows: (id, rows) => this.capture(id, rows),
      },
    });
    this.done = this.job.run().then(
      (s) => {
        this.summary = s;
        this.finishedAt = Date.now();
      },
      (e: unknown) => {
        this.error = e instanceof Error ? e : new Error(String(e));
        this.finishedAt = Date.now();
      },
    );
  }

  get running(): boolean {
    return this.finishedAt === undefined;
  }

  get sourceNodes(): SourceNode[] {
    return this.plan.nodes.filter((n): n is SourceNode => n.kind === 'source');
  }

  stop(): Promise<void> {
    this.controller.abort();
    return this.done;
  }

  /** Milliseconds since the source's record count last changed (0 when it just did). */
  silentFor(sourceNode: number, records: number, now: number): number {
    return this.idle.silentFor(sourceNode, records, now);
  }

  /**
   * The source a late row came from: its provenance when the source tracks it (a `late` output),
   * else the source upstream of the operator that dropped it (a query reads one source; the
   * REPL plans without provenance so that fast inputs pay nothing for it).
   */
  lateSource(e: LateEvent): string {
    return e.ref?.source ?? (upstreamSources(this.plan, e.operator).map((s) => s.source.name).join(' or ') || 'an input');
  }

  private capture(id: number, rows: readonly Row[]): void {
    if (this.snapshotTruncated) return;
    const snap = this.snapshot.get(id);
    if (!snap) return;
    const room = SNAPSHOT_LIMIT - this.snapshotRows;
    const n = Math.min(room, rows.length);
    for (let i = 0; i < n; i++) snap.rows.push(rows[i]!);
    this.snapshotRows += n;
    if (n < rows.length) this.snapshotTruncated = true;
  }
}
