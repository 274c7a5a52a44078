// Property tests of joins with a table: an event-time temporal join (`FOR SYSTEM_TIME AS OF`)
// against a Kafka-declared table whose changelog has upserts and tombstones, and a lookup join
// against a file table (loaded whole first). Stream and table each have their own watermark
// delay, out-of-order, duplicate, late and NULL-keyed rows, event times and delays at microsecond
// grain (1 µs and 1 ms either side of round times, so watermarks fall on and just beside version
// and row times: pruning a version 1 µs early fails), interleaved on a random schedule of
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
import { eventMicros, eventsArb, type Event } from './events.js';
import { makeSchedule, runScheduled, unionLateKeys, type Step } from './union-harness.js';
import { propertyRuns, SEED, runShapeArb, type RunShape } from './run-shape.js';

const RUNS = propertyRuns(2);

/**
 * Watermark delays in microseconds: round ones, 1 µs or 1 ms either side of them, and any
 * millisecond; with the events' fine times this puts watermarks exactly on, and 1 µs or 1 ms
 * either side of, version times and stream row times (pruning a version 1 µs early shows).
 */
const delayArb = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom(0, 500, 1000, 2000), fc.constantFrom(0, 0, 0, 1, -1, 1000, -1000)).map(([ms, us]) => Math.max(0, ms * 1000 + us)), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 3000 }).map((ms) => ms * 1000), weight: 1 },
);
const fine = { fine: true };

const runArb = runShapeArb();

/** Table rows: some are tombstones (only a Kafka table has them). */
const tableArb = (delay: number, tombs: boolean) =>
  fc.tuple(eventsArb(delay / 1000, true, 10, fine), fc.array(fc.nat(4), { maxLength: 200 })).map(([events, flags]) => events.map((e, i) => (tombs && flags[i] === 0 ? { ...e, tomb: true } : e)));

/**
 * Table versions at a stream row's time (its key; on it, or 1 µs, 999 µs or 1 ms either side),
 * sometimes with one just before it as well, each placed in the changelog before the first
 * version later than it: versions on both sides of a waiting row's time, 1 µs or 1 ms from it,
 * and so from watermarks that fall on it: where pruning 1 µs early shows.
 */
const echoesArb = fc.array(
  fc.record({
    pick: fc.nat(),
    us: fc.constantFrom(-1000, -999, -1, 0, 1, 999, 1000),
    before: fc.option(fc.constantFrom(-1, -1000, -250_000), { nil: undefined }),
    v: fc.integer({ min: -50, max: 100 }),
    tomb: fc.nat(5),
  }),
  { maxLength: 40 },
);
type Echo = typeof echoesArb extends fc.Arbitrary<Array<infer T>> ? T : never;

function withEchoes(stream: readonly Event[], table: readonly Event[], echoes: readonly Echo[], tombs: boolean): Event[] {
  if (stream.length === 0) return [...table];
  const out = [...table];
  const put = (e: Event): void => {
    const us = eventMicros(e);
    const at = out.findIndex((x) => eventMicros(x) > us);
    out.splice(at < 0 ? out.length : at, 0, e);
  };
  for (const e of echoes) {
    const s = stream[e.pick % stream.length]!;
    if (s.k === null) continue;
    const at = eventMicros(s);
    if (e.before !== undefined) put({ k: s.k, v: e.v - 1, d: null, ms: (at + e.before) / 1000 });
    put({ k: s.k, v: e.v, d: null, ms: (at + e.us) / 1000, ...(tombs && e.tomb === 0 ? { tomb: true } : {}) });
  }
  return out;
}

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

/** `delayA`, `delayT` in microseconds. */
function planTableJoin(query: string, delayA: number, delayT: number) {
  const cols = (us: number) => `k VARCHAR, v BIGINT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${us / 1000}' MILLISECOND`;
  const sql =
    `CREATE SOURCE a (${cols(delayA)}) WITH (connector = 'datagen', generator = 'sensors');\n` +
    `CREATE TABLE kt (${cols(delayT)}, PRIMARY KEY (k)) WITH (connector = 'kafka', topic = 'kt');\n` +
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
 * nothing. Times and `delays` in whole microseconds. Keys `source:seq`, sorted.
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
      const us = eventMicros(events[seq]!);
      const m = maxTs.get(step.source);
      if (judged.has(step.source) && m !== undefined && us < m - delays[step.source]!) out.push(`${step.source}:${seq}`);
      maxTs.set(step.source, Math.max(m ?? us, us));
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
        fc
          .tuple(delayArb, delayArb, fc.boolean())
          .chain(([da, dt, ties]) => fc.tuple(fc.constant(q), fc.constant({ a: da, t: dt }), eventsArb(da / 1000, ties, ties ? 10 : 0, fine), tableArb(dt, QUERIES[q]!.table === 'kt'), echoesArb))
          .map(([q, delays, a, t, echoes]) => [q, delays, a, withEchoes(a, t, echoes, QUERIES[q]!.table === 'kt')] as const),
      ),
      runArb,
      async ([q, delays, a, t], run) => {
        await check(QUERIES[q]!, delays, a, t, run);
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
});
