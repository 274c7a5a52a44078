// The `datagen` source: deterministic synthetic streams from `seed`: `sensors` (the Quix
// tutorial) and the Nexmark `bid`, `auction` and `person` streams. `count` bounds the number of
// records this source yields; `rate` limits records per wall-clock second; `start` is the event
// time of the first event (`'now'`: the wall clock when the source opens, for live demos). Records are objects with TIMESTAMPs as epoch ms; position { index }.

import type { Column, SourceDef } from '../../catalog/catalog.js';
import { parseDuration } from '../../catalog/duration.js';
import { parseTimestamp } from '../../catalog/timestamp.js';
import { ConnectorError } from '../connector.js';
import type { ResumePosition, SourceConnector, SourceReader, SourceRecord } from '../connector.js';
import { choiceOption, intOption, positiveNumberOption } from '../options.js';
import { NEXMARK_COLUMNS, NexmarkGenerator, nexmarkEventId } from './nexmark.js';
import type { NexmarkKind } from './nexmark.js';
import { SENSOR_COLUMNS, SensorGenerator } from './sensors.js';
import { abortableSleep } from '../sleep.js';

export const GENERATORS = ['sensors', 'bid', 'auction', 'person'] as const;
export type GeneratorName = (typeof GENERATORS)[number];

type Options = Readonly<Record<string, string>>;

const DEFAULT_START = '2024-05-20T10:00:00Z';

export function generatorSchema(name: GeneratorName): { columns: Column[]; eventTime: string } {
  return name === 'sensors' ? { columns: SENSOR_COLUMNS, eventTime: 'ts' } : { columns: NEXMARK_COLUMNS[name], eventTime: 'date_time' };
}

export interface DatagenSettings {
  readonly generator: GeneratorName;
  readonly count: number | undefined;
  readonly rate: number | undefined;
  readonly seed: number;
  readonly startMs: number;
  readonly sensors: number;
  readonly disorderMs: number;
  readonly firstEventRate: number;
  readonly batchSize: number;
}

export function datagenSettings(o: Options): DatagenSettings {
  const generator = choiceOption(o, 'generator', GENERATORS, 'sensors');
  const startText = o['start'] ?? DEFAULT_START;
  const startUs = startText.toLowerCase() === 'now' ? Date.now() * 1000 : parseTimestamp(startText);
  if (startUs === undefined) throw new ConnectorError(`option 'start' is not a timestamp: '${startText}'`, 'start', `start = '${DEFAULT_START}'`);
  let disorderMs = 0;
  if (o['disorder'] !== undefined) {
    const us = parseDuration(o['disorder']);
    if (us === undefined) throw new ConnectorError(`option 'disorder' is not a duration: '${o['disorder']}'`, 'disorder', "disorder = '2s'");
    disorderMs = Math.floor(us / 1000);
  }
  return {
    generator,
    count: intOption(o, 'count', undefined, 0),
    rate: positiveNumberOption(o, 'rate'),
    seed: intOption(o, 'seed', 42, -2_147_483_648, 4_294_967_295),
    startMs: Math.floor(startUs / 1000),
    sensors: intOption(o, 'sensors', 5, 1, 1_000_000),
    disorderMs,
    firstEventRate: positiveNumberOption(o, 'first_event_rate') ?? 10_000,
    batchSize: intOption(o, 'batch_size', 4096, 1),
  };
}

/** A function yielding the next record object of the configured stream. */
export function recordStream(s: DatagenSettings): () => Record<string, unknown> {
  if (s.generator === 'sensors') {
    const g = new SensorGenerator(s.seed, s.startMs, s.sensors, s.disorderMs);
    return () => g.next() as unknown as Record<string, unknown>;
  }
  const kind: NexmarkKind = s.generator;
  const g = new NexmarkGenerator({ seed: s.seed, startMs: s.startMs, firstEventRate: s.firstEventRate, disorderMs: s.disorderMs });
  let k = 0;
  return () => g.event(nexmarkEventId(kind, k++));
}


const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class DatagenReader implements SourceReader {
  readonly bounded: boolean;
  readonly settings: DatagenSettings;
  /** Index of the next record; checkpointed, and where a resumed reader starts. */
  private nextIndex: number;

  constructor(settings: DatagenSettings, resumeIndex = 0) {
    this.settings = settings;
    this.bounded = settings.count !== undefined;
    this.nextIndex = resumeIndex;
  }

  position(): ResumePosition {
    return { index: this.nextIndex };
  }

  async run(emit: (records: SourceRecord[]) => void | Promise<void>, signal: AbortSignal): Promise<void> {
    const { rate, count } = this.settings;
    const total = count ?? Number.POSITIVE_INFINITY;
    // Rate-limited streams go in ~20 batches a second so output is smooth, not bursty.
    const batchSize = rate === undefined ? this.settings.batchSize : Math.max(1, Math.min(this.settings.batchSize, Math.ceil(rate / 20)));
    const next = recordStream(this.settings);
    // Resume: the streams are deterministic from the seed, so replaying the generator to the
    // checkpointed index reproduces its state exactly (cheap next to processing the records).
    let index = this.nextIndex;
    for (let i = 0; i < index; i++) next();
    const t0 = performance.now() - (rate === undefined ? 0 : (index / rate) * 1000);
    while (index < total && !signal.aborted) {
      if (rate !== undefined) {
        const wait = t0 + (index / rate) * 1000 - performance.now();
        if (wait > 0) await abortableSleep(wait, signal);
        if (signal.aborted) break;
      }
      const n = Math.min(batchSize, total - index);
      const batch: SourceRecord[] = [];
      for (let i = 0; i < n; i++) batch.push({ value: next(), position: { index: index++ } });
      this.nextIndex = index;
      await emit(batch);
      // Let timers and I/O (an abort, a sink write) run between batches of an unthrottled stream.
      if (rate === undefined) await yieldToLoop();
    }
  }
}

export const datagenSource: SourceConnector = {
  name: 'datagen',
  options: ['connector', 'generator', 'count', 'rate', 'seed', 'start', 'sensors', 'disorder', 'first_event_rate', 'batch_size', 'dead_letter', 'late'],
  // Not `count`: raising it lets the next run generate more (the next records of the same sequence).
  identity: ['connector', 'generator', 'seed', 'start', 'sensors', 'disorder', 'first_event_rate', 'dead_letter', 'late'],
  defaultSchema(options) {
    return generatorSchema(choiceOption(options, 'generator', GENERATORS, 'sensors'));
  },
  open(def: SourceDef, resume?: ResumePosition): SourceReader {
    const at = resume?.['index'];
    return new DatagenReader(datagenSettings(def.options), typeof at === 'number' ? at : 0);
  },
};
