// A fresh run's first checkpoint (empty state, the sources' start positions) is written while
// the sources connect and fetch, and its batches enter the graph meanwhile: sinks get rows before
// it is durable, but commit nothing until it is (exec/job.ts flowsBeforeFirstCheckpoint). It
// pins the positions the sources' prepare() looked up, it is written once the first batch is in
// (off the way to the first record), and one that fails fails the run. With a side-output file
// the batches still wait for it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SinkPosition, SinkWriter, SourceReader, SourceRecord } from '../../../src/connectors/connector.js';
import { Job, type CheckpointMeta } from '../../../src/exec/job.js';
import type { CheckpointTarget, JobCheckpoint } from '../../../src/state/checkpoint.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';

const SQL = (options = ''): string => `CREATE SOURCE a (k VARCHAR, v INT) WITH (connector = 'datagen', generator = 'sensors'${options});
CREATE SINK out_a AS SELECT k, v FROM a;`;

interface Setup {
  readonly events: string[];
  readonly batches: number;
  /** The reader's prepare(): resolves after a while with the reader starting at `from`. */
  readonly from?: number;
  /** A dead-letter file for the source (and side outputs on). */
  readonly deadLetter?: string;
  /** The reader fails after its batches (the job fails). */
  readonly fail?: boolean;
  /** JobOptions.earlyFlow (default on, as `sluice run` sets it). */
  readonly early?: boolean;
}

function jobWith(target: CheckpointTarget, s: Setup): Job {
  const { events, batches } = s;
  const script = loadScriptText(SQL(s.deadLetter ? `, dead_letter = '${s.deadLetter}'` : ''), 'first.sql', process.cwd(), new Catalog());
  const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: false });
  let next = 0;
  const reader: SourceReader = {
    bounded: true,
    position: () => ({ next }),
    ...(s.from !== undefined
      ? {
          prepare: async () => {
            await new Promise((r) => setTimeout(r, 20));
            next = s.from!;
            events.push('prepared');
          },
        }
      : {}),
    async run(emit) {
      events.push('reader runs');
      // The group join and first fetch: the first checkpoint is not written meanwhile.
      await new Promise((r) => setTimeout(r, 30));
      for (let b = 0; b < batches; b++) {
        const batch: SourceRecord[] = [{ value: { k: 'x', v: next }, position: { index: next } }];
        next += 1;
        events.push(`emit ${b}`);
        await emit(batch);
      }
      if (s.fail) throw new Error('the source failed');
    },
  };
  return new Job(plan, {
    earlyFlow: s.early ?? true,
    sideOutputs: s.deadLetter !== undefined,
    checkpoints: { target, fingerprint: 'f', intervalMs: 60_000 },
    hooks: {
      sourceReader: () => reader,
      sinkWriter() {
        // A transactional sink's hooks: it seals its output at the barrier and commits it once durable.
        const w: SinkWriter = {
          write: (batch) => void events.push(`sink gets ${batch.rows.length}`),
          flush: async () => {},
          close: async () => void events.push('sink closed'),
          prepareCheckpoint: (id) => ({ id }) as unknown as SinkPosition,
          commitCheckpoint: async (id) => void events.push(`commit ${id}`),
        };
        return w;
      },
    },
  });
}

/** A target whose checkpoint 1 is durable only once `release` is called. */
function heldTarget(events: string[]): { target: CheckpointTarget; checkpoints: Array<JobCheckpoint<CheckpointMeta>>; release: () => void } {
  const checkpoints: Array<JobCheckpoint<CheckpointMeta>> = [];
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const target: CheckpointTarget = {
    async write(c) {
      checkpoints.push(c as JobCheckpoint<CheckpointMeta>);
      events.push(`write ${c.id} starts`);
      if (c.id === 1) await released;
      events.push(`write ${c.id} done`);
      return { id: c.id, bytes: 0, ms: 0 };
    },
  };
  return { target, checkpoints, release };
}

/** Runs a job of two batches whose checkpoint 1 is held: no row may reach the sink before it is durable. */
async function rowsWaitForFirstCheckpoint(setup: Pick<Setup, 'deadLetter' | 'early'>): Promise<void> {
  const events: string[] = [];
  const { target, release } = heldTarget(events);
  const running = jobWith(target, { events, batches: 2, ...setup }).run();
  await until(events, 'emit 0');
  await until(events, 'write 1 starts');
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(!events.some((e) => e.startsWith('sink gets')), `no row before checkpoint 1 is durable: ${events.join(', ')}`);
  release();
  await running;
  assert.ok(events.indexOf('write 1 done') < events.indexOf('sink gets 1'), events.join(', '));
}

async function until(events: string[], what: string): Promise<void> {
  for (let t = 0; !events.includes(what); t++) {
    if (t === 200) assert.fail(`never: ${what}: ${events.join(', ')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("a fresh run's rows reach its sinks while its first checkpoint is written; nothing commits before it is durable", async () => {
  const events: string[] = [];
  const { target, checkpoints, release } = heldTarget(events);
  const running = jobWith(target, { events, batches: 2 }).run();
  await until(events, 'sink gets 1');
  await until(events, 'write 1 starts');
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(!events.includes('write 1 done') && !events.some((e) => e.startsWith('commit')), `nothing committed before checkpoint 1 is durable: ${events.join(', ')}`);
  assert.ok(!events.includes('write 2 starts'), `no second checkpoint before the first is durable: ${events.join(', ')}`);
  release();
  await running;
  const i = (e: string): number => events.indexOf(e);
  // Written once the first batch is in the graph (DuckDB's load off the way to the first record).
  assert.ok(i('sink gets 1') < i('write 1 starts'), events.join(', '));
  assert.ok(i('write 1 done') < i('commit 1'), events.join(', '));
  assert.ok(i('commit 1') < i('write 2 starts'), events.join(', '));
  // Checkpoint 1 stands for nothing read: the source's position before its first batch.
  assert.deepEqual(checkpoints[0]!.meta.sources[0]!.position, { next: 0 });
  assert.equal(checkpoints.at(-1)!.meta.sources[0]!.ended, true);
});

test("the first checkpoint pins the start positions the sources' prepare() looked up", async () => {
  const events: string[] = [];
  const { target, checkpoints, release } = heldTarget(events);
  release();
  await jobWith(target, { events, batches: 1, from: 7 }).run();
  assert.ok(events.indexOf('prepared') < events.indexOf('reader runs'), events.join(', '));
  assert.deepEqual(checkpoints[0]!.meta.sources[0]!.position, { next: 7 });
  assert.deepEqual(checkpoints.at(-1)!.meta.sources[0]!.position, { next: 8 });
});

test('with a side-output file (appended to by a run without a checkpoint) rows wait until the first checkpoint is durable', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-first-ckpt-'));
  try {
    await rowsWaitForFirstCheckpoint({ deadLetter: path.join(dir, 'dead.jsonl') });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a first checkpoint that fails fails the run, also when its sources read nothing, and nothing commits', async () => {
  for (const batches of [0, 3]) {
    const events: string[] = [];
    const target: CheckpointTarget = {
      async write() {
        throw new Error('disk full');
      },
    };
    await assert.rejects(jobWith(target, { events, batches }).run(), /disk full/);
    assert.ok(!events.some((e) => e.startsWith('commit')), events.join(', '));
  }
});

test('a run that fails while its first checkpoint is being written waits for that write before it closes (the state store must not close under it)', async () => {
  const events: string[] = [];
  const { target, release } = heldTarget(events);
  const running = jobWith(target, { events, batches: 1, fail: true }).run();
  const failed = assert.rejects(running, /the source failed/);
  await until(events, 'write 1 starts');
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(!events.includes('sink closed'), `nothing closed while checkpoint 1 is written: ${events.join(', ')}`);
  release();
  await failed;
  assert.ok(events.indexOf('write 1 done') < events.indexOf('sink closed'), events.join(', '));
});

test('without earlyFlow (scaled-out tasks, serve, the REPL) rows wait until the first checkpoint is durable', async () => {
  await rowsWaitForFirstCheckpoint({ early: false });
});
