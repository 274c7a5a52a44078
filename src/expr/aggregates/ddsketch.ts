// APPROX_QUANTILE(x, q): the value at rank ceil(q * n) - 1 of the sorted values, as DuckDB's
// quantile_disc picks it. Exact while a group has at most EXACT_MAX values (the state is the
// values); beyond, a DDSketch (Masson et al., VLDB 2019): logarithmic buckets of relative
// accuracy ALPHA, so the result is within 1% (relative) of that exact value. Buckets are
// counts: merging adds them and retraction subtracts, both exact. Non-finite values are
// counted apart (ordered -inf < numbers < +inf < NaN, as DuckDB sorts doubles).
// Written here rather than taken from @datadog/sketches-js (2.1.1, Apache-2.0, no dependencies):
// the state must be plain JSON for checkpoints and spills, retract by count, rank as DuckDB's
// quantile_disc and be exact for small groups, which that package's API does not offer as is.

import type { Accumulator } from './accumulator-shape.js';
import { compareDoubles } from '../values.js';

export const ALPHA = 0.01;
export const EXACT_MAX = 256;
const GAMMA = (1 + ALPHA) / (1 - ALPHA);
const LN_GAMMA = Math.log(GAMMA);
/** Magnitudes below this count as zero (a bucket index would underflow). */
const MIN_MAGNITUDE = 1e-300;

export interface SketchState {
  /** Exact mode: the values. */
  x?: number[];
  /** Sketch mode: positive and negative buckets (index -> count), zeros, non-finite counts. */
  p?: Record<string, number>;
  m?: Record<string, number>;
  z?: number;
  ninf?: number;
  pinf?: number;
  nan?: number;
}

const bucket = (a: number): number => Math.ceil(Math.log(a) / LN_GAMMA);
/** The bucket's value with the least relative error to every value it holds. */
const bucketValue = (i: number): number => (2 * GAMMA ** i) / (GAMMA + 1);

function bump(rec: Record<string, number>, k: number, d: number): void {
  const c = (rec[k] ?? 0) + d;
  if (c === 0) delete rec[k];
  else rec[k] = c;
}

function step(st: SketchState, v: number, d: number): void {
  if (v !== v) st.nan = (st.nan ?? 0) + d;
  else if (v === Infinity) st.pinf = (st.pinf ?? 0) + d;
  else if (v === -Infinity) st.ninf = (st.ninf ?? 0) + d;
  else if (Math.abs(v) < MIN_MAGNITUDE) st.z = (st.z ?? 0) + d;
  else bump(v > 0 ? (st.p ??= {}) : (st.m ??= {}), bucket(Math.abs(v)), d);
}

function toSketch(values: readonly number[]): SketchState {
  const st: SketchState = { p: {}, m: {}, z: 0, ninf: 0, pinf: 0, nan: 0 };
  for (const v of values) step(st, v, 1);
  return st;
}

function sketchQuantile(st: SketchState, q: number): number | null {
  const parts: Array<[number, number]> = [];
  if (st.ninf) parts.push([-Infinity, st.ninf]);
  const neg = Object.entries(st.m ?? {}).map(([k, c]) => [Number(k), c] as [number, number]).sort((a, b) => b[0] - a[0]);
  for (const [i, c] of neg) parts.push([-bucketValue(i), c]);
  if (st.z) parts.push([0, st.z]);
  const pos = Object.entries(st.p ?? {}).map(([k, c]) => [Number(k), c] as [number, number]).sort((a, b) => a[0] - b[0]);
  for (const [i, c] of pos) parts.push([bucketValue(i), c]);
  if (st.pinf) parts.push([Infinity, st.pinf]);
  if (st.nan) parts.push([NaN, st.nan]);
  const n = parts.reduce((s, [, c]) => s + c, 0);
  if (n <= 0) return null;
  const rank = Math.max(0, Math.ceil(q * n) - 1);
  let seen = 0;
  for (const [v, c] of parts) {
    seen += c;
    if (seen > rank) return v;
  }
  return parts[parts.length - 1]![0];
}

export function approxQuantile(q: number): Accumulator<SketchState> {
  return {
    init: () => ({ x: [] }),
    add: (st, v) => {
      if (v === null) return st;
      if (st.x !== undefined) {
        st.x.push(v as number);
        return st.x.length > EXACT_MAX ? toSketch(st.x) : st;
      }
      step(st, v as number, 1);
      return st;
    },
    retract: (st, v) => {
      if (v === null) return st;
      const x = v as number;
      if (st.x !== undefined) {
        const at = x !== x ? st.x.findIndex((y) => y !== y) : st.x.indexOf(x);
        if (at >= 0) st.x.splice(at, 1);
      } else step(st, x, -1);
      return st;
    },
    merge: (a, b) => {
      if (a.x !== undefined && b.x !== undefined) {
        const x = [...a.x, ...b.x];
        return x.length > EXACT_MAX ? toSketch(x) : { x };
      }
      const out = a.x !== undefined ? toSketch(a.x) : { ...a, p: { ...a.p }, m: { ...a.m } };
      if (b.x !== undefined) for (const v of b.x) step(out, v, 1);
      else {
        for (const k in b.p) bump((out.p ??= {}), Number(k), b.p[k]!);
        for (const k in b.m) bump((out.m ??= {}), Number(k), b.m[k]!);
        out.z = (out.z ?? 0) + (b.z ?? 0);
        out.ninf = (out.ninf ?? 0) + (b.ninf ?? 0);
        out.pinf = (out.pinf ?? 0) + (b.pinf ?? 0);
        out.nan = (out.nan ?? 0) + (b.nan ?? 0);
      }
      return out;
    },
    result: (st) => {
      if (st.x === undefined) return sketchQuantile(st, q);
      if (st.x.length === 0) return null;
      const s = [...st.x].sort(compareDoubles);
      return s[Math.max(0, Math.ceil(q * s.length) - 1)]!;
    },
  };
}
