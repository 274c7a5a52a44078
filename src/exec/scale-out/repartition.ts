// Grouping by something other than the message key: rows of one group arrive on every
// partition, so a task per input partition cannot hold a group's state. The plan is cut in two
// stages at the stateful operator: stage 1 (the stateless prefix: source, filters,
// projections, one task per input partition) writes each row to the internal topic
// `<group>-repartition`, keyed by the operator's group key, so that every row of a group lands
// on the same partition; stage 2 (the operator and what follows, one task per repartition
// partition) reads it as its source. Both commit in Kafka transactions (stage 2 reads
// read-committed), and stage 1's rows are numbered, so the cut keeps exactly-once: stage 1
// sends its rows to the repartition topic at least once, outside its transaction and before
// it (a stage-1 task taken over re-sends from its last snapshot, and its old owner may still
// send what it had), each row tagged `<stage-1 partition>:<row number>`; stage 1 is
// deterministic, so a number always names the same row, and stage 2 drops a row whose number
// it has seen (per stage-1 partition, the numbers arrive in order from each sender).
// Watermarks cross the cut as marks: at each of its checkpoints a stage-1 task appends to every
// repartition partition a mark `<its partition>:<its watermark>` after its rows; a stage-2
// task's watermark is the minimum over the marks of all stage-1 partitions, which is the
// single-process watermark (the minimum over the input's partitions). A stage-1 task that read
// its bounded input to the end marks END_OF_TIME; a stage-2 task ends when every stage-1
// partition has.

import type { Column } from '../../catalog/catalog.js';
import type { Row } from '../../catalog/types.js';
import type { SinkPosition, SinkWriter } from '../../connectors/connector.js';
import { ConnectorError } from '../../connectors/connector.js';
import { compileEncoder } from '../../connectors/format/encode.js';
import { compileExpr } from '../../expr/compile.js';
import type { BoundExpr } from '../../expr/bound.js';
import type { PhysicalNode, PhysicalPlan, SinkNode, SourceNode } from '../../plan/physical.js';
import { Op, type Batch } from '../operator.js';
import { statefulKeying } from './partitioning.js';
import { TaskSideOutputs, type TaskTransaction } from './task-output.js';
import { type SideCarrier, TXN_CHECKPOINT_BYTES } from '../../connectors/kafka/engine.js';
import type { OutMessage } from '../../connectors/kafka/port.js';

/** The header of a watermark mark in a repartition topic: `<stage-1 partition>:<watermark>`. */
export const MARK_HEADER = 'sluice-mark';
/** The header of a row in a repartition topic: `<stage-1 partition>:<row number>`. */
export const ROW_HEADER = 'sluice-row';
/** The name of stage 1's sink (into the repartition topic). */
export const REPARTITION_SINK = '$repartition';

export function repartitionTopic(group: string): string {
  return `${group}-repartition`;
}

export interface Stages {
  readonly first: PhysicalPlan;
  readonly second: PhysicalPlan;
  /** The operator the plan was cut at (its id in the original plan), and its key. */
  readonly operator: number;
  readonly keys: readonly BoundExpr[];
}

const STATELESS = new Set<PhysicalNode['kind']>(['source', 'filter', 'project', 'windowExpand']);

/**
 * The two stages of a plan whose first stateful operator is not partition-local, or undefined
 * when every one is (no repartition). Throws ConnectorError for plans it cannot cut.
 */
export function splitForRepartition(plan: PhysicalPlan, topic: string, group: string): Stages | undefined {
  const keying = statefulKeying(plan);
  const cut = keying.find((k) => !k.partitionLocal);
  if (cut === undefined) return undefined;
  const op = plan.nodes[cut.node]!;
  if (op.kind !== 'windowAgg' && op.kind !== 'sessionAgg' && op.kind !== 'groupAgg' && op.kind !== 'lag' && op.kind !== 'overWindow') throw new Error(`unexpected stateful node ${op.kind}`);
  const hint = 'run it without --scale-out, or split it into two jobs joined by a topic';
  // Topological order: every node before the cut must feed it, every node after must follow it.
  const feeds = new Set<number>();
  const mark = (i: number): void => {
    if (feeds.has(i)) return;
    feeds.add(i);
    for (const j of plan.nodes[i]!.inputs) mark(j);
  };
  mark(op.inputs[0]!);
  for (let i = 0; i < op.id; i++) {
    const n = plan.nodes[i]!;
    if (!feeds.has(i)) throw new ConnectorError(`a scaled-out job that repartitions must be one pipeline through operator ${op.id} (${op.kind}), and node ${i} (${n.kind}) is not part of it`, undefined, hint);
    if (!STATELESS.has(n.kind)) throw new ConnectorError(`a scaled-out job repartitions once, before its first stateful operator, and node ${i} (${n.kind}) keeps state before operator ${op.id}`, undefined, hint);
  }
  const follows = new Set<number>([op.id]);
  for (let i = op.id + 1; i < plan.nodes.length; i++) {
    const n = plan.nodes[i]!;
    if (!n.inputs.some((j) => follows.has(j))) throw new ConnectorError(`a scaled-out job that repartitions must be one pipeline through operator ${op.id} (${op.kind}), and node ${i} (${n.kind}) does not follow it`, undefined, hint);
    if (!STATELESS.has(n.kind) && n.kind !== 'sink') throw new ConnectorError(`a scaled-out job repartitions once, and operator ${i} (${n.kind}) keeps state after operator ${op.id} (${op.kind}), by another key`, undefined, hint);
    follows.add(i);
  }
  const sources = plan.nodes.filter((n): n is SourceNode => n.kind === 'source');
  if (sources.length !== 1) throw new ConnectorError(`a scaled-out job that repartitions reads one source, and this one reads ${sources.length}`, undefined, hint);
  const source = sources[0]!;
  const input = plan.nodes[op.inputs[0]!]!;
  const anySink = plan.nodes.find((n): n is SinkNode => n.kind === 'sink')!;

  const sink: SinkNode = {
    kind: 'sink',
    id: op.id,
    inputs: [input.id],
    schema: input.schema,
    timeColumn: input.timeColumn,
    appendOnly: true,
    state: [],
    sink: { ...anySink.sink, name: REPARTITION_SINK, options: { connector: 'kafka', topic } },
  };
  const first: PhysicalPlan = { nodes: [...plan.nodes.slice(0, op.id), sink], sinks: [op.id] };

  const timeInput = op.kind === 'groupAgg' ? undefined : op.timeInput;
  const { bounded: _b, startup: _s, rate: _r, dead_letter: _d, late: _l, group: _g, idle_timeout: _i, ...client } = source.source.options;
  const internal: SourceNode = {
    kind: 'source',
    id: 0,
    inputs: [],
    schema: input.schema,
    timeColumn: timeInput,
    appendOnly: true,
    state: [],
    source: { ...source.source, columns: input.schema.map((c): Column => ({ ...c, key: false })), options: { ...client, connector: 'kafka', topic, group } },
    watermark: timeInput === undefined ? undefined : { column: timeInput, delayMicros: 0, fromMarkers: true },
    refColumn: undefined,
  };
  const shift = (i: number): number => i - op.id + 1;
  const rest = plan.nodes.slice(op.id).map((n) => ({ ...n, id: shift(n.id), inputs: n.id === op.id ? [0] : n.inputs.map(shift) }) as PhysicalNode);
  const second: PhysicalPlan = { nodes: [internal, ...rest], sinks: plan.sinks.map(shift) };
  return { first, second, operator: op.id, keys: op.kind === 'lag' || op.kind === 'overWindow' ? op.partitionBy : op.keys };
}

/**
 * Stage 1's sink: each row to the repartition topic keyed by the group key (the producer's
 * partitioner hashes it), and at each checkpoint the task's watermark mark to every partition.
 */
export class RepartitionWriter implements SinkWriter, SideCarrier {
  private readonly encode: (row: Row, op: Op) => string;
  private readonly side = new TaskSideOutputs();
  private readonly keyOf: ReadonlyArray<(row: Row) => unknown>;
  private current: OutMessage[] = [];
  private bytes = 0;
  private lastMark = Number.NEGATIVE_INFINITY;
  /** Rows written so far by this stage-1 partition, over all its owners (kept in its snapshots). */
  private rows: number;

  constructor(
    private readonly txn: TaskTransaction,
    readonly topic: string,
    private readonly partitions: number,
    private readonly upstream: number,
    columns: readonly Column[],
    keys: readonly BoundExpr[],
    private readonly watermark: () => number,
    resume: SinkPosition | undefined,
  ) {
    this.encode = compileEncoder(columns, false);
    this.keyOf = keys.map((k) => compileExpr(k));
    this.rows = typeof resume?.['rows'] === 'number' ? resume['rows'] : 0;
  }

  write(batch: Batch): void {
    const q = this.upstream;
    for (const row of batch.rows) {
      const key = JSON.stringify(this.keyOf.map((f) => f(row)));
      const value = this.encode(row, Op.Insert);
      this.bytes += key.length + value.length;
      this.current.push({ key, value, headers: { [ROW_HEADER]: `${q}:${this.rows++}` } });
    }
  }

  /** The rows wait for the task's next checkpoint: past TXN_CHECKPOINT_BYTES the task checkpoints early (as a sink's transaction). */
  checkpointWanted(): boolean {
    return this.bytes > TXN_CHECKPOINT_BYTES;
  }

  prepareCheckpoint(): SinkPosition {
    const wm = this.watermark();
    if (wm > this.lastMark) {
      this.lastMark = wm;
      const header = `${this.upstream}:${wm}`;
      for (let p = 0; p < this.partitions; p++) this.current.push({ partition: p, key: null, value: '', headers: { [MARK_HEADER]: header } });
    }
    this.txn.sealOutside(this.topic, this.current);
    this.current = [];
    // The source's dead letters and late records go in the task's transaction, not outside with the rows.
    this.side.sealInto(this.txn);
    this.bytes = 0;
    return { rows: this.rows };
  }

  writeSide(topic: string, message: OutMessage): void {
    this.side.write(topic, message);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}
}
