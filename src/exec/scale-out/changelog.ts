// Task state in Kafka, so that whichever process is given a partition can restore it: the
// changelog topic `<group>-changelog`, compacted, one partition per input partition. At each of
// a task's checkpoints its whole snapshot (the runner's JobCheckpoint as JSON) is written there
// in chunks, inside the same transaction as the task's output and input offsets, so state,
// output and position commit together or not at all. Keys: `chunk/<i>` then `head` (the
// checkpoint id and chunk count); compaction keeps the last value of each key, which after a
// committed head is always that head's chunks. A restore reads the partition read-committed
// and takes the last head with its chunks.
// WHY snapshots rather than per-update records (Kafka Streams): a task's state is small enough
// to write whole at each checkpoint for the jobs this serves (windows that close), it reuses
// the checkpoint format the single-process runner restores, and a restore reads one snapshot.

import { randomUUID } from 'node:crypto';
import type { JobCheckpoint } from '../../state/checkpoint.js';
import { withAdmin } from '../../connectors/kafka/engine.js';
import type { FetchedBatch, KafkaClient, OutMessage } from '../../connectors/kafka/port.js';

/** Kafka's default max message is 1 MB; a chunk stays well under it. */
const CHUNK_CHARS = 256 * 1024;

export interface Head {
  readonly id: number;
  readonly chunks: number;
  readonly finished: boolean;
}

export function changelogTopic(group: string): string {
  return `${group}-changelog`;
}

/** The messages of one snapshot for partition `partition` of the changelog, head last. */
export function snapshotMessages(c: JobCheckpoint, finished: boolean, partition: number): { messages: OutMessage[]; bytes: number } {
  const text = JSON.stringify(c);
  const messages: OutMessage[] = [];
  let i = 0;
  for (let at = 0; at < text.length || i === 0; at += CHUNK_CHARS, i++) {
    messages.push({ key: `chunk/${i}`, value: text.slice(at, at + CHUNK_CHARS), partition, headers: { checkpoint: String(c.id) } });
  }
  const head: Head = { id: c.id, chunks: i, finished };
  messages.push({ key: 'head', value: JSON.stringify(head), partition });
  return { messages, bytes: text.length };
}

/** Creates the changelog topic (compacted, `partitions` partitions) unless it exists. */
export async function ensureChangelog(kafka: KafkaClient, topic: string, partitions: number): Promise<void> {
  await withAdmin(kafka, `scale-out: creating the changelog topic '${topic}'`, async (admin) => {
    if ((await admin.listTopics()).includes(topic)) {
      const n = await admin.partitionCount(topic);
      if (n !== partitions) throw new Error(`the changelog topic '${topic}' has ${n} partitions but the input has ${partitions}; the input's partition count changed since the state was written`);
      return;
    }
    await admin
      .createTopic(topic, partitions, { compacted: true })
      .catch((e: unknown) => {
        if (!(e instanceof Error && /already exists/i.test(e.message))) throw e;
      });
  });
}

/**
 * The last committed snapshot of each of `partitions` (undefined: none yet). Reads them with a
 * throwaway consumer group, read-committed: call it after the task producers of these
 * partitions have been initialized, which aborts any transaction a previous owner left open.
 * `committed`: per partition, the checkpoint id committed with its offsets; only that
 * checkpoint's head and chunks are taken. WHY: kafkajs's read-committed filter has let records
 * of aborted transactions through when transactions interleave, and a fenced owner's aborted
 * snapshot carries a later id than the committed one; the committed id is the truth.
 */
export async function readSnapshots<M>(
  kafka: KafkaClient,
  topic: string,
  partitions: readonly number[],
  committed: ReadonlyMap<number, number> = new Map(),
): Promise<Map<number, { checkpoint: JobCheckpoint<M>; head: Head } | undefined>> {
  const result = new Map<number, { checkpoint: JobCheckpoint<M>; head: Head } | undefined>();
  for (const p of partitions) result.set(p, undefined);
  const ends = new Map<number, bigint>();
  for (const o of await withAdmin(kafka, `scale-out: reading the end of '${topic}'`, (admin) => admin.topicOffsets(topic))) {
    if (result.has(o.partition) && o.high > o.low) ends.set(o.partition, o.high);
  }
  if (ends.size === 0) return result;
  const heads = new Map<number, Head>();
  const chunks = new Map<number, Map<string, { id: string; value: string }>>();
  const groupId = `${topic}-restore-${randomUUID().slice(0, 8)}`;
  const consumer = kafka.consumer({ group: groupId, topics: [topic], fromBeginning: true, maxWaitMs: 100, maxBytesPerPartition: 8 << 20 });
  const remaining = new Set(ends.keys());
  /** Per partition, the highest offset taken. */
  const read = new Map<number, bigint>();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading the changelog '${topic}' timed out; partitions left: ${[...remaining].join(', ')}`)), 120_000);
      const reached = (p: number, last: bigint): void => {
        const end = ends.get(p);
        if (end !== undefined && last + 1n >= end && remaining.delete(p) && remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      const batch = async (b: FetchedBatch): Promise<void> => {
        const p = b.partition;
        if (ends.has(p)) {
          let mine = chunks.get(p);
          if (!mine) chunks.set(p, (mine = new Map()));
          for (const m of b.messages) {
            // A consumer that lost its session (a loaded machine) fetches again: an older head
            // read again must not replace a newer one.
            const offset = BigInt(m.offset);
            if (offset <= (read.get(p) ?? -1n)) continue;
            read.set(p, offset);
            const key = m.key?.toString() ?? '';
            const value = m.value?.toString() ?? '';
            const want = committed.get(p);
            if (key === 'head') {
              const head = JSON.parse(value) as Head;
              if (want === undefined || head.id === want) heads.set(p, head);
            } else {
              const header = m.headers?.['checkpoint'];
              const id = (Array.isArray(header) ? header[0] : header)?.toString() ?? '';
              if (want === undefined || id === String(want)) mine.set(key, { id, value });
            }
          }
        }
        reached(p, b.lastOffset);
      };
      // Ranges of aborted records or transaction markers never reach batch(). WARNING: a fetch
      // that brought nothing for a partition (the response was full, say) says nothing of
      // where the read stands, and counting it ended reads early (a stale snapshot): the port
      // reports only ranges that hold records.
      const fail = (e: unknown): void => {
        clearTimeout(timer);
        reject(e);
      };
      consumer.start({ assigned: () => {}, batch, skipped: (_t, p, _first, last) => reached(p, last), failed: fail }).catch(fail);
    });
  } finally {
    await consumer.close().catch(() => {});
    const cleanup = kafka.admin();
    await cleanup.connect().then(() => cleanup.deleteGroups([groupId])).catch(() => {});
    await cleanup.disconnect().catch(() => {});
  }
  for (const [p, head] of heads) {
    const mine = chunks.get(p)!;
    let text = '';
    for (let i = 0; i < head.chunks; i++) {
      const c = mine.get(`chunk/${i}`);
      if (c === undefined || c.id !== String(head.id)) throw new Error(`the changelog '${topic}' partition ${p} lacks chunk ${i} of checkpoint ${head.id}`);
      text += c.value;
    }
    result.set(p, { checkpoint: JSON.parse(text) as JobCheckpoint<M>, head });
  }
  return result;
}

/**
 * The partitions' snapshots of the checkpoint ids committed with their offsets (`committed`,
 * same transaction): one missing is a read that stopped short (its records not visible to the
 * read yet), read again after `backoffMs` x the attempt, up to `attempts` reads; one that stays
 * missing is an error, not a silent replay from an older state.
 */
export async function readConsistentSnapshots<M>(
  kafka: KafkaClient,
  topic: string,
  partitions: readonly number[],
  committed: ReadonlyMap<number, number>,
  onRetry: (partition: number, found: number | undefined, want: number) => void,
  options: { attempts?: number; backoffMs?: number } = {},
): Promise<Map<number, { checkpoint: JobCheckpoint<M>; head: Head } | undefined>> {
  const attempts = options.attempts ?? 5;
  const backoffMs = options.backoffMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    const snaps = await readSnapshots<M>(kafka, topic, partitions, committed);
    const short = partitions.filter((p) => {
      const want = committed.get(p);
      return want !== undefined && snaps.get(p)?.checkpoint.id !== want;
    });
    if (short.length === 0) return snaps;
    const p = short[0]!;
    const found = snaps.get(p)?.checkpoint.id;
    if (attempt >= attempts) throw new Error(`the changelog ${topic} holds checkpoint ${found ?? 'none'} of partition ${p}, but checkpoint ${committed.get(p)} was committed with its offsets`);
    onRetry(p, found, committed.get(p)!);
    await new Promise((r) => setTimeout(r, backoffMs * attempt));
  }
}
