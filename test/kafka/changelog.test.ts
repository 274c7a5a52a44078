// The changelog restore takes the snapshot of the checkpoint id committed with the task's
// offsets, not simply the last one in the log: a fenced owner's aborted snapshot carries a later
// id, and kafkajs's read-committed filter has let aborted records through. Here the later
// snapshot is written outside any transaction, as such a leak looks to the reader.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners } from 'kafkajs';
import { broker, client, port, unique } from './broker.js';
import { ensureChangelog, readConsistentSnapshots, readSnapshots, snapshotMessages } from '../../src/exec/scale-out/changelog.js';
import type { JobCheckpoint } from '../../src/state/checkpoint.js';

function checkpoint(id: number, fill: string): JobCheckpoint {
  // Big enough for several chunks, so a mix of two snapshots' chunks would show.
  return { id, createdAt: 0, fingerprint: 'f', meta: { fill }, tables: [{ operator: 1, name: 't', shape: 'keyed', rows: 1, chunks: [fill.repeat(600_000)] }] };
}

test('a changelog read takes the committed checkpoint, or the last one when none is known', { timeout: 120_000 }, async () => {
  await broker();
  const kafka = await port();
  const raw = await client();
  const topic = unique('changelog');
  await ensureChangelog(kafka, topic, 2);
  const producer = raw.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (const [id, fill] of [
      [3, 'a'],
      [4, 'b'],
    ] as const) {
      const { messages } = snapshotMessages(checkpoint(id, fill), false, 1);
      assert.ok(messages.length > 3, 'several chunks');
      await producer.send({ topic, messages, acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
  const last = await readSnapshots(kafka, topic, [0, 1]);
  assert.equal(last.get(0), undefined, 'an empty partition has no snapshot');
  assert.equal(last.get(1)?.checkpoint.id, 4);
  const committed = await readSnapshots(kafka, topic, [1], new Map([[1, 3]]));
  const snap = committed.get(1)!;
  assert.equal(snap.checkpoint.id, 3);
  assert.deepEqual(snap.checkpoint.meta, { fill: 'a' });
  assert.equal(snap.checkpoint.tables[0]!.chunks[0], 'a'.repeat(600_000), "only checkpoint 3's chunks");
  const missing = await readSnapshots(kafka, topic, [1], new Map([[1, 7]]));
  assert.equal(missing.get(1), undefined, 'a committed id not in the log yet: nothing, so the caller reads again');
});

test('a restore reads again until the committed checkpoint is in the changelog, and fails if it never is', { timeout: 120_000 }, async () => {
  await broker();
  const kafka = await port();
  const raw = await client();
  const topic = unique('changelog-retry');
  await ensureChangelog(kafka, topic, 1);
  const producer = raw.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const write = async (id: number, fill: string): Promise<void> => {
    await producer.send({ topic, messages: snapshotMessages(checkpoint(id, fill), false, 0).messages, acks: -1 });
  };
  try {
    await write(3, 'a');
    // Checkpoint 5 was committed with the offsets, but its snapshot shows up only later.
    const retries: Array<[number, number | undefined, number]> = [];
    const late = new Promise<void>((resolve) => setTimeout(() => void write(5, 'c').then(resolve), 700));
    const snaps = await readConsistentSnapshots(kafka, topic, [0], new Map([[0, 5]]), (p, found, want) => retries.push([p, found, want]), { attempts: 10, backoffMs: 150 });
    await late;
    assert.equal(snaps.get(0)?.checkpoint.id, 5);
    assert.equal(snaps.get(0)?.checkpoint.tables[0]!.chunks[0], 'c'.repeat(600_000));
    assert.ok(retries.length >= 1, 'read again at least once');
    // Only the committed id's head and chunks are taken: checkpoint 3 does not count as found.
    assert.deepEqual(retries[0], [0, undefined, 5], 'the retry names the partition and the committed checkpoint');

    // A committed checkpoint that never appears: an error after the attempts, not checkpoint 5.
    const tried: number[] = [];
    await assert.rejects(
      readConsistentSnapshots(kafka, topic, [0], new Map([[0, 9]]), (p) => tried.push(p), { attempts: 3, backoffMs: 10 }),
      new RegExp(`the changelog ${topic} holds checkpoint none of partition 0, but checkpoint 9 was committed`),
    );
    assert.equal(tried.length, 2, 'three reads, two retries');
  } finally {
    await producer.disconnect();
  }
});
