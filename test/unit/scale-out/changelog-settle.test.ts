// Restoring a partition's snapshot when the committed offsets read just after a hand-over are
// the previous ones (the group coordinator applies a committed transaction's offsets
// asynchronously; measured on the local broker: 2 reads of 60 right after a producer of the same
// transactional id connected). The changelog then holds a head newer than the committed id:
// the offsets are read again until they move to it, else the newer head was an aborted one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConsistentSnapshots, type readSnapshots } from '../../../src/exec/scale-out/changelog.js';
import type { KafkaClient } from '../../../src/connectors/kafka/port.js';
import type { JobCheckpoint } from '../../../src/state/checkpoint.js';

const kafka = {} as KafkaClient;

/** A changelog of partition 0 holding checkpoints 1..`newest`, read as readSnapshots would. */
function changelog(newest: number): typeof readSnapshots {
  return (async (_k: KafkaClient, _t: string, partitions: readonly number[], committed: ReadonlyMap<number, number> = new Map(), seen?: Map<number, number>) => {
    const out = new Map<number, { checkpoint: JobCheckpoint; head: { id: number; chunks: number; finished: boolean } } | undefined>();
    for (const p of partitions) {
      seen?.set(p, newest);
      const id = committed.get(p) ?? newest;
      out.set(p, id <= newest ? { checkpoint: { id } as JobCheckpoint, head: { id, chunks: 1, finished: false } } : undefined);
    }
    return out;
  }) as typeof readSnapshots;
}

/** Committed offsets that read as `ids` in turn (the last one from then on), counting the reads. */
function offsets(...ids: number[]): { read: () => Promise<Map<number, number>>; reads: () => number } {
  let n = 0;
  return { read: async () => new Map([[0, ids[Math.min(n++, ids.length - 1)]!]]), reads: () => n };
}

const noRetry = (): void => assert.fail('no retry expected');

test('offsets read stale (checkpoint 4 while 5 is committed and in the changelog): read again until they show 5, and 5 is restored', async () => {
  const o = offsets(4, 4, 5);
  const snaps = await readConsistentSnapshots(kafka, 'cl', [0], o.read, noRetry, { read: changelog(5), settleMs: 1 });
  assert.equal(snaps.get(0)?.checkpoint.id, 5);
  assert.equal(o.reads(), 3);
});

test('a newer head whose offsets never move (an aborted transaction read through) leaves the committed checkpoint, after a bounded wait', async () => {
  const o = offsets(5);
  const snaps = await readConsistentSnapshots(kafka, 'cl', [0], o.read, noRetry, { read: changelog(6), settleMs: 1, settleReads: 4 });
  assert.equal(snaps.get(0)?.checkpoint.id, 5);
  assert.equal(o.reads(), 1 + 4);
});

test('no newer head: the offsets are read once', async () => {
  const o = offsets(5);
  const snaps = await readConsistentSnapshots(kafka, 'cl', [0], o.read, noRetry, { read: changelog(5), settleMs: 1 });
  assert.equal(snaps.get(0)?.checkpoint.id, 5);
  assert.equal(o.reads(), 1);
});
