// The engine side of a source: decodes raw records into typed rows, routes bad records to the
// dead-letter output (or counts them per reason), stamps provenance, and advances the source's
// watermark (largest event time seen minus the declared delay) after each batch.

import type { Row } from '../catalog/types.js';
import type { Column } from '../catalog/catalog.js';
import type { SourceNode } from '../plan/physical.js';
import type { SideOutput, SourceReader, SourceRecord } from '../connectors/connector.js';
import { compileSourceDecoder, type RecordDecoder } from '../connectors/format/decode.js';
import type { RecordRef } from './operator.js';
import { sourceWatermark } from './time.js';
import type { SourceMetrics } from './metrics.js';

export interface DeadLetterInfo {
  readonly source: string;
  readonly reason: string;
  readonly position: Readonly<Record<string, string | number>>;
  readonly raw: string;
}

export class SourceRuntime {
  readonly node: SourceNode;
  readonly metrics: SourceMetrics;
  private decode: RecordDecoder | undefined;
  private readonly columns: readonly Column[];
  private readonly eventTime: string | undefined;
  private readonly deadLetter: SideOutput | undefined;
  private readonly onDead: ((d: DeadLetterInfo) => void) | undefined;
  private readonly tsIndex: number;
  private readonly delay: number;
  private readonly ref: number | undefined;
  private seq = 0;
  private maxTs = Number.NEGATIVE_INFINITY;
  /** Dead letters without a dead_letter output: count and first position per reason. */
  readonly skipped = new Map<string, { count: number; first: string }>();

  constructor(node: SourceNode, deadLetter: SideOutput | undefined, onDead?: (d: DeadLetterInfo) => void) {
    this.node = node;
    this.columns = node.schema.filter((c) => !c.hidden);
    this.eventTime = node.watermark ? node.schema[node.watermark.column]!.name : undefined;
    this.deadLetter = deadLetter;
    this.onDead = onDead;
    this.tsIndex = node.watermark?.column ?? -1;
    this.delay = node.watermark?.delayMicros ?? 0;
    this.ref = node.refColumn;
    this.metrics = { name: node.source.name, recordsIn: 0, deadLetters: 0, late: 0, watermark: Number.NEGATIVE_INFINITY, maxEventTime: Number.NEGATIVE_INFINITY, ended: false };
  }

  /** Bind the reader, whose format (a CSV header) may decide how records decode. */
  attach(reader: SourceReader): void {
    this.decode = compileSourceDecoder(reader, this.columns, this.eventTime);
  }

  /** Decode a batch; returns the admitted rows. Hot path. */
  decodeBatch(records: readonly SourceRecord[]): Row[] {
    const decode = this.decode!;
    const rows: Row[] = [];
    const ts = this.tsIndex;
    let maxTs = this.maxTs;
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      const r = decode(rec.value);
      if ('error' in r) {
        this.dead(rec, r.error);
        continue;
      }
      const row = r.row;
      if (this.ref !== undefined) {
        const ref: RecordRef = { source: this.node.source.name, seq: this.seq, position: rec.position, raw: typeof rec.value === 'string' ? rec.value : JSON.stringify(rec.value) };
        row.push(ref as unknown as Row[number]);
      }
      this.seq++;
      if (ts >= 0) {
        const t = row[ts] as number;
        if (t > maxTs) maxTs = t;
      }
      rows.push(row);
    }
    this.maxTs = maxTs;
    this.metrics.recordsIn += records.length;
    this.metrics.maxEventTime = maxTs;
    return rows;
  }

  /** The watermark after the last batch, if it advanced. */
  advanceWatermark(): number | undefined {
    if (this.tsIndex < 0 || this.maxTs === Number.NEGATIVE_INFINITY) return undefined;
    const wm = sourceWatermark(this.maxTs, this.delay);
    if (wm > this.metrics.watermark) {
      this.metrics.watermark = wm;
      return wm;
    }
    return undefined;
  }

  private dead(rec: SourceRecord, reason: string): void {
    this.metrics.deadLetters++;
    const raw = typeof rec.value === 'string' ? rec.value : JSON.stringify(rec.value);
    const info: DeadLetterInfo = { source: this.node.source.name, reason, position: rec.position, raw };
    this.onDead?.(info);
    if (this.deadLetter) {
      this.deadLetter.write({ source: info.source, reason, position: rec.position, raw });
      return;
    }
    const key = reasonClass(reason);
    const s = this.skipped.get(key);
    if (s) s.count++;
    else this.skipped.set(key, { count: 1, first: positionText(rec.position) });
  }
}

/** `column 'value': expected DOUBLE, got "abc"` -> `column 'value': expected DOUBLE`. */
export function reasonClass(reason: string): string {
  const cut = reason.search(/, got |: Unexpected|: Expected|: Bad |: Unterminated|: JSON/);
  return cut > 0 ? reason.slice(0, cut) : reason;
}

export function positionText(p: Readonly<Record<string, string | number>>): string {
  if (p['file'] !== undefined) return `${p['file']}:${p['line'] ?? '?'}`;
  if (p['partition'] !== undefined) return `partition ${p['partition']} offset ${p['offset']}`;
  if (p['index'] !== undefined) return `record ${p['index']}`;
  return JSON.stringify(p);
}
