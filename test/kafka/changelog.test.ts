// The changelog restore takes the snapshot of the checkpoint id committed with the task's
// offsets, not simply the last one in the log: a fenced owner's aborted snapshot carries a later
// id, and kafkajs's read-committed filter has let aborted records through. Here the later
// snapshot is written outside any transaction, as such a leak looks to the reader.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners } from 'kafkajs';
import { broker, client, unique } from './broker.js';
import { ensureChangelog, readSnapshots, snapshotMessages } from '../../src/exec/scale-out/changelog.js';
import type { JobCheckpoint } from '../../src/state/checkpoint.js';

function checkpoint(id: number, fill: string): JobCheckpoint {
  // Big enough for several chunks, so a mix of two snapshots' chunks would show.
  return { id, createdAt: 0, fingerprint: 'f', meta: { fill }, tables: [{ operator: 1, name: 't', shape: 'keyed', rows: 1, chunks: [fill.repeat(600_000)] }] };
}

test('a changelog read takes the committed checkpoint, or the last one when none is known', { timeout: 120_000 }, async () => {
  await broker();
  const kafka = await client();
  const topic = unique('changelog');
  await ensureChangelog(kafka, topic, 2);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
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
