// Property tests of three-way joins by composition: a join whose input is a view or subquery
// over another join (interval joins of every kind, keeping the event time of the side each
// kind keeps; window joins of a window join), over three sources with their own watermark
// delays, out-of-order, duplicate, late and NULL-key rows, on a random schedule of random batch
// sizes with checkpoints, crashes, restores and sometimes a 1-byte state budget. Late rows must
// be exactly those the rules make late on their own source (nothing after a join is late), and
// the output must equal DuckDB's nested JOINs over the admitted rows. A failure prints the seed
// (SLUICE_PROPERTY_SEED replays it), SQL, schedule and input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { Catalog } from '../../src/catalog/catalog.js';
import { loadScriptText } from '../../src/cli/load.js';
import { planSinks } from '../../src/plan/job.js';
import { compareWithOracle, renderComparison } from '../../src/oracle/index.js';
import { CheckpointStore, MemoryCheckpointStore } from '../../src/state/checkpoint.js';
import { eventsArb, type Event } from './events.js';
import { makeSchedule, runScheduled, unionLateKeys, type Step } from './union-harness.js';
import { propertyRuns, SEED, delayArb, runShapeArb, type RunShape } from './run-shape.js';

const RUNS = propertyRuns(2);

const runArb = runShapeArb(11);

const ms = (n: number) => `INTERVAL '${n}' MILLISECOND`;
const bound = (x: string, y: string, lo: number, hi: number) => `${y}.ts BETWEEN ${x}.ts - ${ms(lo)} AND ${x}.ts + ${ms(hi)}`;
const win = (src: string, agg: string) => `(SELECT k, window_start, window_end, ${agg} FROM ${src} GROUP BY k, TUMBLE(ts, 1s))`;
const WON = (x: string, y: string) => `${x}.k = ${y}.k AND ${x}.window_start = ${y}.window_start AND ${x}.window_end = ${y}.window_end`;

/** Each query and how each source's rows are judged late: 'row' (behind its watermark) or 'tumble' (its 1 s window closed). */
const QUERIES: ReadonlyArray<{ sql: string; late: 'row' | 'tumble' }> = [
  // (a JOIN b) JOIN c, the inner join as a subquery keeping a's event time.
  { sql: `SELECT ab.k, ab.v, ab.bv, c.v AS cv, ab.ts FROM (SELECT a.k, a.v, b.v AS bv, a.ts FROM a JOIN b ON a.k = b.k AND ${bound('a', 'b', 1000, 500)}) AS ab JOIN c ON ab.k = c.k AND ${bound('ab', 'c', 500, 1000)}`, late: 'row' },
  // (a LEFT JOIN b) LEFT JOIN c: padded rows of the first join pad again or pair in the second.
  { sql: `SELECT ab.k, ab.v, ab.bv, c.v AS cv, ab.ts, c.ts AS cts FROM (SELECT a.k, a.v, b.v AS bv, a.ts FROM a LEFT JOIN b ON a.k = b.k AND ${bound('a', 'b', 500, 500)}) AS ab LEFT JOIN c ON ab.k = c.k AND ${bound('ab', 'c', 1000, 250)}`, late: 'row' },
  // (a RIGHT JOIN b) keeps b's event time, and that bounds c; the second join is FULL.
  { sql: `SELECT ab.k, ab.bk, ab.ts, c.k AS ck, c.ts AS cts FROM (SELECT a.k, b.k AS bk, b.ts FROM a RIGHT JOIN b ON a.k = b.k AND ${bound('a', 'b', 750, 750)}) AS ab FULL JOIN c ON ab.bk = c.k AND ${bound('ab', 'c', 500, 500)}`, late: 'row' },
  // c JOIN (a JOIN b): the composed join on the right.
  { sql: `SELECT c.k, c.v, ab.v AS abv, ab.ts AS abts FROM c JOIN (SELECT a.k, a.v, a.ts FROM a JOIN b ON a.k = b.k AND ${bound('a', 'b', 250, 250)}) AS ab ON c.k = ab.k AND ${bound('c', 'ab', 1000, 1000)}`, late: 'row' },
  // A window join of a window join with a third windowed aggregate.
  {
    sql: `SELECT xy.k, xy.window_start, xy.n, xy.s, z.m FROM (SELECT x.k, x.window_start, x.window_end, x.n, y.s FROM ${win('a', 'COUNT(*) AS n')} x JOIN ${win('b', 'SUM(v) AS s')} y ON ${WON('x', 'y')}) xy LEFT JOIN ${win('c', 'MAX(d) AS m')} z ON ${WON('xy', 'z')}`,
    late: 'tumble',
  },
  {
    sql: `SELECT xy.k, xy.yk, xy.window_end, z.k AS zk, z.n FROM (SELECT x.k, y.k AS yk, y.window_start, y.window_end FROM ${win('a', 'COUNT(*) AS n')} x RIGHT JOIN ${win('b', 'COUNT(*) AS n')} y ON ${WON('x', 'y')}) xy FULL JOIN ${win('c', 'COUNT(*) AS n')} z ON xy.yk = z.k AND xy.window_start = z.window_start AND xy.window_end = z.window_end`,
    late: 'tumble',
  },
];

function plan(query: string, delays: Readonly<Record<string, number>>) {
  const src = (name: string, vt: string) =>
    `CREATE SOURCE ${name} (k VARCHAR, v ${vt}, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delays[name]}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n`;
  const sql = src('a', 'INT') + src('b', 'BIGINT') + src('c', 'INT') + `CREATE SINK out AS ${query};`;
  const script = loadScriptText(sql, 'multi-join.sql', process.cwd(), new Catalog());
  return { sql, plan: planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true }) };
}

/** The late drops by brute force: each source's rows against its own watermark as they arrive (`source:seq`). */
function expectedLate(inputs: Readonly<Record<string, readonly Event[]>>, delays: Readonly<Record<string, number>>, rule: 'row' | 'tumble', schedule: readonly Step[]): string[] {
  const maxTs = new Map<string, number>();
  const seqs = new Map<string, number>();
  const out: string[] = [];
  for (const step of schedule) {
    const events = inputs[step.source]!;
    const from = seqs.get(step.source) ?? 0;
    const to = Math.min(events.length, from + step.size);
    for (let seq = from; seq < to; seq++) {
      const e = events[seq]!;
      const m = maxTs.get(step.source);
      const wm = m === undefined ? -Infinity : m - delays[step.source]!;
      const late = rule === 'row' ? e.ms < wm : Math.floor(e.ms / 1000) * 1000 + 1000 <= wm;
      if (late) out.push(`${step.source}:${seq}`);
      maxTs.set(step.source, Math.max(m ?? e.ms, e.ms));
    }
    seqs.set(step.source, to);
  }
  return out.sort();
}

async function check(q: (typeof QUERIES)[number], delays: Readonly<Record<string, number>>, inputs: Readonly<Record<string, readonly Event[]>>, run: RunShape): Promise<void> {
  const { sql, plan: p } = plan(q.sql, delays);
  const schedule = makeSchedule(inputs, run.sizes, run.turns);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-mjoin-prop-'));
  const store = run.duckdbStore ? await CheckpointStore.open(dir) : new MemoryCheckpointStore();
  const context = () => `SQL:\n${sql}\nrun ${JSON.stringify(run)}\nschedule ${JSON.stringify(schedule)}\ninputs ${JSON.stringify(inputs)}`;
  try {
    const r = await runScheduled(p, inputs, schedule, (n) => n % run.checkpointEvery === 0, run.crashAt, run.budget ? { stateMemory: { bytes: 1, dir } } : {}, store);
    assert.deepEqual(unionLateKeys(r.late), expectedLate(inputs, delays, q.late, schedule), `late rows differ from the rule\n${context()}`);
    const comparisons = await compareWithOracle({ plan: p, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
    for (const c of comparisons) if (!c.equal) assert.fail(`three-way join != DuckDB\n${context()}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
  } finally {
    if (store instanceof CheckpointStore) store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test(`three-way joins by composition (interval joins of each kind, window joins) equal DuckDB through crashes and spills; late rows follow each source's own watermark (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc
        .tuple(delayArb, delayArb, delayArb, fc.boolean(), fc.boolean(), fc.boolean())
        .chain(([da, db, dc, ta, tb, tc]) => fc.tuple(fc.constant({ a: da, b: db, c: dc }), eventsArb(da, ta), eventsArb(db, tb), eventsArb(dc, tc))),
      fc.integer({ min: 0, max: QUERIES.length - 1 }),
      runArb,
      async ([delays, a, b, c], i, run) => {
        await check(QUERIES[i]!, delays, { a, b, c }, run);
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
});
