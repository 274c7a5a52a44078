// The reader of a partition task: what it hands the engine from pushed-in batches, where it
// stands (the checkpointed position), a bounded end, and a stage-2 reader's watermark marks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KafkaMessage } from 'kafkajs';
import { FeedReader } from '../../../src/exec/scale-out/feed-reader.js';
import { MARK_HEADER, ROW_HEADER } from '../../../src/exec/scale-out/repartition.js';
import type { SourceRecord } from '../../../src/connectors/connector.js';

function msg(offset: number, value: string, headers?: Record<string, string>): KafkaMessage {
  return { offset: String(offset), key: null, value: Buffer.from(value), timestamp: '0', attributes: 0, size: 0, ...(headers ? { headers } : {}) } as KafkaMessage;
}

function started(reader: FeedReader): { got: SourceRecord[][]; ended: Promise<void>; stop: AbortController } {
  const got: SourceRecord[][] = [];
  const stop = new AbortController();
  const ended = reader.run((records) => void got.push(records), stop.signal);
  return { got, ended, stop };
}

test('hands over records from its position on, skips what lies below it, and its position follows', async () => {
  const r = new FeedReader('t', 2, { next: 5n, end: undefined }, undefined, undefined);
  const { got, stop, ended } = started(r);
  await r.deliver([msg(3, 'a'), msg(4, 'b'), msg(5, 'c'), msg(6, 'd')], 6n);
  assert.deepEqual(got.map((b) => b.map((x) => x.value)), [['c', 'd']]);
  assert.equal(got[0]![0]!.partition, 2);
  assert.deepEqual(r.position(), { topic: 't', next: { '2': '7' } });
  // A batch entirely below the position (fetched before a seek) changes nothing.
  await r.deliver([msg(1, 'x')], 1n);
  assert.equal(got.length, 1);
  assert.equal(r.next, 7n);
  assert.equal(r.done, false);
  stop.abort();
  await ended;
});

test('a bounded read cuts at its end offset and ends there; startOf restores next and end from a position', async () => {
  const start = FeedReader.startOf({ topic: 't', next: { '0': '10' }, end: { '0': '12' } }, 't', 0, { next: 0n, end: 99n });
  assert.deepEqual(start, { next: 10n, end: 12n, ended: [], rows: [] });
  const r = new FeedReader('t', 0, start, undefined, undefined);
  const { got, ended } = started(r);
  await r.deliver([msg(10, 'a'), msg(11, 'b'), msg(12, 'c'), msg(13, 'd')], 13n);
  assert.deepEqual(got.map((b) => b.map((x) => x.value)), [['a', 'b']]);
  assert.equal(r.done, true);
  assert.deepEqual(r.position(), { topic: 't', next: { '0': '12' }, end: { '0': '12' } });
  await ended;
  // Another topic's position, or none, falls back.
  assert.deepEqual(FeedReader.startOf({ topic: 'other', next: { '0': '3' } }, 't', 0, { next: 1n, end: undefined }), { next: 1n, end: undefined, ended: [], rows: [] });
});

test('a stage-2 reader turns marks into watermark records of their stage-1 partition and ends when every one marked its end', async () => {
  const r = new FeedReader('rep', 1, { next: 0n, end: undefined }, undefined, undefined, 3);
  const assigned: number[][] = [];
  r.watchPartitions({ assigned: (ps) => assigned.push([...ps]), idle: () => {} });
  const { got, ended } = started(r);
  assert.deepEqual(assigned, [[0, 1, 2]], 'the watermark is the minimum over the stage-1 partitions');
  await r.deliver([msg(0, '{"a":1}'), msg(1, '', { [MARK_HEADER]: '2:1000' }), msg(2, '', { [MARK_HEADER]: '0:Infinity' })], 2n);
  const batch = got[0]!;
  assert.equal(batch.length, 3);
  assert.equal(batch[0]!.watermark, undefined);
  assert.deepEqual([batch[1]!.partition, batch[1]!.watermark], [2, 1000]);
  assert.deepEqual([batch[2]!.partition, batch[2]!.watermark], [0, Number.POSITIVE_INFINITY]);
  assert.equal(r.done, false);
  assert.deepEqual(r.position(), { topic: 'rep', next: { '1': '3' }, upstreamEnded: [0], upstreamRows: [] });
  // Restored with partition 0 ended: the ends of 1 and 2 finish it.
  const again = new FeedReader('rep', 1, FeedReader.startOf(r.position(), 'rep', 1, { next: 0n, end: undefined }), undefined, undefined, 3, [0], []);
  const second = started(again);
  await again.deliver([msg(3, '', { [MARK_HEADER]: '1:Infinity' }), msg(4, '', { [MARK_HEADER]: '2:Infinity' })], 4n);
  assert.equal(again.done, true);
  await second.ended;
  assert.equal(r.done, false);
  await r.deliver([msg(3, '', { [MARK_HEADER]: '1:Infinity' }), msg(4, '', { [MARK_HEADER]: '2:Infinity' })], 4n);
  await ended;
});

test('a stage-2 reader drops rows whose number it has seen: sent again by the task that took a stage-1 partition over, or late by its old owner', async () => {
  const r = new FeedReader('rep', 0, { next: 0n, end: undefined }, undefined, undefined, 2);
  const { got, stop, ended } = started(r);
  const row = (offset: number, q: number, n: number): KafkaMessage => msg(offset, `{"q":${q},"n":${n}}`, { [ROW_HEADER]: `${q}:${n}` });
  // Stage-1 partition 0 sends rows 0..3; its new owner sends 2..5 again from its snapshot;
  // partition 1's numbers are its own.
  await r.deliver([row(0, 0, 0), row(1, 0, 1), row(2, 1, 0), row(3, 0, 2), row(4, 0, 3)], 4n);
  await r.deliver([row(5, 0, 2), row(6, 1, 1), row(7, 0, 3), row(8, 0, 4)], 8n);
  // The old owner's last rows arrive after the new owner's: seen.
  await r.deliver([row(9, 0, 3), row(10, 0, 5), row(11, 0, 4)], 11n);
  const values = got.flat().map((x) => x.value);
  assert.deepEqual(values, ['{"q":0,"n":0}', '{"q":0,"n":1}', '{"q":1,"n":0}', '{"q":0,"n":2}', '{"q":0,"n":3}', '{"q":1,"n":1}', '{"q":0,"n":4}', '{"q":0,"n":5}']);
  // What was seen is part of the position, so a restored stage-2 task drops the same rows.
  assert.deepEqual(r.position(), { topic: 'rep', next: { '0': '12' }, upstreamEnded: [], upstreamRows: [[0, 5], [1, 1]] });
  const start = FeedReader.startOf(r.position(), 'rep', 0, { next: 0n, end: undefined });
  const again = new FeedReader('rep', 0, { next: 0n, end: undefined }, undefined, undefined, 2, start.ended, start.rows);
  const second = started(again);
  await again.deliver([row(0, 0, 5), row(1, 1, 1), row(2, 0, 6)], 2n);
  assert.deepEqual(second.got.flat().map((x) => x.value), ['{"q":0,"n":6}']);
  stop.abort();
  second.stop.abort();
  await ended;
  await second.ended;
});

test('a reader whose task was stopped before run() (while its job restored) ends at once instead of waiting for an abort that already happened', async () => {
  const r = new FeedReader('t', 0, { next: 0n, end: undefined }, undefined, undefined);
  const stop = new AbortController();
  stop.abort();
  const ended = r.run(() => {}, stop.signal);
  const outcome = await Promise.race([ended.then(() => 'ended'), new Promise((res) => setTimeout(() => res('still running'), 500))]);
  assert.equal(outcome, 'ended');
  await r.ready;
});
