// Accumulators: each aggregate over random data against DuckDB; merge of split data equals one
// pass; add then retract returns the earlier result; DISTINCT and retractable MIN/MAX; JSON.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { T, type SqlType, type Value } from '../../../src/catalog/types.js';
import type { AggCall, AggFn } from '../../../src/expr/bound.js';
import { aggregateResultType, createAccumulator, stateReplacer, stateReviver, type Accumulator } from '../../../src/expr/aggregates/accumulator.js';
import { col, duck, duckRows, RUNS, sameValue, sqlLiteral } from './support.js';

const FNS: readonly AggFn[] = ['count_star', 'count', 'sum', 'avg', 'min', 'max', 'stddev'];
const DUCK: Partial<Record<AggFn, string>> = { count_star: 'count(*)', count: 'count', sum: 'sum', avg: 'avg', min: 'min', max: 'max', stddev: 'stddev' };

function aggCall(fn: AggFn, type: SqlType, distinct = false): AggCall {
  const t = aggregateResultType(fn, type);
  if ('error' in t) throw new Error(t.error);
  return { fn, ...(fn === 'count_star' ? {} : { arg: col(0, type, 'v') }), distinct, type: t, display: fn };
}

/** Numeric agreement up to rounding relative to the data's magnitude: retraction and merging
 * reorder floating-point operations, and STDDEV's square root turns a residue of eps * scale^2
 * in the sum of squares into sqrt(eps) * scale (STDDEV of equal values may come back as 1e-6). */
function close(a: Value, b: Value, data: readonly Value[]): boolean {
  if (sameValue(a, b)) return true;
  if (typeof a !== 'number' || typeof b !== 'number') return false;
  const scale = data.reduce<number>((m, v) => (typeof v === 'number' ? Math.max(m, Math.abs(v)) : m), 0);
  return Math.abs(a - b) <= 1e-7 * scale + 1e-9;
}

function run(acc: Accumulator, values: readonly Value[]): unknown {
  let s = acc.init();
  for (const v of values) s = acc.add(s, v);
  return s;
}

const ints = fc.array(fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: null, freq: 4 }), { maxLength: 30 });
const doubles = fc.array(fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: null, freq: 4 }), { maxLength: 30 });
const strings = fc.array(fc.option(fc.string({ unit: fc.constantFrom('a', 'B', 'é', '😀', '\uffff', ' '), maxLength: 3 }), { nil: null, freq: 4 }), { maxLength: 30 });
const CASES: readonly { type: SqlType; arb: fc.Arbitrary<Value[]>; fns: readonly AggFn[] }[] = [
  { type: T.int, arb: ints, fns: FNS },
  { type: T.double, arb: doubles, fns: FNS },
  { type: T.varchar, arb: strings, fns: ['count_star', 'count', 'min', 'max'] },
];

async function duckAggregate(call: AggCall, type: SqlType, values: readonly Value[]): Promise<{ sql: string; value: Value }> {
  const rows = values.length === 0 ? `SELECT ${sqlLiteral(null, type)} AS v WHERE false` : `SELECT * FROM (VALUES ${values.map((v) => `(${sqlLiteral(v, type)})`).join(', ')}) t(v)`;
  const agg = call.fn === 'count_star' ? 'count(*)' : `${DUCK[call.fn]}(${call.distinct ? 'DISTINCT ' : ''}v)`;
  const sql = `SELECT ${agg} FROM (${rows})`;
  const r = await duckRows(sql);
  return { sql, value: r[0]?.[0] ?? null };
}

describe('aggregates', () => {
  after(async () => (await duck()).closeSync());

  it('agree with DuckDB, with and without DISTINCT, on random data', async () => {
    for (const c of CASES) {
      await fc.assert(
        fc.asyncProperty(c.arb, fc.constantFrom(...c.fns), fc.boolean(), async (values, fn, distinct) => {
          const call = aggCall(fn, c.type, distinct && fn !== 'count_star');
          const acc = createAccumulator(call, false);
          const ours = acc.result(run(acc, values));
          const { sql, value } = await duckAggregate(call, c.type, values);
          // Compensated sums can be more exact than DuckDB's under cancellation: compare by data scale.
          assert.ok(close(ours, value, values), `${sql}\nours ${String(ours)}, DuckDB ${String(value)}`);
        }),
        { numRuns: Math.ceil(RUNS / 3) },
      );
    }
  });

  it('merge(split data) equals one pass, and states survive JSON', () => {
    for (const c of CASES) {
      fc.assert(
        fc.property(c.arb, fc.nat(), fc.constantFrom(...c.fns), fc.boolean(), fc.boolean(), (values, cut, fn, distinct, retractable) => {
          const acc = createAccumulator(aggCall(fn, c.type, distinct && fn !== 'count_star'), retractable);
          const k = values.length === 0 ? 0 : cut % (values.length + 1);
          const whole = acc.result(run(acc, values));
          const roundTrip = (s: unknown): unknown => JSON.parse(JSON.stringify(s, stateReplacer), stateReviver);
          const merged = acc.result(acc.merge(roundTrip(run(acc, values.slice(0, k))), roundTrip(run(acc, values.slice(k)))));
          assert.ok(close(whole, merged, values), `${fn} ${String(whole)} vs ${String(merged)}`);
        }),
        { numRuns: RUNS },
      );
    }
  });

  it('add then retract returns the earlier result', () => {
    for (const c of CASES) {
      fc.assert(
        fc.property(c.arb, c.arb, fc.constantFrom(...c.fns), fc.boolean(), (base, extra, fn, distinct) => {
          const acc = createAccumulator(aggCall(fn, c.type, distinct && fn !== 'count_star'), true);
          let s = run(acc, base);
          const before = acc.result(s);
          for (const v of extra) s = acc.add(s, v);
          for (const v of [...extra].reverse()) s = acc.retract(s, v);
          const back = acc.result(s);
          assert.ok(close(before, back, [...base, ...extra]), `${fn}: ${String(before)} then ${String(back)}`);
        }),
        { numRuns: RUNS },
      );
    }
  });

  it('retractable MIN/MAX recompute when the extreme leaves; DISTINCT keeps multiplicities', () => {
    const min = createAccumulator(aggCall('min', T.int), true);
    let s = run(min, [5, 3, 3, 8]);
    assert.equal(min.result(s), 3);
    s = min.retract(s, 3);
    assert.equal(min.result(s), 3);
    s = min.retract(s, 3);
    assert.equal(min.result(s), 5);
    s = min.retract(s, 5);
    s = min.retract(s, 8);
    assert.equal(min.result(s), null);

    const cd = createAccumulator(aggCall('count', T.varchar, true), true);
    let d = run(cd, ['a', 'a', 'b', null]);
    assert.equal(cd.result(d), 2);
    d = cd.retract(d, 'a');
    assert.equal(cd.result(d), 2);
    d = cd.retract(d, 'a');
    assert.equal(cd.result(d), 1);

    const sd = createAccumulator(aggCall('sum', T.int, true), false);
    assert.equal(sd.result(run(sd, [2, 2, 3, null])), 5);
  });

  it('exact values: empty input, NULLs, STDDEV needs two values', () => {
    const r = (fn: AggFn, type: SqlType, values: Value[]): Value => {
      const acc = createAccumulator(aggCall(fn, type), false);
      return acc.result(run(acc, values));
    };
    assert.equal(r('count', T.int, [1, null, 2]), 2);
    assert.equal(r('count_star', T.int, [true, true, true]), 3);
    assert.equal(r('sum', T.int, []), null);
    assert.equal(r('sum', T.int, [null]), null);
    assert.equal(r('sum', T.int, [1, 2, null]), 3);
    assert.equal(r('avg', T.int, [1, 2]), 1.5);
    assert.equal(r('stddev', T.double, [1]), null);
    assert.equal(r('stddev', T.double, [2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7));
    assert.equal(r('max', T.varchar, ['\uffff', '😀']), '😀');
    assert.ok(Number.isNaN(r('max', T.double, [1, NaN, 2])));
    assert.deepEqual(aggregateResultType('sum', T.varchar), { error: 'SUM expects a number, got VARCHAR' });
    assert.deepEqual(aggregateResultType('sum', T.int), T.bigint);
  });
});
