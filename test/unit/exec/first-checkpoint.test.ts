// A fresh run's first checkpoint is persisted while the sources connect and fetch
// (exec/checkpointer.ts start), but no batch enters the graph before it is durable, and it
// records the sources' starting positions; a first checkpoint that fails fails the run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SinkWriter, SourceReader, SourceRecord } from '../../../src/connectors/connector.js';
import { Job, type CheckpointMeta } from '../../../src/exec/job.js';
import type { CheckpointTarget, JobCheckpoint } from '../../../src/state/checkpoint.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';

const SQL = `CREATE SOURCE a (k VARCHAR, v INT) WITH (connector = 'datagen', generator = 'sensors');
CREATE SINK out_a AS SELECT k, v FROM a;`;

function jobWith(target: CheckpointTarget, events: string[], batches: number): Job {
  const script = loadScriptText(SQL, 'first.sql', process.cwd(), new Catalog());
  const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: false });
  let next = 0;
  const reader: SourceReader = {
    bounded: true,
    position: () => ({ next }),
    async run(emit) {
      events.push('reader runs');
      for (let b = 0; b < batches; b++) {
        const batch: SourceRecord[] = [{ value: { k: 'x', v: next }, position: { index: next } }];
        next += 1;
        events.push(`emit ${b}`);
        await emit(batch);
      }
    },
  };
  return new Job(plan, {
    sideOutputs: false,
    checkpoints: { target, fingerprint: 'f', intervalMs: 60_000 },
    hooks: {
      sourceReader: () => reader,
      sinkWriter() {
        const w: SinkWriter = {
          write: (batch) => void events.push(`sink gets ${batch.rows.length}`),
          flush: async () => {},
          close: async () => {},
          position: () => ({}),
        };
        return w;
      },
    },
  });
}

test("a fresh run's sources read while its first checkpoint is written; their rows wait until it is durable", async () => {
  const events: string[] = [];
  const checkpoints: Array<JobCheckpoint<CheckpointMeta>> = [];
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const target: CheckpointTarget = {
    async write(c) {
      checkpoints.push(c as JobCheckpoint<CheckpointMeta>);
      if (c.id === 1) {
        events.push('write 1 starts');
        // Durable only once the source has handed over its first batch.
        await released;
        events.push('write 1 done');
      }
      return { id: c.id, bytes: 0, ms: 0 };
    },
  };
  const job = jobWith(target, events, 2);
  const running = job.run();
  for (let t = 0; !events.includes('emit 0'); t++) {
    if (t === 200) assert.fail(`the source never read while checkpoint 1 was written: ${events.join(', ')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(!events.some((e) => e.startsWith('sink gets')), `no row before checkpoint 1 is durable: ${events.join(', ')}`);
  release();
  await running;
  const i = (e: string): number => events.indexOf(e);
  assert.ok(i('reader runs') < i('write 1 done'), events.join(', '));
  assert.ok(i('write 1 done') < i('sink gets 1'), events.join(', '));
  // Checkpoint 1 stands for nothing read: the source's position before its first batch.
  assert.deepEqual(checkpoints[0]!.meta.sources[0]!.position, { next: 0 });
  assert.equal(checkpoints.at(-1)!.meta.sources[0]!.ended, true);
});

test('a first checkpoint that fails fails the run, also when its sources read nothing', async () => {
  for (const batches of [0, 3]) {
    const events: string[] = [];
    const target: CheckpointTarget = {
      async write() {
        throw new Error('disk full');
      },
    };
    await assert.rejects(jobWith(target, events, batches).run(), /disk full/);
    assert.ok(!events.some((e) => e.startsWith('sink gets')), events.join(', '));
  }
});
