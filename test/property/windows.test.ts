// Property tests of the window semantics against DuckDB: random events (keys, values with
// NULLs, timestamps out of order within the watermark delay, some late beyond it, duplicates),
// random windows (TUMBLE, HOP, CUMULATE, SESSION; with and without offsets; both forms), aggregate lists, filters, emit modes and batch sizes. The streaming output
// must equal DuckDB's batch answer over the events the engine admitted. A failure prints the
// seed, the SQL, the input and the first differing row. SLUICE_PROPERTY_RUNS sets the count.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Catalog } from '../../src/catalog/catalog.js';
import { loadScriptText } from '../../src/cli/load.js';
import { checkJob } from '../../src/oracle/check-job.js';
import { renderComparison } from '../../src/oracle/index.js';
import type { SourceReader, SourceRecord } from '../../src/connectors/connector.js';
import type { LateEvent } from '../../src/exec/operator.js';
import { expectedLate, type RefEvent, type RefWindow } from './late-reference.js';
import { eventsArb, type Event } from './events.js';

const RUNS = Number(process.env['SLUICE_PROPERTY_RUNS'] ?? 200);

const AGGS = ['COUNT(*)', 'COUNT(v)', 'SUM(v)', 'MIN(v)', 'MAX(v)', 'AVG(v)', 'SUM(d)', 'AVG(d)', 'MIN(d)', 'STDDEV(d)', 'COUNT(DISTINCT v)', 'MAX(k)'];

/** A window offset as a fraction of its size (TUMBLE) or slide (HOP): none, positive or negative. */
const OFFSET_ARB = fc.constantFrom(0, 0, 0.3, -0.7, 0.999);

/** The offset argument in ms, or nothing; `period` is the size (TUMBLE) or slide (HOP). */
function offsetMs(frac: number, period: number): number {
  return Math.trunc(frac * period);
}

function offsetArg(frac: number, period: number): string {
  return frac === 0 ? '' : `, ${offsetMs(frac, period)}ms`;
}

const queryArb = fc.record({
  window: fc.oneof(
    fc.record({ kind: fc.constant('tumble' as const), size: fc.constantFrom(1000, 2000, 5000, 10000), offset: OFFSET_ARB }),
    fc.record({ kind: fc.constant('hop' as const), slide: fc.constantFrom(1000, 2000), mult: fc.constantFrom(1, 2, 3), offset: OFFSET_ARB }),
    // Sizes past the 5 s that late rows jump back, so some enter the open windows of a cumulation.
    fc.record({ kind: fc.constant('cumulate' as const), step: fc.constantFrom(500, 1000), mult: fc.constantFrom(1, 2, 4, 12, 20), offset: OFFSET_ARB }),
    fc.record({ kind: fc.constant('session' as const), gap: fc.constantFrom(500, 1500, 3000) }),
    fc.record({ kind: fc.constant('tvf' as const), size: fc.constantFrom(2000, 5000), offset: OFFSET_ARB, fn: fc.constantFrom('TUMBLE', 'HOP', 'CUMULATE') }),
    fc.record({ kind: fc.constant('none' as const) }),
  ),
  aggs: fc.subarray(AGGS, { minLength: 1, maxLength: 5 }),
  filter: fc.constantFrom('', 'WHERE v > 10', 'WHERE v IS NOT NULL', "WHERE k <> 'b'", 'WHERE d < 0 OR v BETWEEN 0 AND 50'),
  keyed: fc.boolean(),
  changes: fc.boolean(),
  // Monotone (once true, true for good) and not: a group's row may pass, fail and pass again.
  having: fc.constantFrom('', ' HAVING COUNT(*) > 1', ' HAVING COUNT(*) < 3', ' HAVING SUM(v) BETWEEN 0 AND 120', ' HAVING MAX(v) - MIN(v) < 40', ' HAVING COUNT(*) <> 2'),
});

function buildSql(q: QueryShape, delayMs: number): string {
  const source = `CREATE SOURCE ev (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delayMs}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');`;
  const aggs = q.aggs.map((a, i) => `${a} AS a${i}`).join(', ');
  const keys = q.keyed ? ['k'] : [];
  let from = 'ev';
  let groupBy = [...keys];
  let windowCols = '';
  switch (q.window.kind) {
    case 'tumble':
      groupBy.push(`TUMBLE(ts, ${q.window.size}ms${offsetArg(q.window.offset, q.window.size)})`);
      windowCols = 'window_start, window_end, ';
      break;
    case 'hop':
      groupBy.push(`HOP(ts, ${q.window.slide}ms, ${q.window.slide * q.window.mult}ms${offsetArg(q.window.offset, q.window.slide)})`);
      windowCols = 'window_start, window_end, ';
      break;
    case 'cumulate':
      groupBy.push(`CUMULATE(ts, ${q.window.step}ms, ${q.window.step * q.window.mult}ms${offsetArg(q.window.offset, q.window.step * q.window.mult)})`);
      windowCols = 'window_start, window_end, ';
      break;
    case 'session':
      groupBy.push(`SESSION(ts, ${q.window.gap}ms)`);
      windowCols = 'window_start, window_end, ';
      break;
    case 'tvf':
      // The HOP table function slides by half its size; CUMULATE steps by a fifth.
      from =
        q.window.fn === 'HOP'
          ? `HOP(ev, ts, ${q.window.size / 2}ms, ${q.window.size}ms${offsetArg(q.window.offset, q.window.size / 2)})`
          : q.window.fn === 'CUMULATE'
            ? `CUMULATE(ev, ts, ${q.window.size / 5}ms, ${q.window.size}ms${offsetArg(q.window.offset, q.window.size)})`
            : `TUMBLE(ev, ts, ${q.window.size}ms${offsetArg(q.window.offset, q.window.size)})`;
      groupBy.push('window_start', 'window_end');
      windowCols = 'window_start, window_end, ';
      break;
    case 'none':
      if (groupBy.length === 0) groupBy = [];
      break;
  }
  const having = q.having;
  const emit = q.window.kind !== 'none' && q.changes ? ' EMIT CHANGES' : '';
  const select = `SELECT ${keys.map((k) => `${k}, `).join('')}${windowCols}${aggs} FROM ${from} ${q.filter}${groupBy.length ? ` GROUP BY ${groupBy.join(', ')}` : ''}${having}${emit}`;
  return `${source}\nCREATE SINK out AS ${select};`;
}

type QueryShape = typeof queryArb extends fc.Arbitrary<infer T> ? T : never;

/** The WHERE clauses of queryArb, evaluated with SQL's NULL rules. */
const FILTERS: Record<string, (e: RefEvent) => boolean> = {
  '': () => true,
  'WHERE v > 10': (e) => e.v !== null && e.v > 10,
  'WHERE v IS NOT NULL': (e) => e.v !== null,
  "WHERE k <> 'b'": (e) => e.k !== null && e.k !== 'b',
  'WHERE d < 0 OR v BETWEEN 0 AND 50': (e) => (e.d !== null && e.d < 0) || (e.v !== null && e.v >= 0 && e.v <= 50),
};

function refWindow(q: QueryShape): RefWindow | undefined {
  const w = q.window;
  switch (w.kind) {
    case 'tumble':
      return { kind: 'tumble', size: w.size, offset: offsetMs(w.offset, w.size) };
    case 'tvf':
      if (w.fn === 'HOP') return { kind: 'hop', slide: w.size / 2, size: w.size, offset: offsetMs(w.offset, w.size / 2) };
      if (w.fn === 'CUMULATE') return { kind: 'cumulate', step: w.size / 5, size: w.size, offset: offsetMs(w.offset, w.size) };
      return { kind: 'tumble', size: w.size, offset: offsetMs(w.offset, w.size) };
    case 'hop':
      return { kind: 'hop', slide: w.slide, size: w.slide * w.mult, offset: offsetMs(w.offset, w.slide) };
    case 'cumulate':
      return { kind: 'cumulate', step: w.step, size: w.step * w.mult, offset: offsetMs(w.offset, w.step * w.mult) };
    case 'session':
      return { kind: 'session', gap: w.gap };
    case 'none':
      return undefined;
  }
}

function lateKeys(late: readonly LateEvent[]): string[] {
  return late.map((l) => (l.windowStart === undefined ? String(l.ref!.seq) : `${l.ref!.seq}@${l.windowStart / 1000}`)).sort();
}

/** A reader that replays events in the given order, in batches of the given sizes. */
function replay(events: readonly Event[], batchSizes: readonly number[]): SourceReader {
  return {
    bounded: true,
    async run(emit) {
      let i = 0;
      let b = 0;
      while (i < events.length) {
        const n = batchSizes[b++ % batchSizes.length]!;
        const batch: SourceRecord[] = events.slice(i, i + n).map((e, j) => ({
          value: { k: e.k, v: e.v, d: e.d, ts: e.ms },
          position: { index: i + j },
        }));
        i += n;
        await emit(batch);
      }
    },
  };
}

test(`windowed aggregates equal DuckDB over admitted events (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof({ arbitrary: fc.constantFrom(0, 500, 1000, 2000), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 3000 }), weight: 1 }).chain((delay) =>
        fc.tuple(fc.constant(delay), eventsArb(delay), queryArb, fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 })),
      ),
      async ([delay, events, q, batches]) => {
        const sql = buildSql(q, delay);
        const script = loadScriptText(sql, 'property.sql', process.cwd(), new Catalog());
        const sinks = [...script.catalog.sinks.values()];
        const result = await checkJob(script.catalog, sinks, { reader: () => replay(events, batches) });
        const ref = refWindow(q);
        if (ref) {
          const expected = expectedLate(events, delay, ref, FILTERS[q.filter]!, q.keyed);
          assert.deepEqual(lateKeys(result.late), expected, `late rows differ from the rules\nSQL:\n${sql}\ndelay ${delay} ms\ninput: ${JSON.stringify(events)}`);
        }
        for (const c of result.comparisons) {
          if (!c.equal) {
            assert.fail(
              `streaming != DuckDB\nSQL:\n${sql}\nwatermark delay: ${delay} ms, batch sizes: ${batches.join(',')}\n` +
                `input (${events.length} events): ${JSON.stringify(events.slice(0, 60))}${events.length > 60 ? ' …' : ''}\n` +
                `${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`,
            );
          }
        }
      },
    ),
    { numRuns: RUNS, verbose: 1, ...(process.env['SLUICE_PROPERTY_SEED'] ? { seed: Number(process.env['SLUICE_PROPERTY_SEED']) } : {}) },
  );
});

test(`CUMULATE with late rows behind a closed first window, inside open cumulations, equals DuckDB (${Math.ceil(RUNS / 2)} cases)`, async () => {
  // Longer inputs than the test above: a late row jumps back 5 s or more, so only cumulations
  // longer than that still have open windows for it, and short inputs rarely hold one.
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(0, 500, 1000).chain((delay) => fc.tuple(fc.constant(delay), eventsArb(delay, false, 40))),
      fc.record({ step: fc.constantFrom(500, 1000, 2000), mult: fc.constantFrom(6, 10, 20), offset: OFFSET_ARB, keyed: fc.boolean(), tvf: fc.boolean() }),
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
      async ([delay, events], w, batches) => {
        const size = w.step * w.mult;
        const args = `${w.step}ms, ${size}ms${offsetArg(w.offset, size)}`;
        const k = w.keyed ? 'k, ' : '';
        const select = w.tvf
          ? `SELECT ${k}window_start, window_end, COUNT(*) AS n, SUM(v) AS s FROM CUMULATE(ev, ts, ${args}) GROUP BY ${k}window_start, window_end`
          : `SELECT ${k}window_start, window_end, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY ${k}CUMULATE(ts, ${args})`;
        const sql = `CREATE SOURCE ev (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delay}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\nCREATE SINK out AS ${select};`;
        const script = loadScriptText(sql, 'property.sql', process.cwd(), new Catalog());
        const result = await checkJob(script.catalog, [...script.catalog.sinks.values()], { reader: () => replay(events, batches) });
        const ref: RefWindow = { kind: 'cumulate', step: w.step, size, offset: offsetMs(w.offset, size) };
        assert.deepEqual(lateKeys(result.late), expectedLate(events, delay, ref, () => true, w.keyed), `late rows differ from the rules\nSQL:\n${sql}\ndelay ${delay} ms\ninput: ${JSON.stringify(events)}`);
        for (const c of result.comparisons) {
          if (!c.equal) assert.fail(`streaming != DuckDB\nSQL:\n${sql}\nbatch sizes: ${batches.join(',')}\ninput: ${JSON.stringify(events.slice(0, 60))}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
        }
      },
    ),
    { numRuns: Math.ceil(RUNS / 2), ...(process.env['SLUICE_PROPERTY_SEED'] ? { seed: Number(process.env['SLUICE_PROPERTY_SEED']) } : {}) },
  );
});

test(`a 10 s -> 1 min cascade (a window over window_time) equals DuckDB (${Math.ceil(RUNS / 2)} cases)`, async () => {
  // Event times advance ~0.5 s per row, so inputs of 40-120 rows span a few minutes.
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(0, 1000, 2000).chain((delay) => fc.tuple(fc.constant(delay), eventsArb(delay, false, 40))),
      fc.boolean(),
      fc.constantFrom('view', 'subquery', 'tvf'),
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
      async ([delay, events], keyed, form, batches) => {
        const k = keyed ? 'k, ' : '';
        const inner = `SELECT ${k}window_start, window_time, COUNT(*) AS n, SUM(v) AS s, MIN(d) AS lo FROM ev GROUP BY ${k}TUMBLE(ts, 10s)`;
        const aggs = 'SUM(n) AS n, SUM(s) AS s, MIN(lo) AS lo, COUNT(*) AS windows';
        const source = `CREATE SOURCE ev (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delay}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');`;
        const sql =
          form === 'view'
            ? `${source}\nCREATE VIEW per10s AS ${inner};\nCREATE SINK out AS SELECT ${k}window_start, window_end, window_time, ${aggs} FROM per10s GROUP BY ${k}TUMBLE(window_time, 1m);`
            : form === 'subquery'
              ? `${source}\nCREATE SINK out AS SELECT ${k}window_start, window_end, ${aggs} FROM (${inner}) GROUP BY ${k}TUMBLE(window_time, 1m);`
              : `${source}\nCREATE SINK out AS SELECT ${k}window_start, window_end, ${aggs} FROM TUMBLE((${inner}), window_time, 1m) GROUP BY ${k}window_start, window_end;`;
        const script = loadScriptText(sql, 'property.sql', process.cwd(), new Catalog());
        const result = await checkJob(script.catalog, [...script.catalog.sinks.values()], { reader: () => replay(events, batches) });
        // Late rows are the 10 s window's, by its rules; the 1 min window over window_time has none.
        assert.deepEqual(lateKeys(result.late), expectedLate(events, delay, { kind: 'tumble', size: 10_000 }, () => true, keyed), `late rows differ from the rules\nSQL:\n${sql}\ndelay ${delay} ms\ninput: ${JSON.stringify(events)}`);
        for (const c of result.comparisons) {
          if (!c.equal) assert.fail(`streaming != DuckDB\nSQL:\n${sql}\nbatch sizes: ${batches.join(',')}\ninput: ${JSON.stringify(events.slice(0, 60))}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
        }
      },
    ),
    { numRuns: Math.ceil(RUNS / 2), ...(process.env['SLUICE_PROPERTY_SEED'] ? { seed: Number(process.env['SLUICE_PROPERTY_SEED']) } : {}) },
  );
});

test(`LAG over event time equals DuckDB over admitted events (${Math.ceil(RUNS / 2)} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof({ arbitrary: fc.constantFrom(0, 500, 1000, 2000), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 3000 }), weight: 1 }).chain((delay) =>
        fc.tuple(
          fc.constant(delay),
          eventsArb(delay),
          fc.constantFrom('LAG(v)', 'LAG(d, 2)', "LAG(v, 1, -1)"),
          fc.constantFrom('', 'WHERE ABS(v - prev) > 5', 'WHERE prev IS NULL'),
          fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
        ),
      ),
      async ([delay, events, lag, outer, batches]) => {
        // Ties in event time are released in arrival order; the oracle orders by (ts, arrival).
        const distinct = events;
        const sql =
          `CREATE SOURCE ev (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '${delay}' MILLISECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
          `CREATE SINK out AS SELECT k, v, d, ts, prev FROM (SELECT k, v, d, ts, ${lag} OVER (PARTITION BY k ORDER BY ts) AS prev FROM ev) ${outer};`;
        const script = loadScriptText(sql, 'property.sql', process.cwd(), new Catalog());
        const result = await checkJob(script.catalog, [...script.catalog.sinks.values()], { reader: () => replay(distinct, batches) });
        assert.deepEqual(lateKeys(result.late), expectedLate(distinct, delay, { kind: 'lag' }, () => true, true), `late rows differ from the rules\nSQL:\n${sql}`);
        for (const c of result.comparisons) {
          if (!c.equal) {
            assert.fail(`streaming != DuckDB\nSQL:\n${sql}\nbatch sizes: ${batches.join(',')}\ninput: ${JSON.stringify(distinct.slice(0, 60))}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
          }
        }
      },
    ),
    { numRuns: Math.ceil(RUNS / 2), ...(process.env['SLUICE_PROPERTY_SEED'] ? { seed: Number(process.env['SLUICE_PROPERTY_SEED']) } : {}) },
  );
});

test(`aggregates over a changelog (retractions) equal DuckDB (${Math.ceil(RUNS / 2)} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(
      eventsArb(1000),
      fc.constantFrom(
        'SELECT n, COUNT(*) AS c, SUM(total) AS s FROM (SELECT k, COUNT(*) AS n, SUM(v) AS total FROM ev GROUP BY k) GROUP BY n',
        'SELECT MIN(total) AS lo, MAX(total) AS hi, COUNT(DISTINCT n) AS dn FROM (SELECT k, COUNT(v) AS n, SUM(d) AS total FROM ev GROUP BY k)',
        'SELECT n, COUNT(*) AS c FROM (SELECT k, window_start, COUNT(*) AS n FROM ev GROUP BY k, TUMBLE(ts, 2s) EMIT CHANGES) GROUP BY n',
        'SELECT DISTINCT k, v FROM ev WHERE v > 20',
        'SELECT k, MAX(v) AS m FROM ev GROUP BY k HAVING MAX(v) > 50',
        'SELECT k, COUNT(*) AS n FROM ev GROUP BY k HAVING COUNT(*) < 3',
        'SELECT k, n FROM (SELECT k, COUNT(*) AS n, SUM(v) AS s FROM ev GROUP BY k) WHERE s BETWEEN 0 AND 100',
        'SELECT n, COUNT(*) AS c FROM (SELECT k, COUNT(*) AS n FROM ev GROUP BY k HAVING COUNT(*) <> 2) GROUP BY n HAVING COUNT(*) < 2',
      ),
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
      async (events, query, batches) => {
        const sql =
          `CREATE SOURCE ev (k VARCHAR, v INT, d DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'datagen', generator = 'sensors');\n` +
          `CREATE SINK out AS ${query};`;
        const script = loadScriptText(sql, 'property.sql', process.cwd(), new Catalog());
        const result = await checkJob(script.catalog, [...script.catalog.sinks.values()], { reader: () => replay(events, batches) });
        for (const c of result.comparisons) {
          if (!c.equal) {
            assert.fail(`streaming != DuckDB\nSQL:\n${sql}\nbatch sizes: ${batches.join(',')}\ninput: ${JSON.stringify(events.slice(0, 60))}\n${renderComparison([c])}\nDuckDB SQL:\n${c.sql}`);
          }
        }
      },
    ),
    { numRuns: Math.ceil(RUNS / 2), ...(process.env['SLUICE_PROPERTY_SEED'] ? { seed: Number(process.env['SLUICE_PROPERTY_SEED']) } : {}) },
  );
});
