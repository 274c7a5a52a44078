// The approximate aggregates within their documented error, and the merge and retraction
// laws of the new accumulators: APPROX_COUNT_DISTINCT (HyperLogLog, 1.63% standard error, exact
// to 1024 values), APPROX_QUANTILE (DDSketch, 1% relative, exact to 256 values), and the ordered
// and collecting aggregates (a split merged equals one pass; add then retract equals never added).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { T, type SqlType, type Value } from '../../../src/catalog/types.js';
import type { AggCall, AggFn } from '../../../src/expr/bound.js';
import { createAccumulator, stateReplacer, stateReviver, type Accumulator } from '../../../src/expr/aggregates/accumulator.js';
import { SPARSE_MAX } from '../../../src/expr/aggregates/hll.js';
import { ALPHA, EXACT_MAX } from '../../../src/expr/aggregates/ddsketch.js';
import { col, duck, duckRows } from './support.js';

after(async () => (await duck()).closeSync());

function acc(fn: AggFn, type: SqlType, extra: Partial<AggCall> = {}): Accumulator {
  return createAccumulator({ fn, arg: col(0, type), distinct: false, type: T.double, display: fn, ...extra }, extra.tieByValue === true);
}

function fold(a: Accumulator, values: readonly unknown[], s = a.init()): unknown {
  for (const v of values) s = a.add(s, v as Value);
  return s;
}

/** Through the checkpoint/spill encoding. */
const roundTrip = (s: unknown): unknown => JSON.parse(JSON.stringify(s, stateReplacer), stateReviver);

/** A deterministic stream of pseudo-random doubles (xorshift). */
function randoms(n: number, seed: number): number[] {
  let x = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push((x >>> 0) / 2 ** 32);
  }
  return out;
}

test('APPROX_COUNT_DISTINCT is exact to 1024 distinct values and within 4 standard errors (6.5%) beyond; merging splits equals one pass', () => {
  const hll = acc('approx_count_distinct', T.bigint);
  for (const n of [1, 500, SPARSE_MAX, SPARSE_MAX + 1, 5_000, 50_000, 300_000]) {
    const values = Array.from({ length: n }, (_, i) => i * 7919 + 13);
    // Duplicates change nothing.
    const one = fold(hll, [...values, ...values.slice(0, 100)]);
    const est = hll.result(one) as number;
    if (n <= SPARSE_MAX) assert.equal(est, n, `exact below the sparse limit (n=${n})`);
    else assert.ok(Math.abs(est - n) / n <= 4 * 0.0163, `n=${n}: estimate ${est} off by ${((100 * (est - n)) / n).toFixed(2)}%`);
    const half = Math.floor(n / 2);
    const merged = hll.merge(roundTrip(fold(hll, values.slice(0, half))), roundTrip(fold(hll, values.slice(half))));
    assert.equal(hll.result(merged), est, `n=${n}: merged halves`);
  }
  const strings = fold(acc('approx_count_distinct', T.varchar), Array.from({ length: 20_000 }, (_, i) => `user-${i}`));
  const e = hll.result(strings) as number;
  assert.ok(Math.abs(e - 20_000) / 20_000 <= 4 * 0.0163, `strings: ${e}`);
});

test("APPROX_QUANTILE: exact to 256 values, then within 1% of DuckDB's quantile_disc; merge and retraction are exact on the buckets", async () => {
  const qs = [0, 0.01, 0.25, 0.5, 0.9, 0.99, 1];
  for (const [n, seed] of [[100, 1], [EXACT_MAX + 1, 2], [5000, 3], [40_000, 4]] as const) {
    // Mixed signs, zeros and a wide range of magnitudes.
    const values = randoms(n, seed).map((r, i) => (i % 17 === 0 ? 0 : (r - 0.3) * 10 ** ((i % 7) - 2)));
    const list = `[${values.map((v) => `${v}::DOUBLE`).join(',')}]`;
    const exact = await duckRows(`SELECT ${qs.map((q) => `quantile_disc(x, ${q})`).join(', ')} FROM (SELECT unnest(${list}) AS x)`);
    for (let i = 0; i < qs.length; i++) {
      const a = acc('approx_quantile', T.double, { param: qs[i]! });
      const s = fold(a, values);
      const got = a.result(s) as number;
      const want = Number(exact[0]![i]);
      if (n <= EXACT_MAX) assert.equal(got, want, `n=${n} q=${qs[i]}`);
      else assert.ok(Math.abs(got - want) <= ALPHA * Math.abs(want) + 1e-12, `n=${n} q=${qs[i]}: ${got} vs ${want}`);
      const half = Math.floor(n / 2);
      const merged = a.merge(roundTrip(fold(a, values.slice(0, half))), roundTrip(fold(a, values.slice(half))));
      assert.equal(a.result(merged), got, `merged halves n=${n}`);
      if (n > 2 * EXACT_MAX) {
        // Beyond the exact mode: adding extra values and retracting them leaves the same buckets.
        let r = fold(a, values);
        for (const v of values.slice(0, 50)) r = a.add(r, v * 3);
        for (const v of values.slice(0, 50)) r = a.retract(r, v * 3);
        assert.equal(a.result(r), got, `retracted n=${n} q=${qs[i]}`);
      }
    }
  }
});

/** Entries [value, order key, arrival], as the operators feed the ordered aggregates. */
const entries = fc.array(fc.tuple(fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }), fc.option(fc.integer({ min: 0, max: 3 }), { nil: null })), { maxLength: 25 }).map((xs) => xs.map(([v, k], i) => [v, k, i + 1]));

test('ordered and collecting aggregates: a split merged equals one pass; over a changelog, add then retract equals never added', () => {
  const calls: Array<[AggFn, Partial<AggCall>]> = [
    ['first_value', { orderBy: col(1, T.timestamp) }],
    ['last_value', { orderBy: col(1, T.timestamp) }],
    ['latest_by_offset', {}],
    ['arg_min', { orderBy: col(1, T.int) }],
    ['arg_max', { orderBy: col(1, T.int) }],
    ['arg_min', { orderBy: col(1, T.int), tieByValue: true }],
    ['array_agg', { orderBy: col(1, T.timestamp) }],
    ['median', {}],
    ['quantile_cont', { param: 0.3 }],
    ['approx_quantile', { param: 0.7 }],
  ];
  fc.assert(
    fc.property(entries, entries, fc.nat(25), (xs, extra, cut) => {
      for (const [fn, extraCall] of calls) {
        const plain = fn === 'median' || fn === 'quantile_cont' || fn === 'approx_quantile';
        const feed = (es: unknown[][]) => (plain ? es.map((e) => e[0]) : es);
        for (const retractable of [false, true]) {
          const a = createAccumulator({ fn, arg: col(0, T.int), distinct: false, type: T.int, display: fn, ...extraCall }, retractable || extraCall.tieByValue === true);
          const once = a.result(fold(a, feed(xs)));
          const split = a.merge(roundTrip(fold(a, feed(xs.slice(0, cut)))), roundTrip(fold(a, feed(xs.slice(cut)))));
          assert.deepEqual(a.result(split), once, `${fn} merged split`);
          if (!retractable || fn === 'latest_by_offset') continue;
          // Retractions come with fresh arrival numbers; the latest equal entry goes.
          let s = fold(a, feed([...xs, ...extra.map(([v, k], i) => [v, k, 1000 + i])]));
          for (const [i, e] of [...extra.entries()].reverse()) s = a.retract(s, (plain ? e[0] : [e[0], e[1], 5000 + i]) as Value);
          assert.deepEqual(a.result(s), once, `${fn} add then retract`);
        }
      }
    }),
    { numRuns: 200 },
  );
});
