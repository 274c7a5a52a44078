// The runner pushes a slow batch in slices and yields between them (exec/slicer.ts). While one
// source is part-way through a batch, another source's batches still run, but no checkpoint is
// taken: the first source's position is already past rows not yet pushed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SinkWriter, SourceReader, SourceRecord } from '../../../src/connectors/connector.js';
import { Job, type CheckpointMeta } from '../../../src/exec/job.js';
import type { JobCheckpoint } from '../../../src/state/checkpoint.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';

const SQL = `CREATE SOURCE a (k VARCHAR, v INT) WITH (connector = 'datagen', generator = 'sensors');
CREATE SOURCE b (k VARCHAR, v INT) WITH (connector = 'datagen', generator = 'sensors');
CREATE SINK out_a AS SELECT k, v FROM a;
CREATE SINK out_b AS SELECT k, v FROM b;`;

const A_BATCH = 10_000;

test('a slow batch is pushed in slices; checkpoints never fall inside one', { timeout: 120_000 }, async () => {
  const script = loadScriptText(SQL, 'slices.sql', process.cwd(), new Catalog());
  const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: false });
  const written = new Map<string, number[]>();
  const checkpoints: Array<JobCheckpoint<CheckpointMeta>> = [];
  const reader = (name: string, batches: number, size: number): SourceReader => {
    let next = 0;
    return {
      bounded: true,
      position: () => ({ next }),
      async run(emit) {
        for (let b = 0; b < batches; b++) {
          const batch: SourceRecord[] = Array.from({ length: size }, (_, j) => ({ value: { k: name, v: next + j }, position: { index: next + j } }));
          next += size;
          await emit(batch);
          // b's batches come on timers, so they arrive while a is part-way through its batches.
          await new Promise((r) => (name === 'b' ? setTimeout(r, 5) : setImmediate(r)));
        }
      },
    };
  };
  const job = new Job(plan, {
    sideOutputs: false,
    checkpoints: {
      target: { write: async (c) => (checkpoints.push(c as JobCheckpoint<CheckpointMeta>), { id: c.id, bytes: 0, ms: 0 }) },
      fingerprint: 'f',
      due: () => true,
    },
    hooks: {
      sourceReader: (node) => (node.source.name === 'a' ? reader('a', 3, A_BATCH) : reader('b', 100, 1)),
      sinkWriter(node) {
        const sizes: number[] = [];
        written.set(node.sink.name, sizes);
        let rows = 0;
        const w: SinkWriter = {
          write(batch) {
            rows += batch.rows.length;
            sizes.push(batch.rows.length);
            // Sink a is slow: 20 µs a row holds the thread (200 ms a batch), so its pushes get sliced.
            if (node.sink.name === 'out_a') for (const t0 = performance.now(); performance.now() - t0 < batch.rows.length * 0.02; );
          },
          flush: async () => {},
          close: async () => {},
          position: () => ({ rows }),
        };
        return w;
      },
    },
  });
  await job.run();
  const a = written.get('out_a')!;
  assert.equal(a.reduce((x, y) => x + y, 0), 3 * A_BATCH);
  assert.ok(a.length > 3, `pushed in slices: ${a.join(', ')}`);
  assert.equal(written.get('out_b')!.reduce((x, y) => x + y, 0), 100);
  assert.ok(checkpoints.length > 1);
  // Each sink is fed by one source: at every checkpoint it holds exactly the rows before that source's position.
  for (const c of checkpoints) {
    for (const name of ['a', 'b']) {
      const sinkNode = plan.nodes.find((n) => n.kind === 'sink' && n.sink.name === `out_${name}`)!.id;
      const srcNode = plan.nodes.find((n) => n.kind === 'source' && n.source.name === name)!.id;
      const rows = c.meta.sinks.find((s) => s.node === sinkNode)?.position['rows'];
      const at = (c.meta.sources.find((s) => s.node === srcNode)?.position as { next: number } | null)?.next;
      assert.equal(rows, at, `checkpoint ${c.id}: sink out_${name} holds ${String(rows)} rows, source ${name} is at ${String(at)}`);
    }
  }
});
