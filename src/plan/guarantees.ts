// Each output's delivery guarantee in a job (every sink, every dead-letter and late output), for
// EXPLAIN, the start-up line and the runner, and the rule for side outputs: a source's Kafka
// side outputs join the transaction of the first exactly-once Kafka sink it feeds (in the order
// the sinks are declared) on its brokers; with none they are at least once. File side outputs
// are cut back to their checkpointed length on restore, as file sinks are.

import type { SourceDef } from '../catalog/catalog.js';
import { guaranteeText, type Guarantee, type SinkContext } from '../connectors/connector.js';
import { fileGuarantee } from '../connectors/file/line-writer.js';
import { sinkConnector, sourceConnector } from '../connectors/registry.js';
import type { PhysicalPlan, SinkNode, SourceNode } from './physical.js';

/** What the guarantees depend on besides the plan. */
export interface GuaranteeContext {
  /** The job's name (the .sql file's). */
  readonly job: string;
  /** Whether the job takes checkpoints (`sluice run` does). */
  readonly checkpoints: boolean;
}

export type SideKind = 'dead_letter' | 'late';

export interface OutputGuarantee {
  /** The sink's node, or the source's for its side outputs. */
  readonly node: number;
  readonly output: 'sink' | SideKind;
  /** `agg → kafka agg-out`, `ev dead letters → kafka ev.dlq`. */
  readonly label: string;
  readonly guarantee: Guarantee;
}

/** The sources upstream of node `id`, each once. */
export function upstreamSources(plan: PhysicalPlan, id: number): SourceDef[] {
  const n = plan.nodes[id]!;
  if (n.kind === 'source') return [n.source];
  return [...new Set(n.inputs.flatMap((i) => upstreamSources(plan, i)))];
}

/** What sink `id`'s connector is told about the job: its sources, and the sinks declared before it. */
export function sinkContext(plan: PhysicalPlan, id: number, context: GuaranteeContext): SinkContext {
  const earlier: Array<{ def: SinkNode['sink']; sources: SourceDef[] }> = [];
  for (const other of plan.sinks) {
    if (other === id) break;
    const node = plan.nodes[other];
    if (node?.kind === 'sink') earlier.push({ def: node.sink, sources: upstreamSources(plan, other) });
  }
  return { job: context.job, sources: upstreamSources(plan, id), checkpoints: context.checkpoints, earlier };
}

function sinkConnectorOf(node: SinkNode) {
  const conn = sinkConnector(node.sink.options['connector'] ?? 'stdout');
  if (!conn) throw new Error(`unknown sink connector '${node.sink.options['connector']}'`);
  return conn;
}

export function sinkGuarantee(plan: PhysicalPlan, node: SinkNode, context: GuaranteeContext): Guarantee {
  return sinkConnectorOf(node).guarantee(node.sink, sinkContext(plan, node.id, context));
}

/** True when the source writes its side outputs through its connector (Kafka: topics), not to files. */
export function connectorSideOutputs(source: SourceDef): boolean {
  return sourceConnector(source.options['connector'] ?? '')?.sideOutput !== undefined;
}

/** Where a source's `dead_letter` / `late` output goes: `kafka ev.dlq`, `file bad.jsonl`; undefined when not declared. */
export function sideTarget(source: SourceDef, kind: SideKind): string | undefined {
  const target = source.options[kind];
  if (target === undefined) return undefined;
  return connectorSideOutputs(source) ? `${source.options['connector']} ${target}` : `file ${target}`;
}

/** The sink whose transaction carries `source`'s side outputs: the first declared that can. */
export function sideTransaction(plan: PhysicalPlan, source: SourceNode, context: GuaranteeContext): SinkNode | undefined {
  if (!context.checkpoints || !connectorSideOutputs(source.source)) return undefined;
  for (const id of plan.sinks) {
    const node = plan.nodes[id];
    if (node?.kind !== 'sink' || !upstreamSources(plan, id).some((s) => s.name === source.source.name)) continue;
    if (sinkConnectorOf(node).carriesSideOutputs?.(node.sink, sinkContext(plan, id, context), source.source)) return node;
  }
  return undefined;
}

/** The guarantee of one side output of `source`. */
export function sideGuarantee(plan: PhysicalPlan, source: SourceNode, context: GuaranteeContext): Guarantee {
  if (!connectorSideOutputs(source.source)) return fileGuarantee(context.checkpoints);
  const carrier = sideTransaction(plan, source, context);
  return carrier ? { level: 'exactly_once', how: `Kafka transaction of sink ${carrier.sink.name}` } : { level: 'at_least_once' };
}

/** Each sink in declared order, then each declared side output in source order. */
export function outputGuarantees(plan: PhysicalPlan, context: GuaranteeContext): OutputGuarantee[] {
  const out: OutputGuarantee[] = [];
  for (const id of plan.sinks) {
    const node = plan.nodes[id];
    if (node?.kind !== 'sink') continue;
    const o = node.sink.options;
    const where = o['path'] ?? o['topic'];
    out.push({ node: id, output: 'sink', label: `${node.sink.name} → ${o['connector'] ?? 'stdout'}${where ? ` ${where}` : ''}`, guarantee: sinkGuarantee(plan, node, context) });
  }
  for (const node of plan.nodes) {
    if (node.kind !== 'source') continue;
    for (const kind of ['dead_letter', 'late'] as const) {
      const where = sideTarget(node.source, kind);
      if (where === undefined) continue;
      out.push({ node: node.id, output: kind, label: `${node.source.name} ${SIDE_NAMES[kind]} → ${where}`, guarantee: sideGuarantee(plan, node, context) });
    }
  }
  return out;
}

const SIDE_NAMES: Record<SideKind, string> = { dead_letter: 'dead letters', late: 'late rows' };

/** `agg → kafka out: exactly once (Kafka transaction)`. */
export function describeOutput(o: OutputGuarantee): string {
  return `${o.label}: ${guaranteeText(o.guarantee)}`;
}
