// Where a source cuts its batches (exec/watermark-steps.ts): at every watermark value where a
// downstream window can close. With an offset, window ends are offset + k * size, so the step
// is the gcd with the offset too; a step that ignored the offset let a row behind a window that
// closed mid-batch be merged into it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadScriptText } from '../../../src/cli/load.js';
import { planSinks } from '../../../src/plan/job.js';
import { perRowSources, watermarkSteps } from '../../../src/exec/watermark-steps.js';

const SOURCE = `CREATE SOURCE raw (sensor VARCHAR, value DOUBLE, ts TIMESTAMP,
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'file', path = 'x.jsonl', format = 'jsonl');
`;
const S = 1_000_000;

function step(sql: string): number | undefined {
  const s = loadScriptText(SOURCE + sql, 'job.sql', process.cwd(), new Catalog());
  const plan = planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false });
  const steps = [...watermarkSteps(plan).values()];
  assert.equal(steps.length, 1);
  return steps[0];
}

test('window steps: the size, gcd(slide, size), and with an offset the gcd with it', () => {
  assert.equal(step('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY TUMBLE(ts, 10s);'), 10 * S);
  assert.equal(step('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY TUMBLE(ts, 10s, 4s);'), 2 * S);
  assert.equal(step('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY TUMBLE(ts, 10s, -7s);'), 1 * S);
  assert.equal(step('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY HOP(ts, 4s, 10s);'), 2 * S);
  assert.equal(step('CREATE SINK s AS SELECT COUNT(*) FROM raw GROUP BY HOP(ts, 4s, 10s, 1s);'), 1 * S);
  assert.equal(step('CREATE SINK s AS SELECT COUNT(*) FROM TUMBLE(raw, ts, 1d, 8h) GROUP BY window_start;'), 8 * 3600 * S);
  assert.equal(step('CREATE SINK s AS SELECT sensor FROM raw;'), undefined);
});

test('an offset window closed in the middle of a batch makes the next row behind it late', async () => {
  const { checkJob } = await import('../../../src/oracle/check-job.js');
  const sql = `CREATE SOURCE ev (k VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'datagen', generator = 'sensors');
CREATE SINK out AS SELECT window_start, COUNT(*) AS n FROM ev GROUP BY TUMBLE(ts, 10s, 3s);`;
  const s = loadScriptText(sql, 'job.sql', process.cwd(), new Catalog());
  // Windows [-7s, 3s), [3s, 13s). The row at 5s moves the watermark to 4s, closing the first; the
  // row at 2.5s after it, in the same batch, is late.
  const ms = [2000, 5000, 2500];
  const reader = () => ({
    bounded: true as const,
    async run(emit: (b: Array<{ value: Record<string, unknown>; position: { index: number } }>) => Promise<void>) {
      await emit(ms.map((t, i) => ({ value: { k: 'a', ts: t }, position: { index: i } })));
    },
  });
  const r = await checkJob(s.catalog, [...s.catalog.sinks.values()], { reader });
  assert.deepEqual(r.late.map((l) => l.ref!.seq), [2]);
  assert.ok(r.comparisons.every((c) => c.equal));
});

test('per-row marks instead of cuts: only for a source whose one consumer is an interval join with nothing after it that watches watermarks', () => {
  const two = `CREATE SOURCE l (k VARCHAR, v INT, w VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (connector = 'file', path = 'l.jsonl', format = 'jsonl');
CREATE SOURCE r (k VARCHAR, v INT, w VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (connector = 'file', path = 'r.jsonl', format = 'jsonl');
`;
  const marked = (sql: string): string[] => {
    const s = loadScriptText(two + sql, 'job.sql', process.cwd(), new Catalog());
    const plan = planSinks(s.catalog, [...s.catalog.sinks.values()], { provenance: false });
    return [...perRowSources(plan, watermarkSteps(plan))].map((id) => {
      const n = plan.nodes[id]!;
      return n.kind === 'source' ? n.source.name : '?';
    });
  };
  const on = `ON l.k = r.k AND r.ts BETWEEN l.ts - INTERVAL '1' MINUTE AND l.ts + INTERVAL '1' MINUTE`;
  assert.deepEqual(marked(`CREATE SINK s AS SELECT l.k, l.v, r.v AS rv FROM l JOIN r ${on};`).sort(), ['l', 'r']);
  // Projects that prune columns before the join (plan/push-join.ts) pass the marks on; a WHERE
  // on one side becomes a filter before the join, so that side is cut as below.
  const pruned = `CREATE SINK s AS SELECT l.k, r.k AS rk FROM l JOIN r ${on};`;
  const ps = loadScriptText(two + pruned, 'job.sql', process.cwd(), new Catalog());
  const pp = planSinks(ps.catalog, [...ps.catalog.sinks.values()], { provenance: false });
  assert.equal(pp.nodes.filter((n) => n.kind === 'project' && pp.nodes[n.inputs[0]!]!.kind === 'source').length, 2, 'both sides pruned by a project');
  assert.deepEqual(marked(pruned).sort(), ['l', 'r']);
  assert.deepEqual(marked(`CREATE SINK s AS SELECT l.k, l.v, r.v AS rv FROM l JOIN r ${on} WHERE r.v > 3;`).sort(), ['l']);
  // A window after the join watches its watermark: cut as before.
  assert.deepEqual(marked(`CREATE SINK s AS SELECT l.k, COUNT(*) AS n FROM l JOIN r ${on} GROUP BY l.k, TUMBLE(l.ts, 10s);`), []);
  // A filter before the join (the source's consumer is not the join), and a source read twice: cut as before.
  assert.deepEqual(marked(`CREATE SINK s AS SELECT l.k, r.v FROM (SELECT * FROM l WHERE v > 1) l JOIN r ${on};`), ['r']);
  assert.deepEqual(marked(`CREATE SINK s AS SELECT a.k FROM l a JOIN l b ON a.k = b.k AND b.ts BETWEEN a.ts - INTERVAL '1' MINUTE AND a.ts;`), []);
});
