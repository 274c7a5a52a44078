// Property test of filter pushdown and column pruning below joins (src/plan/push-join.ts): each
// query has WHERE or ON conjunctions on one side of a regular, interval or window join, INNER, LEFT,
// RIGHT and FULL, including those that must NOT move (a WHERE on the null-supplying side, the
// `WHERE b.k IS NULL` anti-join, an ON conjunction on the preserved side, anything of a FULL
// join). The engine runs the rewritten plan; DuckDB runs the same job planned without the rule
// (`pushdown: false`, oracle/baseline.ts), so a wrong pushdown shows as a difference instead of
// being copied into the oracle's query. Random inputs with NULLs, batch sizes, checkpoints,
// crashes and spills (run-shape.ts). A failure prints the seed, SQL, both plans' DuckDB SQL and input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { Catalog } from '../../src/catalog/catalog.js';
import { loadScriptText } from '../../src/cli/load.js';
import { planSinks } from '../../src/plan/job.js';
import { explainPlan } from '../../src/plan/explain.js';
import { compareWithOracle, renderComparison } from '../../src/oracle/index.js';
import { CheckpointStore, MemoryCheckpointStore } from '../../src/state/checkpoint.js';
import { eventsArb } from './events.js';
import { makeSchedule, runScheduled } from './union-harness.js';
import { propertyRuns, SEED, runShapeArb } from './run-shape.js';

const RUNS = propertyRuns(25);
const WINDOWS = 'x.k = y.k AND x.window_start = y.window_start AND x.window_end = y.window_end';
const BETWEEN = "b.ts BETWEEN a.ts - INTERVAL '1000' MILLISECOND AND a.ts + INTERVAL '500' MILLISECOND";

/** Each query and how many filters the rule must put below its join (so the test knows it ran). */
const QUERIES: ReadonlyArray<{ sql: string; below: number }> = [
  // INNER: WHERE and ON conjunctions of either side go below; one over both stays.
  { sql: 'SELECT a.k, a.v, b.v AS bv FROM a JOIN b ON a.k = b.k AND b.d < 300 WHERE a.v > 3 AND a.v + b.v > 10', below: 2 },
  // LEFT: a WHERE on the preserved side goes below ...
  { sql: 'SELECT a.k, a.v, b.v AS bv FROM a LEFT JOIN b ON a.k = b.k WHERE a.v % 2 = 0', below: 1 },
  // ... one on the null-supplying side stays above (it removes the NULL-padded rows too) ...
  { sql: 'SELECT a.k, a.v, b.v AS bv FROM a LEFT JOIN b ON a.k = b.k WHERE b.v > 20', below: 0 },
  // ... the anti-join keeps only the unmatched rows ...
  { sql: 'SELECT a.k, a.v FROM a LEFT JOIN b ON a.k = b.k WHERE b.k IS NULL', below: 0 },
  // ... an ON conjunction on the null-supplying side goes below, one on the preserved side stays in ON.
  { sql: 'SELECT a.k, a.v, b.v AS bv FROM a LEFT JOIN b ON a.k = b.k AND b.v > 20 AND a.v > 10', below: 1 },
  // RIGHT: the mirror image, with an IS NULL on the null-supplying side.
  { sql: 'SELECT a.k, a.d, b.k AS bk, b.v FROM a RIGHT JOIN b ON a.k = b.k AND a.v % 3 = 1 AND b.v < 40 WHERE b.v IS NOT NULL AND a.d IS NULL', below: 2 },
  // FULL: nothing moves.
  { sql: 'SELECT a.k, a.v, b.k AS bk, b.v AS bv FROM a FULL JOIN b ON a.k = b.k AND a.v > 2 AND b.v < 60 WHERE a.v IS NULL OR a.v < 50', below: 0 },
  // Pruning under a GROUP BY; an OR on one side goes below as one conjunction.
  { sql: 'SELECT a.k, COUNT(*) AS n, SUM(b.v) AS s FROM a JOIN b ON a.k = b.k WHERE (a.v > 1 OR a.d > 0) AND a.v + b.v > 3 GROUP BY a.k', below: 1 },
  // A changelog side (a GROUP BY result) with a WHERE on it, preserved side of a LEFT join.
  { sql: 'SELECT x.k, x.n, b.v FROM (SELECT k, COUNT(*) AS n FROM a GROUP BY k) AS x LEFT JOIN b ON x.k = b.k AND b.v > 1 WHERE x.n > 1', below: 2 },
  // Interval joins: LEFT with a WHERE on the preserved side and an ON on the null-supplying side.
  { sql: `SELECT a.k, a.v, b.v AS bv, a.ts FROM a LEFT JOIN b ON a.k = b.k AND ${BETWEEN} AND b.v > 2 WHERE a.v % 2 = 0`, below: 2 },
  // ... RIGHT anti-join on the interval join, INNER with both.
  { sql: `SELECT b.k, b.v, b.ts FROM a RIGHT JOIN b ON a.k = b.k AND ${BETWEEN} WHERE a.k IS NULL`, below: 0 },
  { sql: `SELECT a.k, b.d, b.ts AS bts FROM a JOIN b ON a.k = b.k AND ${BETWEEN} AND a.d > 0 WHERE b.v < 30`, below: 2 },
  // Window joins: LEFT with both kinds of pushable conjunction and a WHERE on the null-supplying side that stays.
  { sql: `SELECT x.k, x.v, y.v AS yv, x.window_start FROM TUMBLE(a, ts, 1s) AS x LEFT JOIN TUMBLE(b, ts, 1s) AS y ON ${WINDOWS} AND y.v > 2 WHERE x.v % 2 = 0 AND (y.d IS NULL OR y.d > 0)`, below: 2 },
  { sql: `SELECT x.k, y.k AS yk, y.window_end FROM TUMBLE(a, ts, 1s) AS x RIGHT JOIN TUMBLE(b, ts, 1s) AS y ON ${WINDOWS} WHERE x.k IS NULL`, below: 0 },
];

function plan(query: string, pushdown: boolean) {
  const sql =
    `CREATE SOURCE a (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE SOURCE b (k VARCHAR, v BIGINT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '500' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE SINK out AS ${query};`;
  const script = loadScriptText(sql, 'join.sql', process.cwd(), new Catalog());
  return { sql, plan: planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true, pushdown }) };
}

test('the rule puts the expected filters below each join, and prunes columns', () => {
  let projects = 0;
  for (const q of QUERIES) {
    const { plan: p } = plan(q.sql, true);
    const join = p.nodes.find((n) => n.kind === 'regularJoin' || n.kind === 'intervalJoin' || n.kind === 'windowJoin')!;
    const filtersBelow = join.inputs.filter((i) => {
      let n = p.nodes[i]!;
      if (n.kind === 'project') n = p.nodes[n.inputs[0]!]!;
      return n.kind === 'filter';
    }).length;
    assert.equal(filtersBelow, q.below, `${q.sql}\n${explainPlan(p)}`);
    projects += join.inputs.filter((i) => p.nodes[i]!.kind === 'project').length;
  }
  // A project drops unread columns of a side that is filtered, or loses at least half its columns.
  assert.ok(projects >= 10, `${projects} join inputs pruned`);
});

test(`joins with pushed-down filters and pruned columns equal DuckDB's join of the unrewritten plan (${QUERIES.length} queries × ${RUNS} cases)`, async () => {
  for (const query of QUERIES) {
    await fc.assert(
      fc.asyncProperty(fc.tuple(eventsArb(1000), eventsArb(500)), runShapeArb(), async ([a, b], run) => {
        const engine = plan(query.sql, true);
        const baseline = plan(query.sql, false).plan;
        const inputs = { a, b };
        const schedule = makeSchedule(inputs, run.sizes, run.turns);
        const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-pushdown-prop-'));
        const store = run.duckdbStore ? await CheckpointStore.open(dir) : new MemoryCheckpointStore();
        try {
          const r = await runScheduled(engine.plan, inputs, schedule, (n) => n % run.checkpointEvery === 0, run.crashAt, run.budget ? { stateMemory: { bytes: 1, dir } } : {}, store);
          const comparisons = await compareWithOracle({ plan: engine.plan, baseline, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
          for (const c of comparisons) {
            if (!c.equal) assert.fail(`join with pushdown != DuckDB without it\nSQL:\n${engine.sql}\nrun ${JSON.stringify(run)}\ninput a ${JSON.stringify(a)}\ninput b ${JSON.stringify(b)}\n${renderComparison([c])}\nDuckDB SQL (unrewritten plan):\n${c.sql}\nengine plan:\n${explainPlan(engine.plan)}`);
          }
        } finally {
          if (store instanceof CheckpointStore) store.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: RUNS, ...SEED },
    );
  }
});
