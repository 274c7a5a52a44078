// File outputs under checkpoints: every file sink and file side output is fsynced before each
// checkpoint is written (so a checkpoint never records a length an OS crash can take back), and
// a resumed file shorter than its checkpointed length is refused with the file and both lengths
// instead of being appended to (which would lose rows and mangle a line).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readFileSync, writeFileSync, truncateSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { Catalog } from '../../src/catalog/catalog.js';
import { loadScriptText } from '../../src/cli/load.js';
import { planSinks } from '../../src/plan/job.js';
import { Job } from '../../src/exec/job.js';
import { openFileSink } from '../../src/connectors/file/sink.js';
import { openSideOutput } from '../../src/connectors/side-output.js';
import { OutputCutShortError } from '../../src/connectors/file/line-writer.js';
import type { CheckpointStats, CheckpointTarget, JobCheckpoint } from '../../src/state/checkpoint.js';
import { planFingerprint } from '../../src/state/fingerprint.js';

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'sluice-durability-'));
}

test('a file sink or side output shorter than its checkpointed length is refused, naming the file and both lengths', () => {
  const dir = tmp();
  const file = path.join(dir, 'out.jsonl');
  writeFileSync(file, '{"a":1}\n{"a":2}\n');
  const full = fs.statSync(file).size;
  truncateSync(file, 12);
  for (const open of [() => openFileSink(file, [{ name: 'a', type: { kind: 'int' as const } }], false, { bytes: full }), () => openSideOutput(file, full)]) {
    assert.throws(open, (e: unknown) => {
      assert.ok(e instanceof OutputCutShortError, String(e));
      assert.ok(e.message.includes(file), e.message);
      assert.match(e.message, new RegExp(`is 12 bytes long, but the checkpoint recorded ${full} bytes`));
      assert.match(e.message, /--fresh/);
      return true;
    });
  }
  assert.equal(readFileSync(file, 'utf8'), '{"a":1}\n{"a"', 'a refused file is left as it was');
  // A missing file with output checkpointed in it is refused too; one checkpointed empty is created.
  assert.throws(() => openSideOutput(path.join(dir, 'gone.jsonl'), 5), /gone\.jsonl is missing, but the checkpoint recorded 5 bytes/);
  openSideOutput(path.join(dir, 'new.jsonl'), 0);
  assert.equal(readFileSync(path.join(dir, 'new.jsonl'), 'utf8'), '');
  // Longer than checkpointed: cut back (output after the checkpoint is rolled back).
  const w = openFileSink(file, [{ name: 'a', type: { kind: 'int' as const } }], false, { bytes: 8 });
  assert.equal(readFileSync(file, 'utf8'), '{"a":1}\n');
  void w.close();
});

test('every file sink and file side output is fsynced before each checkpoint is written', async () => {
  const dir = tmp();
  writeFileSync(path.join(dir, 'in.jsonl'), ['{"k":"a","ts":"2024-05-20T10:00:01Z"}', 'bad', '{"k":"b","ts":"2024-05-20T10:00:15Z"}', '{"k":"a","ts":"2024-05-20T10:00:02Z"}'].join('\n') + '\n');
  const sql = `CREATE SOURCE s (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'in.jsonl', batch_size = '1', dead_letter = 'dlq.jsonl', late = 'late.jsonl');
CREATE SINK o WITH (connector = 'file', path = 'out.jsonl') AS SELECT k, window_start, COUNT(*) AS n FROM s GROUP BY k, TUMBLE(ts, 10s);`;
  const script = loadScriptText(sql, path.join(dir, 'job.sql'), dir, new Catalog());
  const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true });
  // Every fsync, by file: the descriptors are mapped to paths through /proc (Linux) when called.
  const synced: string[] = [];
  const real = fs.fsync;
  fs.fsync = ((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
    let name = String(fd);
    try {
      name = path.basename(fs.readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // not Linux: the descriptor number stands in
    }
    synced.push(name);
    return real(fd, cb);
  }) as typeof fs.fsync;
  syncBuiltinESMExports();
  const seenAtWrite: string[][] = [];
  const target: CheckpointTarget = {
    async write(c: JobCheckpoint): Promise<CheckpointStats> {
      seenAtWrite.push(synced.splice(0).sort());
      return { id: c.id, bytes: 0, ms: 0 };
    },
  };
  try {
    await new Job(plan, { checkpoints: { target, fingerprint: planFingerprint(plan), due: () => true } }).run();
  } finally {
    fs.fsync = real;
    syncBuiltinESMExports();
  }
  assert.ok(seenAtWrite.length >= 3, `${seenAtWrite.length} checkpoints`);
  for (const files of seenAtWrite) for (const f of ['dlq.jsonl', 'late.jsonl', 'out.jsonl']) assert.ok(files.includes(f), `${f} not fsynced before a checkpoint: ${files.join(', ')}`);
  assert.equal(readFileSync(path.join(dir, 'late.jsonl'), 'utf8').split('\n').filter(Boolean).length, 1);
});
