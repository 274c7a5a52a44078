// Property tests of the DuckDB tier: LAG (its waiting rows and its history), session windows
// (key state and timers) and TUMBLE/HOP windows in the columnar layout (state/columnar.ts) run
// under a 1-byte state budget, so every table spills after every batch and comes back on each
// watermark, through random crashes and restores (checkpoints through JS or inside DuckDB). Output and late rows must equal DuckDB's batch answer and the
// rules. A failure prints the seed (SLUICE_PROPERTY_SEED replays it), SQL, input and batches.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { compareWithOracle, renderComparison } from '../../src/oracle/index.js';
import { CheckpointStore, MemoryCheckpointStore, type CheckpointStats, type JobCheckpoint } from '../../src/state/checkpoint.js';
import type { LateEvent } from '../../src/exec/operator.js';
import { planOverEvents, runWithCrashes } from '../state/harness.js';
import { eventsArb, type Event } from './events.js';
import { expectedLate, type RefWindow } from './late-reference.js';

const RUNS = Math.ceil(Number(process.env['SLUICE_PROPERTY_RUNS'] ?? 200) / 5);
const SEED = process.env['SLUICE_PROPERTY_SEED'] ? { seed: Number(process.env['SLUICE_PROPERTY_SEED']) } : {};

/** Checkpoints kept in memory (spilled rows read through JS), noting which tables had spilled rows. */
class SpyStore extends MemoryCheckpointStore {
  constructor(private readonly spilled: Set<string>) {
    super();
  }
  override async write(c: JobCheckpoint, finished: boolean): Promise<CheckpointStats> {
    for (const t of c.tables) if ((t.spilledRows ?? 0) > 0) this.spilled.add(t.name);
    return super.write(c, finished);
  }
}

const delayArb = fc.oneof({ arbitrary: fc.constantFrom(0, 500, 1000, 2000), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 3000 }), weight: 1 });
const runArb = fc.record({
  // Small batches spill between rows that tie in (event time, key).
  batches: fc.array(fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 25 })), { minLength: 1, maxLength: 4 }),
  checkpointEvery: fc.integer({ min: 1, max: 4 }),
  crashAt: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 3 }),
  duckdbStore: fc.boolean(),
});
type RunShape = typeof runArb extends fc.Arbitrary<infer T> ? T : never;

function lateKeys(late: readonly LateEvent[]): string[] {
  return late.map((l) => (l.windowStart === undefined ? String(l.ref!.seq) : `${l.ref!.seq}@${l.windowStart / 1000}`)).sort();
}

/** Runs `query` over `events` under a 1-byte budget (none: `budget` false) and checks it against DuckDB and the late rules. */
async function check(query: string, delay: number, events: readonly Event[], run: RunShape, window: RefWindow, keyed: boolean, spilled: Set<string>, budget = true): Promise<void> {
  const { sql, plan } = planOverEvents(query, delay);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-spill-prop-'));
  const store = run.duckdbStore ? await CheckpointStore.open(dir) : new SpyStore(spilled);
  const context = () => `SQL:\n${sql}\ndelay ${delay} ms, run ${JSON.stringify(run)}\ninput (${events.length} events): ${JSON.stringify(events)}`;
  try {
    const r = await runWithCrashes(plan, events, run.batches, (n) => n % run.checkpointEvery === 0, run.crashAt, budget ? { stateMemory: { bytes: 1, dir } } : {}, store);
    assert.deepEqual(lateKeys(r.late), expectedLate(events, delay, window, () => true, keyed), `late rows differ from the rules\n${context()}`);
    const comparisons = await compareWithOracle({ plan, sourceRows: r.sourceRows, late: r.late, sinkOutputs: r.sinkOutputs });
    for (const c of comparisons) if (!c.equal) assert.fail(`spilling != DuckDB\n${context()}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
  } finally {
    if (store instanceof CheckpointStore) store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test(`LAG spilling every batch, through crashes, equals DuckDB (${RUNS} cases)`, async () => {
  const spilled = new Set<string>();
  await fc.assert(
    fc.asyncProperty(
      delayArb.chain((delay) => fc.tuple(fc.constant(delay), fc.boolean().chain((ties) => eventsArb(delay, ties)))),
      fc.constantFrom('LAG(v)', 'LAG(d, 2)', 'LAG(v, 1, -1)', 'LAG(v, 3, 0)'),
      fc.constantFrom('', 'WHERE prev IS NULL'),
      runArb,
      async ([delay, events], lag, outer, run) => {
        // Ties in event time leave in arrival order: the oracle orders by (ts, arrival), and prev shows it.
        const query = `SELECT k, v, d, ts, prev FROM (SELECT k, v, d, ts, ${lag} OVER (PARTITION BY k ORDER BY ts) AS prev FROM ev) ${outer}`;
        await check(query, delay, events, run, { kind: 'lag' }, true, spilled);
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
  // The checkpoints kept in memory saw the waiting rows in DuckDB, so the path ran.
  assert.ok(spilled.has('buffer') && spilled.has('history'), `spilled tables: ${[...spilled].join(', ')}`);
});

test(`session windows spilling every batch, through crashes, equal DuckDB (${RUNS} cases)`, async () => {
  const spilled = new Set<string>();
  await fc.assert(
    fc.asyncProperty(
      delayArb.chain((delay) => fc.tuple(fc.constant(delay), eventsArb(delay))),
      fc.constantFrom(500, 1500, 3000),
      fc.boolean(),
      fc.boolean(),
      runArb,
      async ([delay, events], gap, keyed, changes, run) => {
        const k = keyed ? 'k, ' : '';
        const query = `SELECT ${k}window_start, window_end, COUNT(*) AS n, SUM(v) AS s, MAX(d) AS m FROM ev GROUP BY ${k}SESSION(ts, ${gap}ms)${changes ? ' EMIT CHANGES' : ''}`;
        await check(query, delay, events, run, { kind: 'session', gap }, keyed, spilled);
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
  assert.ok(spilled.has('timers') && spilled.has('sessions'), `spilled tables: ${[...spilled].join(', ')}`);
});

// Aggregates with a fixed-width form (expr/aggregates/columnar.ts), so the window's state is
// columnar: keyed by a string, by one number (the typed-array index: NULL, 0 and -0 among the
// keys of d), by two columns or by nothing.
const COLUMNAR_AGGS = ['COUNT(*)', 'COUNT(v)', 'SUM(v)', 'AVG(v)', 'SUM(d)', 'AVG(d)', 'MIN(d)', 'MAX(v)', 'STDDEV(d)'];

test(`columnar TUMBLE/HOP/CUMULATE windows spilling every batch, through crashes, equal DuckDB (${RUNS} cases)`, async () => {
  const spilled = new Set<string>();
  await fc.assert(
    fc.asyncProperty(
      delayArb.chain((delay) => fc.tuple(fc.constant(delay), fc.boolean().chain((ties) => eventsArb(delay, ties)))),
      fc.constantFrom(['k'], ['v'], ['d'], ['k', 'v'], []),
      fc.subarray(COLUMNAR_AGGS, { minLength: 1, maxLength: 4 }),
      fc.constantFrom('TUMBLE(ts, 1s)', 'TUMBLE(ts, 2s)', 'HOP(ts, 500ms, 1500ms)', 'HOP(ts, 1s, 2s)', 'TUMBLE(ts, 2s, 700ms)', 'HOP(ts, 1s, 2s, -300ms)', 'CUMULATE(ts, 500ms, 2s)', 'CUMULATE(ts, 1s, 8s, 1500ms)'),
      fc.boolean(),
      runArb,
      async ([delay, events], keys, aggs, window, budget, run) => {
        // -0 and 0 are one key: some d values become -0.
        const input = events.map((e, i) => (e.d !== null && i % 7 === 0 ? { ...e, d: i % 2 === 0 ? -0 : 0 } : e));
        const k = keys.map((c) => `${c}, `).join('');
        const query = `SELECT ${k}window_start, window_end, ${aggs.map((a, i) => `${a} AS a${i}`).join(', ')} FROM ev GROUP BY ${k}${window}`;
        const offset = window.includes('700ms') ? 700 : window.includes('-300ms') ? 700 : window.includes('1500ms') ? 1500 : 0;
        const cumulate: RefWindow | undefined = window === 'CUMULATE(ts, 500ms, 2s)' ? { kind: 'cumulate', step: 500, size: 2000 } : window.startsWith('CUMULATE') ? { kind: 'cumulate', step: 1000, size: 8000, offset } : undefined;
        const size = cumulate ?? (window.startsWith('TUMBLE') ? { kind: 'tumble' as const, size: window.includes('2s') ? 2000 : 1000, offset } : window.includes('500ms') ? { kind: 'hop' as const, slide: 500, size: 1500 } : { kind: 'hop' as const, slide: 1000, size: 2000, offset });
        await check(query, delay, input, run, size, keys.length > 0, spilled, budget);
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
  assert.ok(spilled.size > 0, 'no window partial was spilled');
});

// A window over a windowed result (README, window_time): the inner window's late rows follow the
// rules; the outer window, over window_time with whole-millisecond bounds, never has a late row.
test(`cascading windows (TUMBLE(window_time, ...) over a windowed subquery) spilling, through crashes, equal DuckDB (${RUNS} cases)`, async () => {
  const spilled = new Set<string>();
  await fc.assert(
    fc.asyncProperty(
      delayArb.chain((delay) => fc.tuple(fc.constant(delay), eventsArb(delay, false, 20))),
      fc.constantFrom(
        { inner: 'TUMBLE(ts, 1s)', ref: { kind: 'tumble', size: 1000 } as RefWindow, outer: 'TUMBLE(window_time, 5s)' },
        { inner: 'TUMBLE(ts, 1s, 300ms)', ref: { kind: 'tumble', size: 1000, offset: 300 } as RefWindow, outer: 'TUMBLE(window_time, 3s, 300ms)' },
        { inner: 'HOP(ts, 500ms, 1s)', ref: { kind: 'hop', slide: 500, size: 1000 } as RefWindow, outer: 'HOP(window_time, 2s, 4s)' },
        { inner: 'TUMBLE(ts, 2s)', ref: { kind: 'tumble', size: 2000 } as RefWindow, outer: 'CUMULATE(window_time, 2s, 8s)' },
        { inner: 'CUMULATE(ts, 500ms, 2s)', ref: { kind: 'cumulate', step: 500, size: 2000 } as RefWindow, outer: 'TUMBLE(window_time, 7s)' },
      ),
      fc.boolean(),
      fc.boolean(),
      runArb,
      async ([delay, events], c, keyed, budget, run) => {
        const k = keyed ? 'k, ' : '';
        const query =
          `SELECT ${k}window_start, window_end, window_time, SUM(n) AS n, SUM(s) AS s, MAX(m) AS m, COUNT(*) AS w ` +
          `FROM (SELECT ${k}window_time, COUNT(*) AS n, SUM(v) AS s, MAX(d) AS m FROM ev GROUP BY ${k}${c.inner}) GROUP BY ${k}${c.outer}`;
        await check(query, delay, events, run, c.ref, keyed, spilled, budget);
      },
    ),
    { numRuns: RUNS, ...SEED },
  );
});
