// UNION (distinct) of two updating results written to a Kafka upsert topic against a real broker:
// the sink is keyed by the whole row (the distinct's key), so the compacted view (latest value
// per key, tombstones delete) holds exactly the distinct rows DuckDB gives: a count that moved on
// in both inputs is tombstoned, one still live in either input stays.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { broker, readAll, unique } from './broker.js';
import { runSql } from './job.js';

test('UNION of two counts to a Kafka upsert sink: the compacted view is the distinct rows', { timeout: 120_000 }, async () => {
  await broker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-union-distinct-'));
  try {
    const a = path.join(dir, 'a.jsonl');
    const b = path.join(dir, 'b.jsonl');
    writeFileSync(a, ['x', 'y', 'x', 'x'].map((k) => JSON.stringify({ k })).join('\n') + '\n');
    writeFileSync(b, ['x', 'x', 'z', 'y', 'y'].map((k) => JSON.stringify({ k })).join('\n') + '\n');
    const topic = unique('union-distinct');
    await runSql(`
      CREATE SOURCE a (k VARCHAR) WITH (connector = 'file', path = '${a}', batch_size = '1');
      CREATE SOURCE b (k VARCHAR) WITH (connector = 'file', path = '${b}', batch_size = '1');
      CREATE SINK both WITH (connector = 'kafka', topic = '${topic}') AS
      SELECT k, COUNT(*) AS n FROM a GROUP BY k UNION SELECT k, COUNT(*) AS n FROM b GROUP BY k;`);
    const view = new Map<string, unknown>();
    for (const m of await readAll(topic)) {
      const key = m.key!.toString();
      if (m.value === null) view.delete(key);
      else view.set(key, JSON.parse(m.value.toString()));
    }
    // DuckDB's answer: a gives (x, 3), (y, 1); b gives (x, 2), (z, 1), (y, 2).
    const rows = [...view.values()].map((v) => JSON.stringify(v)).sort();
    assert.deepEqual(rows, [{ k: 'x', n: 2 }, { k: 'x', n: 3 }, { k: 'y', n: 1 }, { k: 'y', n: 2 }, { k: 'z', n: 1 }].map((v) => JSON.stringify(v)).sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
