// The parsed form of a test file (JOB.test.yaml / .test.json): its job, its cases with their
// inputs per source and expected rows per output, and the raw `generate:` section (read by the
// generated-stream tests, ignored by fixture cases). Every part keeps its YAML range for messages.

import type { Document, LineCounter, Node } from 'yaml';
import type { PhysicalPlan } from '../plan/physical.js';
import type { LoadedScript } from '../cli/load.js';
import type { SinkDef } from '../catalog/catalog.js';
import type { Op } from '../catalog/batch.js';

/** [start, end) offsets in the file that holds the item. */
export type Range = readonly [number, number];

/** Where an input record is shown to come from: the test file's line, or a data file's. */
export interface Origin {
  readonly file: string;
  readonly line: number;
}

/** One entry of a source's input list, in arrival order. */
export type InputEntry =
  | {
      readonly kind: 'row';
      /** The record's value text (JSON, or a CSV line for a CSV source); null: a Kafka message without a value. */
      readonly text: string | null;
      /** Kafka-shaped sources: message key (text), headers, partition, record timestamp (epoch ms). */
      readonly key?: string | null;
      readonly headers?: Readonly<Record<string, string>>;
      readonly partition?: number;
      readonly timestamp?: number;
      readonly origin: Origin;
    }
  | { readonly kind: 'watermark'; readonly micros: number; readonly partition?: number; readonly origin: Origin }
  | { readonly kind: 'idle'; readonly partition?: number; readonly origin: Origin };

export interface SourceInput {
  readonly source: string;
  readonly entries: readonly InputEntry[];
  /** CSV inputs: the header the lines' fields follow. */
  readonly csvHeader?: readonly string[];
}

/** What an output is checked for. `sink`: a job's sink; `late` / `dead_letter`: a source's side output. */
export type OutputKind = 'sink' | 'late' | 'dead_letter';

export interface ExpectedRow {
  /** Column (or side-output field) -> expected value or matcher (see match.ts), as parsed. */
  readonly values: ReadonlyMap<string, unknown>;
  /** Changelog expectations: the row's `op`. */
  readonly op?: Op;
  readonly range: Range;
  /** The YAML node (inline rows), kept by --update for rows that matched. */
  readonly node?: Node;
}

export interface Expectation {
  /** As written: `agg`, `raw.late`, `raw.dead_letter`. */
  readonly target: string;
  readonly kind: OutputKind;
  /** The sink's name, or the source's for a side output. */
  readonly name: string;
  readonly rows: readonly ExpectedRow[];
  /** True when the rows carry `op`: the whole changelog is compared, not the final view. */
  readonly changelog: boolean;
  /** The rows come from this file (JSON lines or CSV), resolved; else they are inline. */
  readonly file?: string;
  /** The expectation's value node (the list, or the file path scalar) and its key's range. */
  readonly node: Node;
  readonly keyRange: Range;
}

export interface TestCase {
  readonly name: string;
  readonly index: number;
  readonly inputs: readonly SourceInput[];
  readonly expect: readonly Expectation[];
  readonly ordered: boolean;
  /** `arrival:` expanded: the source of each entry in the order they arrive; absent: round-robin turns. */
  readonly arrival?: readonly string[];
  readonly range: Range;
}

export interface TestFile {
  readonly path: string;
  readonly text: string;
  readonly format: 'yaml' | 'json';
  readonly doc: Document;
  readonly lines: LineCounter;
  readonly script: LoadedScript;
  readonly sinks: readonly SinkDef[];
  /** The job planned once (with provenance, so late rows name their record); each case runs it afresh. */
  readonly plan: PhysicalPlan;
  readonly cases: readonly TestCase[];
  /** The `generate:` section as written (value and node, for positions), when present. */
  readonly generate?: { readonly value: unknown; readonly node: Node };
}
