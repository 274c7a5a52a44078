// `sluice produce`: feeds a topic from a datagen generator or a JSON-lines file at a given rate,
// as the tutorials' producer scripts do. The sensors generator writes the Quix tutorial's
// messages: key = sensor id, value {"ts": "2024-05-20T10:00:00.123000", "value": 42}, a `uuid`
// header. The CLI (cli/produce.ts) only parses arguments.

import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { datagenSettings, recordStream } from '../datagen/source.js';
import { ensureTopic, kafkaClient } from './client.js';
import type { OutMessage } from './port.js';
import { withKafkaRetry } from './retry.js';
import { abortableSleep } from '../sleep.js';

export interface ProduceOptions {
  readonly topic: string;
  readonly brokers?: string;
  /** A datagen generator (sensors, bid, auction, person); ignored when `file` is given. */
  readonly generator?: string;
  /** A JSON-lines file: each non-empty line is one message value. */
  readonly file?: string;
  /** Messages per second; undefined: as fast as the broker takes them. */
  readonly rate?: number;
  /** Stop after this many messages (a generator without it runs until aborted). */
  readonly count?: number;
  /** Field of the value used as the message key (sensors: the sensor id). */
  readonly key?: string;
  readonly seed?: number;
  /** Event time of the first generated record: an ISO timestamp or 'now' (the default with a rate). */
  readonly start?: string;
  readonly sensors?: number;
  readonly disorder?: string;
  /** Partitions of the topic when it is created. */
  readonly partitions?: number;
  /** Messages per send (default 1000). */
  readonly batchSize?: number;
}

export interface ProduceResult {
  readonly messages: number;
  readonly seconds: number;
}

/** ISO-8601 with microseconds and no zone, as the Quix tutorial's producer writes `ts`. */
function tutorialTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000`;
}

type Next = () => OutMessage | undefined;

function generatorMessages(o: ProduceOptions): Next {
  const settings = datagenSettings({
    generator: o.generator ?? 'sensors',
    start: o.start ?? (o.rate !== undefined ? 'now' : '2024-05-20T10:00:00Z'),
    ...(o.seed !== undefined ? { seed: String(o.seed) } : {}),
    ...(o.sensors !== undefined ? { sensors: String(o.sensors) } : {}),
    ...(o.disorder !== undefined ? { disorder: o.disorder } : {}),
  });
  const next = recordStream(settings);
  if (settings.generator === 'sensors') {
    return () => {
      const r = next() as { sensor: string; value: number; ts: number };
      return { key: r.sensor, value: JSON.stringify({ ts: tutorialTime(r.ts), value: r.value }), headers: { uuid: randomUUID() } };
    };
  }
  const key = o.key;
  return () => {
    const r = next();
    const k = key !== undefined ? r[key] : undefined;
    return { key: k === undefined || k === null ? null : String(k), value: JSON.stringify(r), headers: { uuid: randomUUID() } };
  };
}

async function fileMessages(file: string, key: string | undefined): Promise<{ next: Next; close: () => void }> {
  const stream = fs.createReadStream(file, 'utf8');
  const lines = readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  const it = lines[Symbol.asyncIterator]();
  // Read ahead into a buffer so that `next` stays synchronous.
  const buf: string[] = [];
  let ended = false;
  const fill = async (): Promise<void> => {
    while (!ended && buf.length < 10_000) {
      const r = await it.next();
      if (r.done) ended = true;
      else if (r.value.trim() !== '') buf.push(r.value);
    }
  };
  await fill();
  let filling: Promise<void> | undefined;
  const next: Next = () => {
    if (buf.length < 5000 && !ended) filling ??= fill().finally(() => (filling = undefined));
    const line = buf.shift();
    if (line === undefined) return undefined;
    let k: unknown;
    if (key !== undefined) {
      try {
        k = (JSON.parse(line) as Record<string, unknown>)[key];
      } catch {
        k = undefined;
      }
    }
    return { key: k === undefined || k === null ? null : typeof k === 'string' ? k : JSON.stringify(k), value: line, headers: { uuid: randomUUID() } };
  };
  const more = async (): Promise<void> => {
    if (filling) await filling;
    else if (buf.length === 0 && !ended) await fill();
  };
  return { next: Object.assign(next, { more }), close: () => lines.close() };
}


/** Produces until `count`, the end of the file, or `signal`; `progress` is called after each send. */
export async function produce(o: ProduceOptions, signal: AbortSignal, progress?: (sent: number) => void): Promise<ProduceResult> {
  const options: Record<string, string> = o.brokers !== undefined ? { brokers: o.brokers } : {};
  const kafka = kafkaClient(options, 'sluice-produce');
  await ensureTopic(kafka, o.topic, o.partitions ?? 1);
  const producer = kafka.producer();
  await withKafkaRetry(`sluice produce '${o.topic}': connecting`, () => producer.connect(), { signal });
  const source = o.file !== undefined ? await fileMessages(o.file, o.key) : { next: generatorMessages(o), close: () => {} };
  const more = (source.next as Next & { more?: () => Promise<void> }).more;
  const total = o.count ?? Number.POSITIVE_INFINITY;
  const rate = o.rate;
  // Rate-limited: ~20 sends a second so that the stream is smooth, not bursty.
  const batchSize = rate === undefined ? (o.batchSize ?? 1000) : Math.max(1, Math.min(o.batchSize ?? 1000, Math.ceil(rate / 20)));
  const t0 = performance.now();
  let sent = 0;
  let made = 0;
  // The next batch is made while the previous one is on its way (sends stay one after another, in order).
  let inFlight: Promise<void> | undefined;
  try {
    while (made < total && !signal.aborted) {
      if (rate !== undefined) {
        const wait = t0 + (made / rate) * 1000 - performance.now();
        if (wait > 0) await abortableSleep(wait, signal);
        if (signal.aborted) break;
      }
      if (more) await more();
      const messages: OutMessage[] = [];
      const n = Math.min(batchSize, total - made);
      for (let i = 0; i < n; i++) {
        const m = source.next();
        if (m === undefined) break;
        messages.push(m);
      }
      if (messages.length === 0) break;
      made += messages.length;
      await inFlight;
      inFlight = withKafkaRetry(`sluice produce '${o.topic}': send`, () => producer.send(o.topic, messages), { signal }).then(() => {
        sent += messages.length;
        progress?.(sent);
      });
      // Seen by the next `await inFlight`; until then a failure must not count as unhandled.
      inFlight.catch(() => {});
    }
    await inFlight;
  } finally {
    source.close();
    await producer.disconnect();
  }
  return { messages: sent, seconds: (performance.now() - t0) / 1000 };
}
