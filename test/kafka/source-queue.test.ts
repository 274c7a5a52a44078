// The Kafka source hands batches to the engine one ahead of the fetch (source.ts: the next fetch
// overlaps the engine's work on the last). What the queue must never do: count a batch that is
// only queued in the position a checkpoint takes, hand a batch over after the job stopped, or
// reorder a partition's records. A slow engine stopped part-way, then resumed from the position
// it saw, must read every message exactly once, in offset order per partition.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { broker, createTopic, produceMessages, unique, port } from './broker.js';
import { KafkaReader, type KafkaSourceSettings } from '../../src/connectors/kafka/source.js';
import type { ResumePosition, SourceRecord } from '../../src/connectors/connector.js';

const PARTITIONS = 2;
const SENDS = 40;
const PER_SEND = 25;

interface Seen {
  readonly partition: number;
  readonly offset: number;
}

const seen = (r: SourceRecord): Seen => {
  const k = r as unknown as { partition: number; offset: number };
  return { partition: k.partition, offset: k.offset };
};

async function fill(topic: string): Promise<void> {
  // Many small sends: one record batch each, so a 1 KB fetch returns one or two of them and the
  // job sees dozens of fetched batches per partition (one big send would be one fetch).
  for (let s = 0; s < SENDS; s++) {
    const messages = [];
    for (let p = 0; p < PARTITIONS; p++) {
      for (let i = 0; i < PER_SEND; i++) messages.push({ partition: p, value: JSON.stringify({ p, n: s * PER_SEND + i }) });
    }
    await produceMessages(topic, messages);
  }
}

function settings(topic: string): KafkaSourceSettings {
  return {
    topic,
    group: unique('g-queue'),
    startup: 'earliest',
    bounded: true,
    idleTimeoutMs: undefined,
    maxBytesPerPartition: 1024,
    sessionTimeoutMs: 10_000,
    rate: undefined,
  };
}

test('a slow engine stopped part-way: the position covers exactly what was handed over, and a resume reads the rest once', { timeout: 120_000 }, async () => {
  await broker();
  const topic = unique('src-queue');
  await createTopic(topic, PARTITIONS);
  await fill(topic);
  const total = PARTITIONS * SENDS * PER_SEND;

  // First run: every hand-over takes 20 ms (the engine at work), so the source has the next
  // fetch queued behind it; stopped after a few hand-overs.
  const first = new KafkaReader(await port(), settings(topic));
  first.prepare();
  const stop = new AbortController();
  const got: Seen[] = [];
  let handovers = 0;
  let afterStop = 0;
  let position: ResumePosition | undefined;
  await first.run(async (records) => {
    if (stop.signal.aborted) afterStop++;
    for (const r of records) got.push(seen(r));
    handovers++;
    await sleep(20);
    if (handovers === 6) {
      stop.abort();
      // What a checkpoint taken right at the stop would record.
      position = first.position();
    }
  }, stop.signal);
  assert.equal(afterStop, 0, 'no batch is handed over once the job stopped');
  assert.ok(got.length > 0 && got.length < total, `the first run stopped part-way (${got.length} of ${total})`);
  const atStop = position as unknown as { next: Record<string, string> };
  const atEnd = first.position() as unknown as { next: Record<string, string> };
  assert.deepEqual(atEnd.next, atStop.next, 'batches queued when the job stopped are not counted in its position');
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = got.filter((s) => s.partition === p).map((s) => s.offset);
    mine.forEach((o, i) => assert.equal(o, i, `partition ${p}: offsets handed over in order without gaps`));
    const next = atStop.next[String(p)];
    assert.equal(next === undefined ? 0 : Number(next), mine.length, `partition ${p}: the position is the offset after the last record handed over`);
  }

  // Second run from that position: the rest, once.
  const second = new KafkaReader(await port(), settings(topic), first.position());
  second.prepare();
  const rest: Seen[] = [];
  await second.run((records) => {
    for (const r of records) rest.push(seen(r));
  }, new AbortController().signal);
  for (let p = 0; p < PARTITIONS; p++) {
    const offsets = [...got, ...rest].filter((s) => s.partition === p).map((s) => s.offset);
    assert.equal(offsets.length, SENDS * PER_SEND, `partition ${p}: every message read exactly once across the stop`);
    offsets.forEach((o, i) => assert.equal(o, i, `partition ${p}: no message lost or read twice`));
  }
});
