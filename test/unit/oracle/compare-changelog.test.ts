// The oracle on changelogs, end to end from SQL: the HAVING repro of issue 10 over a file
// source in one-row batches, a malformed changelog reported with its position, the upsert view
// of a Kafka sink keyed by a column that is not a key, and stream keys derived from plans.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Row } from '../../../src/catalog/types.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { OP_LABEL, Op } from '../../../src/exec/operator.js';
import { Job } from '../../../src/exec/job.js';
import type { SinkWriter } from '../../../src/connectors/connector.js';
import { checkJob } from '../../../src/oracle/check-job.js';
import { compareWithOracle, renderComparison } from '../../../src/oracle/index.js';
import { planSinks } from '../../../src/plan/job.js';
import { streamKey } from '../../../src/plan/stream-key.js';

const SOURCE = "CREATE SOURCE raw (k VARCHAR, v INT) WITH (connector = 'file', path = 'raw.jsonl', batch_size = '1');";

async function withInput<T>(lines: string[], f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-compare-changelog-'));
  try {
    writeFileSync(path.join(dir, 'raw.jsonl'), lines.join('\n') + '\n');
    return await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const THREE_A = ['{"k":"a","v":1}', '{"k":"a","v":2}', '{"k":"a","v":3}'];

test('HAVING COUNT(*) < 3 over three rows of a, one per batch: well formed and equal to DuckDB; the old -U without its +U is reported with its position', async () => {
  await withInput(THREE_A, async (dir) => {
    const script = loadScriptText(`${SOURCE}\nCREATE SINK out AS SELECT k, COUNT(*) AS n FROM raw GROUP BY k HAVING COUNT(*) < 3;`, 'q.sql', dir, new Catalog());
    const sinks = [...script.catalog.sinks.values()];
    const result = await checkJob(script.catalog, sinks);
    const [c] = result.comparisons;
    assert.ok(c);
    assert.equal(c.equal, true, renderComparison([c]));
    // What the job writes: the pair whose new row fails HAVING became -D.
    const plan = planSinks(script.catalog, sinks, { provenance: true });
    const written: string[] = [];
    const writer: SinkWriter = {
      write: (b) => b.rows.forEach((r, i) => written.push(`${OP_LABEL[b.ops ? b.ops[i]! : Op.Insert]} ${r.join(' ')}`)),
      flush: async () => {},
      close: async () => {},
    };
    await new Job(plan, { sideOutputs: false, hooks: { sinkWriter: () => writer } }).run();
    assert.deepEqual(written, ['+I a 1', '-U a 1', '+U a 2', '-D a 2']);
    // The same job's output, reported malformed as the old filter wrote it: -U a 2 without its +U.
    const bad = { rows: [['a', 1], ['a', 1], ['a', 2], ['a', 2]] as Row[], ops: [Op.Insert, Op.UpdateBefore, Op.UpdateAfter, Op.UpdateBefore] };
    const sourceId = plan.nodes.find((n) => n.kind === 'source')!.id;
    const rows = THREE_A.map((l, i) => [...Object.values(JSON.parse(l) as Record<string, string | number>), { source: 'raw', seq: i, position: { index: i }, raw: undefined }] as unknown as Row);
    const [m] = await compareWithOracle({ plan, sourceRows: new Map([[sourceId, rows]]), late: [], sinkOutputs: new Map([[plan.sinks[0]!, bad]]) });
    assert.ok(m);
    assert.equal(m.equal, false);
    assert.deepEqual(m.changelogErrors, ["changelog entry #3 (-U {k: 'a', n: 2}) is not followed by its +U: the changelog ends there"]);
    assert.match(renderComparison([m]), /^out: MALFORMED CHANGELOG \(its 0 rows equal DuckDB's once retractions apply, but a consumer of the changelog would see something else\)\n {2}changelog error: changelog entry #3/);
  });
});

test("a Kafka sink keyed by a column that is not the result's key: its upsert view differs from DuckDB", async () => {
  await withInput(['{"k":"a","v":1}', '{"k":"b","v":2}'], async (dir) => {
    const sql = `${SOURCE}\nCREATE SINK out WITH (connector = 'kafka', topic = 't', key = 'n') AS SELECT k, COUNT(*) AS n FROM raw GROUP BY k;`;
    const script = loadScriptText(sql, 'q.sql', dir, new Catalog());
    const [c] = (await checkJob(script.catalog, [...script.catalog.sinks.values()])).comparisons;
    assert.ok(c);
    assert.equal(c.equal, false);
    assert.equal(c.onlyEngine.length + c.onlyOracle.length, 0, 'the rows themselves are right');
    assert.match(c.changelogErrors[0] ?? '', /^the upsert view \(the latest row per key, -D deleting it: what a compacted topic holds\) differs from DuckDB: DuckDB row \{k: 'a', n: 1\} has no match in the upsert view/);
  });
});

test('stream keys: group keys and window bounds, through filters and projections that keep them', () => {
  const key = (select: string): number[] | undefined => {
    const script = loadScriptText(
      `CREATE SOURCE ev (k VARCHAR, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'datagen', generator = 'sensors');\nCREATE SINK out AS ${select};`,
      'q.sql',
      process.cwd(),
      new Catalog(),
    );
    const plan = planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true });
    return streamKey(plan, plan.sinks[0]!);
  };
  assert.deepEqual(key('SELECT k, COUNT(*) AS n FROM ev GROUP BY k HAVING COUNT(*) < 3'), [0]);
  assert.deepEqual(key('SELECT n, k FROM (SELECT k, COUNT(*) AS n FROM ev GROUP BY k) WHERE n < 3'), [1]);
  assert.deepEqual(key('SELECT COUNT(*) AS n FROM ev'), []);
  assert.deepEqual(key('SELECT COUNT(*) AS n, k, window_end, window_start FROM ev GROUP BY k, TUMBLE(ts, 1s) EMIT CHANGES'), [1, 3, 2]);
  assert.equal(key('SELECT n FROM (SELECT k, COUNT(*) AS n FROM ev GROUP BY k)'), undefined);
  assert.equal(key("SELECT k || '!' AS k, n FROM (SELECT k, COUNT(*) AS n FROM ev GROUP BY k)"), undefined);
  assert.equal(key('SELECT k, v FROM ev'), undefined);
});
