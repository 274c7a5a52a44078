// Runs one case: the job's plan as a fresh Job whose sources are in-memory readers fed in the
// case's arrival order and whose sinks and side outputs are collected in memory (nothing is
// written), to the end of the inputs. Returns what each output received, in the form its
// file would hold (JSON values, timestamps as ISO-8601), for comparing with the expectations.

import type { Row } from '../catalog/types.js';
import type { Op } from '../catalog/batch.js';
import { OP_LABEL } from '../catalog/batch.js';
import { formatTimestamp } from '../catalog/timestamp.js';
import type { SinkWriter } from '../connectors/connector.js';
import { compileEncoder } from '../connectors/format/encode.js';
import { Job } from '../exec/job.js';
import { positionText } from '../exec/source-runtime.js';
import { Arrival, InMemoryReader } from './reader.js';
import { isKafkaSource } from './load-inputs.js';
import { isKafkaSink } from './outputs.js';
import { sinkKey } from '../connectors/kafka/sink.js';
import { compileKeyEncoder } from '../connectors/kafka/sink-messages.js';
import { streamKey } from '../plan/stream-key.js';
import type { SourceInput, TestCase, TestFile } from './model.js';

/** A row as its output holds it: field -> JSON value; `op` for changelog outputs. */
export interface ActualRow {
  readonly values: Readonly<Record<string, unknown>>;
  readonly op: Op;
}

export interface CaseRun {
  /** Output target (`agg`, `raw.late`, `raw.dead_letter`) -> rows in the order written. */
  readonly outputs: ReadonlyMap<string, ActualRow[]>;
  readonly notes: readonly string[];
  readonly ms: number;
}

export async function runCase(tf: TestFile, c: TestCase, signal?: AbortSignal): Promise<CaseRun> {
  const t0 = performance.now();
  const outputs = new Map<string, ActualRow[]>();
  const out = (target: string): ActualRow[] => {
    let l = outputs.get(target);
    if (!l) outputs.set(target, (l = []));
    return l;
  };
  const sourceNames: string[] = [];
  for (const n of tf.plan.nodes) if (n.kind === 'source') sourceNames.push(n.source.name);
  for (const s of sourceNames) {
    out(`${s}.late`);
    out(`${s}.dead_letter`);
  }
  const arrival = new Arrival(c.inputs, c.arrival);
  const job = new Job(tf.plan, {
    sideOutputs: false,
    name: tf.script.file,
    ...(signal ? { signal } : {}),
    hooks: {
      sourceReader(node) {
        const input: SourceInput = c.inputs.find((i) => i.source === node.source.name) ?? { source: node.source.name, entries: [] };
        return new InMemoryReader(node.source, input, arrival, isKafkaSource(node), node.watermark?.delayMicros ?? 0);
      },
      sinkWriter(node, columns, changelog) {
        const rows = out(node.sink.name);
        const encode = compileEncoder(columns, false);
        // A Kafka sink's message key, as the sink computes it (its `key` option, else the query's group key).
        const key = isKafkaSink(node) ? compileKeyEncoder(columns, sinkKey(node.sink, columns, changelog, streamKey(tf.plan, node.id))) : undefined;
        const writer: SinkWriter = {
          write(batch) {
            for (let i = 0; i < batch.rows.length; i++) {
              const row = batch.rows[i]!;
              const values = JSON.parse(encode(row, 0)) as Record<string, unknown>;
              if (key) values['_key'] = key(row);
              rows.push({ values, op: changelog && batch.ops ? batch.ops[i]! : (0 as Op) });
            }
          },
          flush: async () => {},
          close: async () => {},
        };
        return writer;
      },
      onLate(e) {
        const source = e.ref?.source ?? (sourceNames.length === 1 ? sourceNames[0]! : undefined);
        if (source === undefined) return;
        out(`${source}.late`).push({
          op: 0,
          values: {
            source,
            reason: e.reason,
            event_time: formatTimestamp(e.eventTime),
            watermark: Number.isFinite(e.watermark) ? formatTimestamp(e.watermark) : null,
            ...(e.windowStart !== undefined ? { window_start: formatTimestamp(e.windowStart) } : {}),
            position: e.ref?.position ?? null,
            at: e.ref ? positionText(e.ref.position) : null,
            raw: e.ref?.raw ?? null,
          },
        });
      },
      onDeadLetter(d) {
        out(`${d.source}.dead_letter`).push({ op: 0, values: { source: d.source, reason: d.reason, position: d.position, at: positionText(d.position), raw: d.raw } });
      },
    },
  });
  const summary = await job.run();
  return { outputs, notes: summary.notes, ms: performance.now() - t0 };
}

/** `+I` ... for display. */
export function opLabel(op: Op): string {
  return OP_LABEL[op];
}

export type { Row };
