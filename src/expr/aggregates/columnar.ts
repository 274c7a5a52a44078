// Fixed-width forms of the aggregates whose state is a few numbers (COUNT, SUM, AVG, STDDEV, and
// MIN/MAX of a number over append-only input): the state is `width` consecutive float64 fields
// of a packed array, so a table of them holds no object per group (state/columnar.ts). Each does
// the arithmetic of its object form in the same order, and converts to and from that form
// exactly: checkpoints, spilled partials, merges and results use the object form.

import type { SqlType, Value } from '../../catalog/types.js';
import type { AggCall } from '../bound.js';
import { comparatorFor } from '../values.js';

export interface ColumnarAccumulator {
  /** Float64 fields of the state. */
  readonly width: number;
  init(d: Float64Array, at: number): void;
  add(d: Float64Array, at: number, v: Value): void;
  /** The state as the object accumulator (accumulator.ts) would hold it. */
  toState(d: Float64Array, at: number): unknown;
  /** Writes an object state (a restored or spilled partial) into the fields. */
  fromState(s: unknown, d: Float64Array, at: number): void;
  /**
   * The DuckDB aggregate that merges spilled partials like this one, for each number in the
   * object state (JSON order), or undefined when SQL cannot merge them exactly as `merge` does.
   */
  mergeSql(s: unknown): readonly SqlMerge[] | undefined;
  /**
   * True when the numbers of toState's object, in JSON order, are exactly the fields in order,
   * for every state: the spill tier then writes the fields without building the object.
   */
  readonly plain: boolean;
}

/** A DuckDB aggregate over one numeric column of spilled partials (state/spill.ts). */
export type SqlMerge = 'sum' | 'min' | 'max' | 'any_value';

/** Counts and integer sums are whole numbers below 2^53: DuckDB's sum of their DOUBLEs is exact in any order. */
const SUM1: readonly SqlMerge[] = ['sum'];
const SUM2: readonly SqlMerge[] = ['sum', 'sum'];

const countStar: ColumnarAccumulator = {
  plain: true,
  width: 1,
  init: (d, at) => void (d[at] = 0),
  add: (d, at) => void d[at]!++,
  toState: (d, at) => d[at],
  fromState: (s, d, at) => void (d[at] = s as number),
  mergeSql: () => SUM1,
};

const count: ColumnarAccumulator = {
  plain: true,
  width: 1,
  init: (d, at) => void (d[at] = 0),
  add: (d, at, v) => {
    if (v !== null) d[at]!++;
  },
  toState: (d, at) => d[at],
  fromState: (s, d, at) => void (d[at] = s as number),
  mergeSql: () => SUM1,
};

/** sum.ts IntSumState {n, s}. */
const intSum: ColumnarAccumulator = {
  plain: true,
  width: 2,
  init: (d, at) => {
    d[at] = 0;
    d[at + 1] = 0;
  },
  add: (d, at, v) => {
    if (v === null) return;
    d[at]!++;
    d[at + 1]! += v as number;
  },
  toState: (d, at) => ({ n: d[at], s: d[at + 1] }),
  fromState: (s, d, at) => {
    const st = s as { n: number; s: number };
    d[at] = st.n;
    d[at + 1] = st.s;
  },
  mergeSql: () => SUM2,
};

/** sum.ts FloatSumState {n, s, c, pinf, ninf, nan}: Neumaier's sum, non-finite values counted apart. */
const floatSum: ColumnarAccumulator = {
  plain: true,
  width: 6,
  init: (d, at) => d.fill(0, at, at + 6),
  add: (d, at, v) => {
    if (v === null) return;
    const x = v as number;
    d[at]!++;
    if (x === Infinity) d[at + 3]!++;
    else if (x === -Infinity) d[at + 4]!++;
    else if (x !== x) d[at + 5]!++;
    else {
      const s = d[at + 1]!;
      const t = s + x;
      if (Math.abs(s) >= Math.abs(x)) d[at + 2]! += s - t + x;
      else d[at + 2]! += x - t + s;
      d[at + 1] = t;
    }
  },
  toState: (d, at) => ({ n: d[at], s: d[at + 1], c: d[at + 2], pinf: d[at + 3], ninf: d[at + 4], nan: d[at + 5] }),
  fromState: (s, d, at) => {
    const st = s as { n: number; s: number; c: number; pinf: number; ninf: number; nan: number };
    d[at] = st.n;
    d[at + 1] = st.s;
    d[at + 2] = st.c;
    d[at + 3] = st.pinf;
    d[at + 4] = st.ninf;
    d[at + 5] = st.nan;
  },
  // Neumaier's compensation merges in JS only.
  mergeSql: () => undefined,
};

/** stddev.ts StddevState {n, mean, m2}: Welford's steps. */
const stddev: ColumnarAccumulator = {
  plain: true,
  width: 3,
  init: (d, at) => d.fill(0, at, at + 3),
  add: (d, at, v) => {
    if (v === null) return;
    const x = v as number;
    const n = ++d[at]!;
    if (n === 0) {
      d[at + 1] = 0;
      d[at + 2] = 0;
      return;
    }
    const mean = d[at + 1]!;
    const delta = x - mean;
    const next = mean + delta / n;
    d[at + 1] = next;
    d[at + 2]! += delta * (x - next);
  },
  toState: (d, at) => ({ n: d[at], mean: d[at + 1], m2: d[at + 2] }),
  fromState: (s, d, at) => {
    const st = s as { n: number; mean: number; m2: number };
    d[at] = st.n;
    d[at + 1] = st.mean;
    d[at + 2] = st.m2;
  },
  // Chan's merge of means in JS only.
  mergeSql: () => undefined,
};

/** min-max.ts ExtremeState {v} of a numeric type: [has a value, the value]. */
function extreme(fn: 'min' | 'max', type: SqlType): ColumnarAccumulator {
  const cmp = comparatorFor(type) as (a: number, b: number) => number;
  const sign = fn === 'max' ? 1 : -1;
  return {
    // {v: null} has no number at all.
    plain: false,
    width: 2,
    init: (d, at) => {
      d[at] = 0;
      d[at + 1] = 0;
    },
    add: (d, at, v) => {
      if (v === null) return;
      if (d[at] === 0 || sign * cmp(v as number, d[at + 1]!) > 0) {
        d[at] = 1;
        d[at + 1] = v as number;
      }
    },
    toState: (d, at) => ({ v: d[at] === 0 ? null : d[at + 1] }),
    fromState: (s, d, at) => {
      const v = (s as { v: Value }).v;
      d[at] = v === null ? 0 : 1;
      d[at + 1] = v === null ? 0 : (v as number);
    },
    // {v: null} has no number (a partial without a value is a shape of its own). Doubles stay in
    // JS: DuckDB orders NaN and -0 otherwise than comparatorFor.
    mergeSql: (s) => ((s as { v: Value }).v === null ? [] : type.kind === 'double' ? undefined : [fn]),
  };
}

const NUMERIC = new Set<SqlType['kind']>(['int', 'bigint', 'double', 'timestamp', 'interval']);

/**
 * The fixed-width form of an aggregate call over append-only input, or undefined when its state
 * is not a few numbers (DISTINCT, MIN/MAX of strings or booleans, retractable MIN/MAX).
 */
export function columnarAccumulator(call: AggCall): ColumnarAccumulator | undefined {
  const argType = call.arg?.type ?? { kind: 'null' };
  const isDouble = argType.kind === 'double';
  switch (call.fn) {
    case 'count_star':
      return countStar;
    case 'min':
    case 'max':
      // DISTINCT does not change MIN or MAX.
      return NUMERIC.has(argType.kind) ? extreme(call.fn, argType) : undefined;
    default:
      break;
  }
  if (call.distinct) return undefined;
  switch (call.fn) {
    case 'count':
      return count;
    case 'sum':
    case 'avg':
      return isDouble ? floatSum : intSum;
    case 'stddev':
    case 'var_pop':
    case 'var_samp':
    case 'stddev_pop':
      return stddev;
    default:
      return undefined;
  }
}
