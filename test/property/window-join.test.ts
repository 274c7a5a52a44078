// Property tests of the window join (INNER, LEFT, RIGHT, FULL): two sources (each with its own
// watermark delay, out-of-order, duplicate and late rows, NULL keys), windowed alike in the TVF
// form (TUMBLE, HOP rows) or by a GROUP BY window (or one of each), joined on window_start,
// window_end and a key, sometimes with a residual or as a self-join (some rows just behind the
// watermark, where a window has just closed); interleaved on a random
// schedule of random batch sizes, with random checkpoints, crashes and restores, sometimes a
// 1-byte state budget. The late rows must be exactly those whose window had closed on their own
// source's watermark (brute force below), and the output must equal DuckDB's JOIN over the
// admitted rows. A failure prints the seed (SLUICE_PROPERTY_SEED replays it), SQL, schedule and
// input.

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

/**
 * eventsArb's rows, some moved to just behind their source's watermark at that point (1 ms to
 * just over a window back), where a window may have just closed: the edge of the late rule.
 */
const sourceArb = (delay: number, ties: boolean) =>
  fc.tuple(eventsArb(delay, ties), fc.array(fc.option(fc.constantFrom(0, 1, 250, 500, 999, 1000, 1001), { freq: 6 }), { maxLength: 130 })).map(([events, nudges]) => {
    let maxTs = -Infinity;
    return events.map((e, i) => {
      const n = nudges[i];
      const moved = n !== undefined && n !== null && maxTs > -Infinity ? { ...e, ms: maxTs - delay - n } : e;
      maxTs = Math.max(maxTs, moved.ms);
      return moved;
    });
  });

const runArb = runShapeArb();

/** How a side is windowed, for the late rule: TVF rows (late per window) or a GROUP BY window (late as a whole). */
type Form = { readonly tvf: boolean; readonly slide: number; readonly size: number };
const TVF_TUMBLE: Form = { tvf: true, slide: 1000, size: 1000 };
const TVF_HOP: Form = { tvf: true, slide: 500, size: 1000 };
const AGG_TUMBLE: Form = { tvf: false, slide: 1000, size: 1000 };

const ON = (x: string, y: string) => `${x}.k = ${y}.k AND ${x}.window_start = ${y}.window_start AND ${x}.window_end = ${y}.window_end`;
const aggA = `(SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS s FROM a GROUP BY k, TUMBLE(ts, 1s))`;
const aggB = `(SELECT k, window_start, window_end, COUNT(*) AS n, MAX(d) AS m FROM b GROUP BY k, TUMBLE(ts, 1s))`;

/** Each query, how each source is windowed, and whether it reads b (a self-join reads a twice). */
const QUERIES: ReadonlyArray<{ sql: string; a: Form; b: Form | undefined }> = [
  { sql: `SELECT x.k, x.v, y.v AS yv, x.ts, y.ts AS yts, x.window_start FROM TUMBLE(a, ts, 1s) AS x JOIN TUMBLE(b, ts, 1s) AS y ON ${ON('x', 'y')}`, a: TVF_TUMBLE, b: TVF_TUMBLE },
  { sql: `SELECT x.k, x.v, y.v AS yv, x.window_end FROM TUMBLE(a, ts, 1s) x LEFT JOIN TUMBLE(b, ts, 1s) y ON ${ON('x', 'y')} AND x.v < y.v`, a: TVF_TUMBLE, b: TVF_TUMBLE },
  { sql: `SELECT x.k, x.ts, y.k AS yk, y.ts AS yts, y.window_start FROM HOP(a, ts, 500ms, 1s) x RIGHT JOIN HOP(b, ts, 500ms, 1s) y ON ${ON('x', 'y')}`, a: TVF_HOP, b: TVF_HOP },
  { sql: `SELECT x.k, x.v, y.k AS yk, y.v AS yv, x.window_start, y.window_end FROM TUMBLE(a, ts, 1s) x FULL JOIN TUMBLE(b, ts, 1s) y ON ${ON('x', 'y')}`, a: TVF_TUMBLE, b: TVF_TUMBLE },
  { sql: `SELECT x.k, x.window_start, x.n, x.s, y.n AS yn, y.m FROM ${aggA} x JOIN ${aggB} y ON ${ON('x', 'y')}`, a: AGG_TUMBLE, b: AGG_TUMBLE },
  { sql: `SELECT x.k, x.window_start, x.n, y.k AS yk, y.n AS yn FROM ${aggA} x FULL OUTER JOIN ${aggB} y ON ${ON('x', 'y')} AND x.n <= y.n`, a: AGG_TUMBLE, b: AGG_TUMBLE },
  { sql: `SELECT x.k, x.window_start, x.n, y.v FROM ${aggA} x LEFT JOIN TUMBLE(b, ts, 1s) y ON ${ON('x', 'y')}`, a: AGG_TUMBLE, b: TVF_TUMBLE },
  { sql: `SELECT x.k, x.v, y.v AS v2, x.window_start FROM TUMBLE(a, ts, 1s) x JOIN TUMBLE(a, ts, 1s) y ON ${ON('x', 'y')} AND x.ts < y.ts`, a: TVF_TUMBLE, b: undefined },
];

function plan(query: string, delayA: number, delayB: number) {
  const sql =
    `CREATE SOURCE a (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delayA}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE SOURCE b (k VARCHAR, v BIGINT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delayB}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE SINK out AS ${query};`;
  const script = loadScriptText(sql, 'window-join.sql', process.cwd(), new Catalog());
  return { sql, plan: planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true }) };
}

/**
 * The late drops, by brute force from the README's rule: a row is late in a window that has
 * closed (its end at or behind the watermark) on its own source, the watermark being the largest
 * event time so far minus the delay as the row arrives. TVF rows are judged per window
 * (`source:seq@startMs`), a GROUP BY window's input row as a whole (`source:seq`).
 */
function expectedLate(inputs: Readonly<Record<string, readonly Event[]>>, delays: Readonly<Record<string, number>>, forms: Readonly<Record<string, Form>>, schedule: readonly Step[]): string[] {
  const maxTs = new Map<string, number>();
  const seqs = new Map<string, number>();
  const out = new Set<string>();
  for (const step of schedule) {
    const events = inputs[step.source]!;
    const form = forms[step.source]!;
    const from = seqs.get(step.source) ?? 0;
    const to = Math.min(events.length, from + step.size);
    for (let seq = from; seq < to; seq++) {
      const e = events[seq]!;
      const m = maxTs.get(step.source);
      const wm = m === undefined ? -Infinity : m - delays[step.source]!;
      for (let s = Math.floor(e.ms / form.slide) * form.slide; s > e.ms - form.size; s -= form.slide) {
        if (s + form.size <= wm) out.add(form.tvf ? `${step.source}:${seq}@${s}` : `${step.source}:${seq}`);
      }
      maxTs.set(step.source, Math.max(m ?? e.ms, e.ms));
    }
    seqs.set(step.source, to);
  }
  return [...out].sort();
}

async function check(q: (typeof QUERIES)[number], delays: { a: number; b: number }, inputs: { a: readonly Event[]; b: readonly Event[] }, run: RunShape): Promise<void> {
  const { sql, plan: p } = plan(q.sql, delays.a, delays.b);
  const schedule = makeSchedule(inputs, run.sizes, run.turns);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-wjoin-prop-'));
  const store = run.duckdbStore ? await CheckpointStore.open(dir) : new MemoryCheckpointStore();
  const context = () =>
    `SQL:\n${sql}\nrun ${JSON.stringify(run)}\nschedule ${JSON.stringify(schedule)}\ninput a (${inputs.a.length}): ${JSON.stringify(inputs.a)}\ninput b (${inputs.b.length}): ${JSON.stringify(inputs.b)}`;
  try {
    const r = await runScheduled(p, inputs, schedule, (n) => n % run.checkpointEvery === 0, run.crashAt, run.budget ? { stateMemory: { bytes: 1, dir } } : {}, store);
    const forms = { a: q.a, b: q.b ?? q.a };
    assert.deepEqual(unionLateKeys(r.late), expectedLate(inputs, delays, forms, schedule), `late rows differ from the rule (window closed on their own source's watermark)\n${context()}`);
    const comparisons = await compareWithOracle({ plan: p, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
    for (const c of comparisons) if (!c.equal) assert.fail(`window join != DuckDB\n${context()}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
  } finally {
    if (store instanceof CheckpointStore) store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test(`window joins (INNER, LEFT, RIGHT, FULL; TVF and GROUP BY windows) of two sources, through crashes and spills, equal DuckDB; late rows follow each side's own watermark (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(delayArb, delayArb, fc.boolean(), fc.boolean()).chain(([da, db, ta, tb]) => fc.tuple(fc.constant({ a: da, b: db }), sourceArb(da, ta), sourceArb(db, tb))),
      fc.integer({ min: 0, max: QUERIES.length - 1 }),
      runArb,
      async ([delays, a, b], i, run) => {
        const q = QUERIES[i]!;
        await check(q, delays, { a, b: q.b ? b : [] }, run);
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
});
