// In-memory sources for a case. One Arrival per case fixes the order records arrive in across
// sources (the case's `arrival:` list, else round robin over the sources in the order the case
// lists them, one entry per turn),
// so a case is deterministic however the engine schedules its readers; every reader ends when
// the whole arrival is done, as bounded files end. Kafka sources read KafkaRecords (key,
// headers, partition, offset) through the Kafka decoder with per-partition watermarks; others
// read JSON text or CSV lines, partitioned only when the case has watermark or idle steps.

import type { Column, SourceDef } from '../catalog/catalog.js';
import type { PartitionListener, RecordDecoder, SourceReader, SourceRecord } from '../connectors/connector.js';
import { compileCsvDecoder } from '../connectors/format/csv.js';
import { KafkaRecord, compileKafkaDecoder } from '../connectors/kafka/record.js';
import type { InputEntry, SourceInput } from './model.js';

type Turn = { readonly source: string; readonly entry: InputEntry };

export class Arrival {
  private readonly turns: Turn[] = [];
  private next = 0;
  private readonly waiting = new Map<string, () => void>();

  constructor(inputs: readonly SourceInput[], order?: readonly string[]) {
    if (order) {
      // Checked on load: each source named once per entry.
      const at = new Map<string, number>(inputs.map((i) => [i.source, 0]));
      for (const source of order) {
        const input = inputs.find((i) => i.source === source)!;
        const k = at.get(source)!;
        at.set(source, k + 1);
        this.turns.push({ source, entry: input.entries[k]! });
      }
      return;
    }
    const longest = Math.max(0, ...inputs.map((i) => i.entries.length));
    for (let k = 0; k < longest; k++) for (const i of inputs) if (k < i.entries.length) this.turns.push({ source: i.source, entry: i.entries[k]! });
  }

  /** The entry of `source` whose turn it is, once it is; undefined when every turn is done (or on abort). */
  async take(source: string, signal: AbortSignal): Promise<InputEntry | undefined> {
    for (;;) {
      if (signal.aborted || this.next >= this.turns.length) return undefined;
      const t = this.turns[this.next]!;
      if (t.source === source) return t.entry;
      await new Promise<void>((resolve) => {
        const abort = (): void => resolve();
        signal.addEventListener('abort', abort, { once: true });
        this.waiting.set(source, () => {
          signal.removeEventListener('abort', abort);
          resolve();
        });
      });
    }
  }

  /** The current turn is over: wake its successor's reader, or everyone once all are done. */
  release(): void {
    this.next++;
    const wake = this.next >= this.turns.length ? [...this.waiting.keys()] : [this.turns[this.next]!.source];
    for (const s of wake) {
      const r = this.waiting.get(s);
      this.waiting.delete(s);
      r?.();
    }
  }
}

/**
 * How one source's entries become records (shared by fixture cases and generated streams):
 * Kafka rows as KafkaRecords with per-partition offsets, watermark steps as partition marks
 * (at T + delay, so the source's watermark is T), idle markers through the partition listener.
 * Partitions are 0 and every partition an entry names; non-Kafka inputs are partitioned only
 * when they hold watermark or idle steps.
 */
export class EntryFeed {
  private listener: PartitionListener | undefined;
  readonly partitions: readonly number[];
  private readonly offsets = new Map<number, number>();
  readonly watchPartitions: ((l: PartitionListener) => void) | undefined;
  /** Kafka: the Kafka decoder; CSV input: the CSV decoder over its header; else none (JSON, the engine's default). */
  readonly decoder: ((columns: readonly Column[], eventTime: string | undefined) => RecordDecoder) | undefined;

  constructor(
    private readonly def: SourceDef,
    entries: readonly InputEntry[],
    private readonly kafka: boolean,
    /** The source's watermark delay (µs): a watermark step at T is a mark at T + delay. */
    private readonly delay: number,
    csvHeader?: readonly string[],
  ) {
    const parts = new Set<number>([0]);
    for (const e of entries) if (e.partition !== undefined) parts.add(e.partition);
    this.partitions = [...parts].sort((a, b) => a - b);
    const stepped = entries.some((e) => e.kind !== 'row');
    this.watchPartitions = kafka || stepped ? (l) => (this.listener = l) : undefined;
    this.decoder = kafka
      ? (columns, eventTime) => compileKafkaDecoder(columns, eventTime, def.table?.upsert === true)
      : csvHeader
        ? (columns, eventTime) => compileCsvDecoder(columns, eventTime, csvHeader)
        : undefined;
  }

  /** Tell the engine its partitions (at the start of a run). */
  start(): void {
    this.listener?.assigned(this.partitions);
  }

  /** Where a Kafka partition's next offset is (a resumed run starts past the records it already read). */
  setOffset(partition: number, offset: number): void {
    this.offsets.set(partition, offset);
  }

  /** The records of one entry; an idle marker tells the listener and gives none (the engine then needs an `emit([])`). */
  records(e: InputEntry, position: Readonly<Record<string, string | number>>): SourceRecord[] {
    switch (e.kind) {
      case 'idle':
        for (const p of e.partition === undefined ? this.partitions : [e.partition]) this.listener?.idle(p, true);
        return [];
      case 'watermark':
        return (e.partition === undefined ? this.partitions : [e.partition]).map((p) => ({ value: '', position, partition: p, watermark: e.micros + this.delay }));
      case 'row': {
        if (!this.kafka) return [{ value: e.text ?? '', position, ...(this.listener ? { partition: 0 } : {}) }];
        const p = e.partition ?? 0;
        const offset = this.offsets.get(p) ?? 0;
        this.offsets.set(p, offset + 1);
        const headers = e.headers ? Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k, Buffer.from(v)])) : undefined;
        const topic = this.def.options['topic'] ?? this.def.name;
        return [
          new KafkaRecord(topic, p, {
            offset: String(offset),
            key: e.key === undefined || e.key === null ? null : Buffer.from(e.key),
            value: e.text === null ? null : Buffer.from(e.text),
            timestamp: String(e.timestamp ?? 0),
            ...(headers ? { headers } : {}),
          }),
        ];
      }
    }
  }
}

export class InMemoryReader implements SourceReader {
  readonly bounded = true;
  private readonly feed: EntryFeed;
  readonly watchPartitions: ((l: PartitionListener) => void) | undefined;
  readonly decoder: ((columns: readonly Column[], eventTime: string | undefined) => RecordDecoder) | undefined;

  constructor(
    def: SourceDef,
    private readonly input: SourceInput,
    private readonly arrival: Arrival,
    kafka: boolean,
    delay: number,
  ) {
    this.feed = new EntryFeed(def, input.entries, kafka, delay, input.csvHeader);
    this.watchPartitions = this.feed.watchPartitions;
    this.decoder = this.feed.decoder;
  }

  async run(emit: (records: SourceRecord[]) => void | Promise<void>, signal: AbortSignal): Promise<void> {
    this.feed.start();
    for (;;) {
      const entry = await this.arrival.take(this.input.source, signal);
      if (entry === undefined) return;
      try {
        await emit(this.feed.records(entry, { file: entry.origin.file, line: entry.origin.line }));
      } finally {
        this.arrival.release();
      }
    }
  }
}
