// Issue 10's HAVING repro against a real broker: an updating result under a non-monotone HAVING
// written to a Kafka upsert topic. The compacted view (latest value per key, tombstones delete)
// must hold the batch answer: a group that stops passing the filter is deleted, not left at its
// last passing row; a message key that an update changes leaves no stale key behind. (The
// filter turns the pair into -D, and the sink tombstones a -U not followed by a +U of its key:
// either alone keeps the view right here; before both, a stayed at n = 2.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { broker, readAll, unique } from './broker.js';
import { runSql } from './job.js';

/** The compacted view of a topic: the last value per key, a tombstone deleting the key. */
async function compacted(topic: string): Promise<Map<string, unknown>> {
  const view = new Map<string, unknown>();
  for (const m of await readAll(topic)) {
    const key = m.key!.toString();
    if (m.value === null) view.delete(key);
    else view.set(key, JSON.parse(m.value.toString()));
  }
  return view;
}

test('HAVING COUNT(*) < 3 to a Kafka upsert sink: a group that stops passing is tombstoned', { timeout: 120_000 }, async () => {
  await broker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-upsert-filter-'));
  try {
    const file = path.join(dir, 'raw.jsonl');
    writeFileSync(file, ['a', 'b', 'a', 'a', 'c', 'c'].map((k) => JSON.stringify({ k })).join('\n') + '\n');
    const counts = unique('upsert-having');
    const moved = unique('upsert-key-moves');
    await runSql(`
      CREATE SOURCE raw (k VARCHAR) WITH (connector = 'file', path = '${file}', batch_size = '1');
      CREATE SINK counts WITH (connector = 'kafka', topic = '${counts}') AS
      SELECT k, COUNT(*) AS n FROM raw GROUP BY k HAVING COUNT(*) < 3;
      CREATE SINK moved WITH (connector = 'kafka', topic = '${moved}', key = 'n') AS
      SELECT k, n FROM (SELECT k, COUNT(*) AS n FROM raw GROUP BY k) WHERE k = 'a';`);
    // DuckDB's answer: a has 3 rows (fails), b 1, c 2.
    assert.deepEqual(Object.fromEntries(await compacted(counts)), { b: { k: 'b', n: 1 }, c: { k: 'c', n: 2 } });
    // Keyed by n, a's updates move it from key 1 to 2 to 3: only key 3 may remain.
    assert.deepEqual(Object.fromEntries(await compacted(moved)), { '3': { k: 'a', n: 3 } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a Kafka upsert sink over a view that aggregates is keyed by the view\'s group key', { timeout: 120_000 }, async () => {
  await broker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-upsert-view-'));
  try {
    const file = path.join(dir, 'raw.jsonl');
    writeFileSync(file, ['a', 'b', 'a', 'a', 'c', 'c'].map((k) => JSON.stringify({ k })).join('\n') + '\n');
    const all = unique('upsert-view');
    const some = unique('upsert-view-filter');
    // The sinks' queries select no GROUP BY column of their own: the key comes from the plan.
    await runSql(`
      CREATE SOURCE raw (k VARCHAR) WITH (connector = 'file', path = '${file}', batch_size = '1');
      CREATE VIEW counts AS SELECT k, COUNT(*) AS n FROM raw GROUP BY k;
      CREATE SINK everything WITH (connector = 'kafka', topic = '${all}') AS SELECT * FROM counts;
      CREATE SINK few WITH (connector = 'kafka', topic = '${some}') AS SELECT k, n FROM counts WHERE n < 3;`);
    // A null key for every message (before) left one row in the compacted view.
    assert.deepEqual(Object.fromEntries(await compacted(all)), { a: { k: 'a', n: 3 }, b: { k: 'b', n: 1 }, c: { k: 'c', n: 2 } });
    assert.deepEqual(Object.fromEntries(await compacted(some)), { b: { k: 'b', n: 1 }, c: { k: 'c', n: 2 } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
