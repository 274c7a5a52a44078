// The outputs a case can check and the fields of their rows: a sink's columns (every one must
// be given; a Kafka sink's rows may give their message key, `_key`), and a source's side outputs `SOURCE.late` / `SOURCE.dead_letter` with the fields
// their JSON-lines files have (only the fields given are compared).

import type { PhysicalPlan, SinkNode } from '../plan/physical.js';
import { fieldType, type FieldType } from './match.js';
import type { OutputKind } from './model.js';

export interface OutputShape {
  readonly kind: OutputKind;
  readonly name: string;
  readonly fields: ReadonlyMap<string, FieldType>;
  /** The fields every expected row must give: a sink's columns (not a Kafka sink's `_key`); none of a side output's. */
  readonly required: readonly string[];
}

const OTHER: FieldType = { kind: 'other' };
const TS: FieldType = { kind: 'timestamp' };
const OBJECT: FieldType = { kind: 'object' };

export const LATE_FIELDS: ReadonlyMap<string, FieldType> = new Map([
  ['source', OTHER],
  ['reason', OTHER],
  ['event_time', TS],
  ['watermark', TS],
  ['window_start', TS],
  ['position', OBJECT],
  ['at', OTHER],
  ['raw', OTHER],
]);

export const DEAD_LETTER_FIELDS: ReadonlyMap<string, FieldType> = new Map([
  ['source', OTHER],
  ['reason', OTHER],
  ['position', OBJECT],
  ['at', OTHER],
  ['raw', OTHER],
]);

export function sinkNodes(plan: PhysicalPlan): Map<string, SinkNode> {
  const m = new Map<string, SinkNode>();
  for (const n of plan.nodes) if (n.kind === 'sink') m.set(n.sink.name, n);
  return m;
}

/** A Kafka sink's rows may also be checked for their message key, `_key`, as the sink writes it. */
export function isKafkaSink(node: SinkNode): boolean {
  return node.sink.options['connector'] === 'kafka';
}

export function sinkShape(node: SinkNode): OutputShape {
  const fields = new Map(node.schema.filter((c) => !c.hidden).map((c) => [c.name, fieldType(c.type)] as const));
  const required = [...fields.keys()];
  if (isKafkaSink(node) && !fields.has('_key')) fields.set('_key', OTHER);
  return { kind: 'sink', name: node.sink.name, fields, required };
}

/** `agg` | `raw.late` | `raw.dead_letter` -> what it names, or undefined. */
export function splitTarget(target: string): { kind: OutputKind; name: string } {
  const m = /^(.*)\.(late|dead_letter)$/.exec(target);
  return m ? { kind: m[2] as OutputKind, name: m[1]! } : { kind: 'sink', name: target };
}

export function sideShape(kind: 'late' | 'dead_letter', source: string): OutputShape {
  return { kind, name: source, fields: kind === 'late' ? LATE_FIELDS : DEAD_LETTER_FIELDS, required: [] };
}
