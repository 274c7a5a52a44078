// APPROX_COUNT_DISTINCT(x): HyperLogLog with 2^12 registers (standard error 1.04 / sqrt(4096) =
// 1.63%), exact while a group has at most SPARSE_MAX distinct values: until then the state is
// the set of the values' 52-bit hashes (exact but for hash collisions, ~n^2 / 2^53). Mergeable
// (union of sets, register-wise max); not retractable, so refused over a changelog input.

import type { SqlType } from '../../catalog/types.js';
import type { Accumulator } from './accumulator-shape.js';
import { valueCodec } from './value-codec.js';

const P = 12;
const M = 1 << P;
export const HLL_REGISTERS = M;
/** Distinct hashes kept exactly before switching to registers (about the registers' size). */
export const SPARSE_MAX = 1024;

/** `s`: the distinct hashes (sparse); `r`: the registers, once more than SPARSE_MAX. */
export interface HllState {
  s?: number[];
  r?: number[];
}

/** The sparse lists' members for O(1) lookups; rebuilt on first use after a restore or a merge. */
const members = new WeakMap<number[], Set<number>>();

function fnv(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  // murmur3's finaliser spreads FNV's weak low bits.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 52-bit hash: 32 bits then 20 more from a second seed. */
function hash52(key: string): number {
  return fnv(key, 0x811c9dc5) * 2 ** 20 + (fnv(key, 0x01000193) >>> 12);
}

function addHash(r: number[], h: number): void {
  const idx = Math.floor(h / 2 ** (52 - P));
  const rest = h % 2 ** (52 - P);
  // Leading zeros of the remaining 40 bits, plus one.
  const rho = rest === 0 ? 52 - P + 1 : 52 - P - Math.floor(Math.log2(rest));
  if (rho > r[idx]!) r[idx] = rho;
}

function dense(hashes: readonly number[]): number[] {
  const r = new Array<number>(M).fill(0);
  for (const h of hashes) addHash(r, h);
  return r;
}

function estimate(r: readonly number[]): number {
  let sum = 0;
  let zeros = 0;
  for (const x of r) {
    sum += 2 ** -x;
    if (x === 0) zeros++;
  }
  const e = ((0.7213 / (1 + 1.079 / M)) * M * M) / sum;
  // Small range: linear counting is the better estimate.
  if (e <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
  return Math.round(e);
}

export function approxCountDistinct(type: SqlType): Accumulator<HllState> {
  const codec = valueCodec(type);
  const insert = (st: HllState, h: number): HllState => {
    if (st.r !== undefined) addHash(st.r, h);
    else {
      const s = st.s ?? (st.s = []);
      let seen = members.get(s);
      if (seen === undefined) members.set(s, (seen = new Set(s)));
      if (!seen.has(h)) {
        seen.add(h);
        s.push(h);
      }
      if (s.length > SPARSE_MAX) return { r: dense(s) };
    }
    return st;
  };
  return {
    init: () => ({ s: [] }),
    add: (st, v) => (v === null ? st : insert(st, hash52(codec.key(v)))),
    retract: () => {
      throw new Error('APPROX_COUNT_DISTINCT cannot retract (the binder refuses it over a changelog)');
    },
    merge: (a, b) => {
      if (a.r !== undefined && b.r !== undefined) return { r: a.r.map((x, i) => Math.max(x, b.r![i]!)) };
      let out: HllState = a.r !== undefined ? { r: [...a.r] } : { s: [...(a.s ?? [])] };
      if (b.r !== undefined) {
        const r = [...b.r];
        for (const h of out.s ?? []) addHash(r, h);
        if (out.r !== undefined) for (let i = 0; i < M; i++) r[i] = Math.max(r[i]!, out.r[i]!);
        return { r };
      }
      for (const h of b.s ?? []) out = insert(out, h);
      return out;
    },
    result: (st) => (st.r !== undefined ? estimate(st.r) : (st.s ?? []).length),
  };
}
