// Property tests of joins with a table: an event-time temporal join (`FOR SYSTEM_TIME AS OF`)
// against a Kafka-declared table whose changelog has upserts and tombstones, and a lookup join
// against a file table (loaded whole first). Stream and table each have their own watermark
// delay, out-of-order, duplicate, late and NULL-keyed rows, interleaved on a random schedule of
// random batch sizes; random checkpoints, crashes and restores, sometimes a 1-byte state budget
// (every key spills). Late rows must be exactly those behind their own source's watermark, and
// the output must equal DuckDB's (ASOF JOIN for the temporal join, JOIN for the lookup join).
// A failure prints the seed (SLUICE_PROPERTY_SEED replays it), SQL, schedule and input.

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

const runArb = runShapeArb();

/** Table rows: some are tombstones (only a Kafka table has them). */
const tableArb = (delay: number, tombs: boolean) =>
  fc.tuple(eventsArb(delay, true), fc.array(fc.nat(4), { maxLength: 200 })).map(([events, flags]) => events.map((e, i) => (tombs && flags[i] === 0 ? { ...e, tomb: true } : e)));

/** Each query, and whether its table is the Kafka one (tombstones, temporal) or the file one. */
const QUERIES: ReadonlyArray<{ sql: string; table: 'kt' | 'ft' | 'fk' }> = [
  { sql: `SELECT a.k, a.v, a.ts, kt.v AS tv, kt.d AS td, kt.ts AS tts FROM a JOIN kt FOR SYSTEM_TIME AS OF a.ts ON a.k = kt.k`, table: 'kt' },
  { sql: `SELECT a.k, a.v, a.ts, t.v AS tv, t.ts AS tts FROM a LEFT JOIN kt FOR SYSTEM_TIME AS OF a.ts AS t ON t.k = a.k`, table: 'kt' },
  // A residual, judged on the version found (LEFT: NULLs when it fails).
  { sql: `SELECT a.k, a.v, a.ts, t.v AS tv FROM a AS a LEFT JOIN kt FOR SYSTEM_TIME AS OF a.ts t ON a.k = t.k AND a.v < t.v`, table: 'kt' },
  { sql: `SELECT a.k, a.d, t.d AS td FROM a JOIN kt FOR SYSTEM_TIME AS OF a.ts t ON a.k = t.k AND t.d IS NOT NULL`, table: 'kt' },
  // A window after the temporal join, on the stream's event time.
  { sql: `SELECT k, window_start, COUNT(*) AS n, COUNT(tv) AS matched, SUM(tv) AS s FROM (SELECT a.k, a.ts, t.v AS tv FROM a LEFT JOIN kt FOR SYSTEM_TIME AS OF a.ts AS t ON a.k = t.k) GROUP BY k, TUMBLE(ts, 1s)`, table: 'kt' },
  // Lookup joins against a file table: without a key (every row kept), with a PRIMARY KEY (the last row per key).
  { sql: `SELECT a.k, a.v, a.ts, ft.v AS tv, ft.d AS td FROM a JOIN ft ON a.k = ft.k`, table: 'ft' },
  { sql: `SELECT a.k, a.v, a.ts, ft.v AS tv FROM a LEFT JOIN ft ON a.k = ft.k AND ft.v > a.v`, table: 'ft' },
  { sql: `SELECT a.k, a.v, a.ts, fk.v AS tv, fk.ts AS tts FROM a LEFT JOIN fk ON a.k = fk.k`, table: 'fk' },
  { sql: `SELECT k, window_start, COUNT(*) AS n, SUM(tv) AS s FROM (SELECT a.k, a.ts, fk.v AS tv FROM a JOIN fk ON a.k = fk.k) GROUP BY k, TUMBLE(ts, 1s)`, table: 'fk' },
];

function planTableJoin(query: string, delayA: number, delayT: number) {
  const cols = (t: string) => `k VARCHAR, v BIGINT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${t}' MILLISECOND`;
  const sql =
    `CREATE SOURCE a (${cols(String(delayA))}) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE TABLE kt (${cols(String(delayT))}, PRIMARY KEY (k)) WITH (connector = 'kafka', topic = 'kt');\n` +
    `CREATE TABLE ft (k VARCHAR, v BIGINT, d DOUBLE, ts TIMESTAMP) WITH (connector = 'file', path = 'ft.jsonl', format = 'jsonl');\n` +
    `CREATE TABLE fk (k VARCHAR, v BIGINT, d DOUBLE, ts TIMESTAMP, PRIMARY KEY (k)) WITH (connector = 'file', path = 'fk.jsonl', format = 'jsonl');\n` +
    `CREATE SINK out AS ${query};`;
  const script = loadScriptText(sql, 'table-join.sql', process.cwd(), new Catalog());
  return { sql, plan: planSinks(script.catalog, [...script.catalog.sinks.values()], { provenance: true }) };
}

/**
 * The rows dropped as late, by brute force from the rules in exec/time.ts: a stream row, or a
 * version of the temporal join's table, is late when its event time is behind its own source's
 * watermark (largest event time so far minus the delay) as it arrives. A lookup join drops
 * nothing. Keys `source:seq`, sorted.
 */
function expectedLate(inputs: Readonly<Record<string, readonly Event[]>>, delays: Readonly<Record<string, number>>, schedule: readonly Step[], judged: ReadonlySet<string>): string[] {
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
      if (judged.has(step.source) && m !== undefined && e.ms < m - delays[step.source]!) out.push(`${step.source}:${seq}`);
      maxTs.set(step.source, Math.max(m ?? e.ms, e.ms));
    }
    seqs.set(step.source, to);
  }
  return out.sort();
}

async function check(query: (typeof QUERIES)[number], delays: { a: number; t: number }, a: readonly Event[], t: readonly Event[], run: RunShape): Promise<void> {
  const { sql, plan } = planTableJoin(query.sql, delays.a, delays.t);
  const inputs = { a, [query.table]: t };
  const schedule = makeSchedule(inputs, run.sizes, run.turns);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-table-join-prop-'));
  const store = run.duckdbStore ? await CheckpointStore.open(dir) : new MemoryCheckpointStore();
  const context = () =>
    `SQL:\n${sql}\nrun ${JSON.stringify(run)}\nschedule ${JSON.stringify(schedule)}\ninput a (${a.length}): ${JSON.stringify(a)}\ntable ${query.table} (${t.length}): ${JSON.stringify(t)}`;
  try {
    const r = await runScheduled(plan, inputs, schedule, (n) => n % run.checkpointEvery === 0, run.crashAt, run.budget ? { stateMemory: { bytes: 1, dir } } : {}, store);
    const judged = new Set(query.table === 'kt' ? ['a', 'kt'] : []);
    assert.deepEqual(unionLateKeys(r.late), expectedLate(inputs, { a: delays.a, [query.table]: delays.t }, schedule, judged), `late rows differ from the rule (behind their own source's watermark)\n${context()}`);
    const comparisons = await compareWithOracle({ plan, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
    for (const c of comparisons) if (!c.equal) assert.fail(`table join != DuckDB\n${context()}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
  } finally {
    if (store instanceof CheckpointStore) store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test(`temporal joins (upserts and tombstones) and lookup joins with a table, through crashes and spills, equal DuckDB; late rows follow each side's own watermark (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: QUERIES.length - 1 }).chain((q) =>
        fc.tuple(delayArb, delayArb, fc.boolean()).chain(([da, dt, ties]) => fc.tuple(fc.constant(q), fc.constant({ a: da, t: dt }), eventsArb(da, ties), tableArb(dt, QUERIES[q]!.table === 'kt'))),
      ),
      runArb,
      async ([q, delays, a, t], run) => {
        await check(QUERIES[q]!, delays, a, t, run);
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
});
