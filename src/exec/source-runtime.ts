// The engine side of a source: decodes raw records into typed rows, routes bad records to the
// dead-letter output (or counts them per reason), stamps provenance, and advances the source's
// watermark (largest event time seen minus the declared delay) after each batch. Its counters
// and largest event time are part of a checkpoint (saveState/restoreState).

import { startupMark } from '../util/startup-marks.js';
import type { Row } from '../catalog/types.js';
import type { Column } from '../catalog/catalog.js';
import type { SourceNode } from '../plan/physical.js';
import { BLANK, DecodeError, type SideOutput, type SourceReader, type SourceRecord } from '../connectors/connector.js';
import { compileSourceDecoder, type RecordDecoder } from '../connectors/format/decode.js';
import type { RecordRef } from './operator.js';
import { PartitionWatermarks, sourceWatermark } from './time.js';
import type { SourceMetrics } from './metrics.js';

export interface DeadLetterInfo {
  readonly source: string;
  readonly reason: string;
  readonly position: Readonly<Record<string, string | number>>;
  readonly raw: string;
}

export interface SourceRuntimeState {
  readonly seq: number;
  readonly maxTs: number;
  readonly recordsIn: number;
  readonly deadLetters: number;
  /** Absent in checkpoints written before blank records were counted. */
  readonly blank?: number;
  readonly late: number;
  readonly watermark: number;
  readonly maxEventTime: number;
  readonly skipped: ReadonlyArray<[string, { count: number; first: string }]>;
  /** Partitioned readers (Kafka): each partition's watermark, so a restore holds the same minimum. */
  readonly partitions?: { marks: Array<[number, number]>; combined: number; records?: Array<[number, number]> };
}

/** Rows, then the watermark after them (undefined when it did not move). */
export interface Segment {
  rows: Row[];
  watermark: number | undefined;
  /** A per-row source (perRow): the watermark after each row (Batch.marks); the batch is not cut. */
  marks?: number[];
}

/**
 * A batch's rows cut where the watermark crosses a multiple of `step` (watermark-steps.ts), the
 * one rule for plain and partitioned sources; they differ in where the watermark comes from.
 */
/** Rows a segment is sized for up front at most (a batch of a million file lines grows past it). */
const MAX_PRESIZE = 1 << 16;

export class Segmenter {
  /** The rows of the open segment: its first `n` slots (sized for every record still to come). */
  private rows: Row[];
  private n = 0;
  private readonly out: Segment[] = [];
  private bucket: number;
  /** After finish(): whether the batch's watermark moved past the last cut. */
  moved = false;

  constructor(
    private readonly step: number | undefined,
    /** The watermark as of the last cut (the batch's start, at first). */
    private wm: number,
    /** Records of the batch still to come: a row per record at most. */
    private left: number,
  ) {
    this.bucket = step === undefined ? 0 : Math.floor(wm / step);
    // WHY sized up front: pushed one by one, a 4096-row array grew (and was copied) a dozen
    // times per batch, a tenth of the source's bytes allocated per record in bench:kafka.
    this.rows = new Array<Row>(Math.min(left, MAX_PRESIZE));
  }

  /** The next record: its row, or undefined when it gave none (dead-lettered, a mark). */
  add(row: Row | undefined): void {
    this.left--;
    if (row !== undefined) this.rows[this.n++] = row;
  }

  /** The watermark moved to `w`: the rows so far close a segment if it entered a later step. */
  cut(w: number): void {
    const b = Math.floor(w / this.step!);
    if (b <= this.bucket) return;
    this.bucket = b;
    this.wm = w;
    const n = this.n;
    this.out.push({ rows: this.close(), watermark: w });
    // Sized as the segment before it (twice over) at most: where cuts come every few rows, not
    // an array of every record still to come per cut (past its size an array grows as it would).
    this.rows = new Array<Row>(Math.min(this.left, 2 * n + 16));
  }

  /** The open segment's rows, the array cut to them (V8 trims it in place). */
  private close(): Row[] {
    const rows = this.rows;
    rows.length = this.n;
    this.n = 0;
    return rows;
  }

  /** The segments, the rest ending with the batch's watermark `last` when it moved past the last cut. */
  finish(last: number | undefined): Segment[] {
    const moved = (this.moved = last !== undefined && last > this.wm);
    if (this.n > 0 || moved) this.out.push({ rows: this.close(), watermark: moved ? last : undefined });
    return this.out;
  }
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
  /** A table's `$deleted` column: set on every row, true for a tombstone. */
  private readonly deleted: number | undefined;
  /** The watermark comes from upstream marks in the input (a repartition topic), not from rows. */
  private readonly fromMarkers: boolean;
  private seq = 0;
  /** The attached reader (its position() goes into checkpoints). */
  reader: SourceReader | undefined;
  /** Watermark step at which batches are cut (see watermark-steps.ts); undefined: never cut. */
  step: number | undefined;
  /** Cut nowhere: each segment carries the watermark after each row instead (watermark-steps.ts: perRowSources). Plain readers only. */
  perRow = false;
  private maxTs = Number.NEGATIVE_INFINITY;
  /** Partitioned readers with an event time: the per-partition watermarks (exec/time.ts). */
  private partitions: PartitionWatermarks | undefined;
  /** Records read per partition (metrics only). */
  private readonly partitionRecords = new Map<number, number>();
  /** Dead letters per reason class: count and first position, for the end-of-run report. */
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
    this.deleted = node.deletedColumn;
    this.fromMarkers = node.watermark?.fromMarkers === true;
    // `partitions` is a getter: built when the metrics are read, never on the hot path.
    const self = this;
    this.metrics = {
      name: node.source.name,
      recordsIn: 0,
      deadLetters: 0,
      late: 0,
      watermark: Number.NEGATIVE_INFINITY,
      maxEventTime: Number.NEGATIVE_INFINITY,
      ended: false,
      get partitions() {
        return self.partitions?.snapshot(self.partitionRecords, self.reader?.backlog?.());
      },
    };
  }

  /** What a checkpoint keeps: counters, the largest event time, the dead-letter report. */
  saveState(): SourceRuntimeState {
    const { recordsIn, deadLetters, blank, late, watermark, maxEventTime } = this.metrics;
    return { seq: this.seq, maxTs: this.maxTs, recordsIn, deadLetters, blank, late, watermark, maxEventTime, skipped: [...this.skipped], ...(this.partitions ? { partitions: { ...this.partitions.save(), records: [...this.partitionRecords] } } : {}) };
  }

  restoreState(s: SourceRuntimeState): void {
    this.seq = s.seq;
    this.maxTs = s.maxTs;
    Object.assign(this.metrics, { recordsIn: s.recordsIn, deadLetters: s.deadLetters, ...(s.blank ? { blank: s.blank } : {}), late: s.late, watermark: s.watermark, maxEventTime: s.maxEventTime });
    this.skipped.clear();
    for (const [k, v] of s.skipped) this.skipped.set(k, v);
    if (s.partitions && this.partitions) this.partitions.restore(s.partitions);
    this.partitionRecords.clear();
    for (const [p, n] of s.partitions?.records ?? []) this.partitionRecords.set(p, n);
  }

  /** Bind the reader, whose format (a CSV header) may decide how records decode. */
  attach(reader: SourceReader): void {
    this.reader = reader;
    this.decode = compileSourceDecoder(reader, this.columns, this.eventTime);
    if (reader.watchPartitions && this.tsIndex >= 0) {
      const pw = new PartitionWatermarks(this.delay);
      this.partitions = pw;
      reader.watchPartitions({ assigned: (ps) => pw.assign(ps), idle: (p, idle) => pw.setIdle(p, idle, Date.now() * 1000) });
    }
  }

  /**
   * Decode a batch into segments: rows, then the watermark after them (undefined when it did
   * not move). A segment ends where the watermark crosses a multiple of `step`, so the rows
   * after that point see the windows it closed, exactly as if the watermark advanced after
   * every record. Hot path.
   */
  decodeBatch(records: readonly SourceRecord[]): Segment[] {
    if (this.metrics.firstReadAt === undefined && records.length > 0) {
      this.metrics.firstReadAt = Date.now();
      startupMark('first record');
    }
    if (this.partitions) return this.decodePartitioned(records, this.partitions);
    const decode = this.decode!;
    const seg = new Segmenter(this.step, this.metrics.watermark, records.length);
    const ts = this.tsIndex;
    const marks = this.perRow && ts >= 0 ? [] as number[] : undefined;
    const cuts = this.step !== undefined && marks === undefined;
    const delay = this.delay;
    const blank = this.metrics.blank ?? 0;
    let maxTs = this.maxTs;
    let wm = this.metrics.watermark;
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      // An upstream mark of a repartition topic whose rows carry no event time: nothing to do.
      if (rec.watermark !== undefined) {
        seg.add(undefined);
        continue;
      }
      const row = this.admit(rec, decode);
      seg.add(row);
      if (row === undefined) continue;
      if (ts >= 0) {
        const t = row[ts] as number;
        if (t > maxTs) {
          maxTs = t;
          if (cuts) seg.cut(sourceWatermark(maxTs, delay));
          else if (marks !== undefined) wm = Math.max(wm, sourceWatermark(maxTs, delay));
        }
        if (marks !== undefined) marks.push(wm);
      }
    }
    this.maxTs = maxTs;
    this.metrics.recordsIn += records.length - ((this.metrics.blank ?? 0) - blank);
    this.metrics.maxEventTime = maxTs;
    const segments = seg.finish(ts >= 0 && maxTs !== Number.NEGATIVE_INFINITY ? sourceWatermark(maxTs, delay) : undefined);
    if (marks !== undefined && segments.length === 1) segments[0]!.marks = marks;
    for (const sgm of segments) if (sgm.watermark !== undefined) this.metrics.watermark = Math.max(this.metrics.watermark, sgm.watermark);
    return segments;
  }

  /**
   * decodeBatch for a partitioned reader (Kafka): the watermark is the minimum over partitions
   * (PartitionWatermarks), cut into segments at `step` boundaries as above. An empty batch
   * (an idle notification or a clock tick while every partition is idle) can move it too.
   */
  private decodePartitioned(records: readonly SourceRecord[], pw: PartitionWatermarks): Segment[] {
    const decode = this.decode!;
    const seg = new Segmenter(this.step, this.metrics.watermark, records.length);
    const ts = this.tsIndex;
    const cuts = this.step !== undefined;
    let maxTs = this.maxTs;
    const counts = this.partitionRecords;
    const fromMarkers = this.fromMarkers;
    const blank = this.metrics.blank ?? 0;
    let marks = 0;
    // Rows per partition, counted in runs of one partition (a batch is usually one run).
    let runPart = -1;
    let run = 0;
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      const part = rec.partition ?? 0;
      let w: number | undefined;
      if (rec.watermark !== undefined) {
        marks++;
        seg.add(undefined);
        w = pw.observe(part, rec.watermark);
      } else {
        const r = this.admit(rec, decode);
        seg.add(r);
        if (r === undefined) continue;
        const t = r[ts] as number;
        if (t > maxTs) maxTs = t;
        if (part !== runPart) {
          if (run > 0) counts.set(runPart, (counts.get(runPart) ?? 0) + run);
          runPart = part;
          run = 0;
        }
        run++;
        if (fromMarkers) continue;
        w = pw.observe(part, t);
      }
      if (w !== undefined && cuts) seg.cut(w);
    }
    if (run > 0) counts.set(runPart, (counts.get(runPart) ?? 0) + run);
    this.maxTs = maxTs;
    this.metrics.recordsIn += records.length - marks - ((this.metrics.blank ?? 0) - blank);
    this.metrics.maxEventTime = maxTs;
    pw.tick(Date.now() * 1000);
    const last = pw.current;
    const segments = seg.finish(last);
    // WARNING: the source's watermark is the last one sent downstream, a cut's included (a batch
    // whose watermark stopped at its last cut has not `moved` past it, yet the engine has it).
    for (const sgm of segments) if (sgm.watermark !== undefined && sgm.watermark > this.metrics.watermark) this.metrics.watermark = sgm.watermark;
    return segments;
  }

  /** One record: its row, stamped with provenance when tracked, or undefined when dead-lettered. */
  private admit(rec: SourceRecord, decode: RecordDecoder): Row | undefined {
    const fromRecord = decode.fromRecord;
    const r = fromRecord !== undefined ? fromRecord(rec) : decode(rec.value, rec);
    if (r instanceof DecodeError) {
      if (r === BLANK) this.metrics.blank = (this.metrics.blank ?? 0) + 1;
      else this.dead(rec, r.error);
      return undefined;
    }
    if (this.ref !== undefined) {
      const ref: RecordRef = {
        source: this.node.source.name,
        seq: this.seq,
        position: rec.position,
        raw: typeof rec.value === 'string' ? rec.value : JSON.stringify(rec.value),
        ...(rec.partition !== undefined ? { origin: rec } : {}),
      };
      r.push(ref as unknown as Row[number]);
    }
    if (this.deleted !== undefined) r.push(rec.tombstone === true);
    this.seq++;
    return r;
  }

  private dead(rec: SourceRecord, reason: string): void {
    this.metrics.deadLetters++;
    const raw = typeof rec.value === 'string' ? rec.value : JSON.stringify(rec.value);
    const info: DeadLetterInfo = { source: this.node.source.name, reason, position: rec.position, raw };
    this.onDead?.(info);
    this.deadLetter?.write({ source: info.source, reason, position: rec.position, raw }, rec);
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
  if (p['request'] !== undefined) return `request ${p['request']} record ${p['index']}`;
  if (p['index'] !== undefined) return `record ${p['index']}`;
  return JSON.stringify(p);
}
