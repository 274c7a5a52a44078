// Differential test: random expressions over random rows (ints, doubles, strings, booleans,
// timestamps, with NULLs), evaluated by compileExpr and by DuckDB, must agree (doubles within
// a relative 1e-9). A failure prints the seed, the DuckDB SQL and the first differing row.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { commonType, T, type Row, type SqlType, type Value } from '../../../src/catalog/types.js';
import type { BoundExpr } from '../../../src/expr/bound.js';
import { compileExpr } from '../../../src/expr/compile.js';
import { call, col, duck, duckRows, lit, RUNS, sameValue, sqlLiteral, toDuckSql } from './support.js';

const COLUMNS = ['i', 'j', 'd', 'e', 's', 'u', 'b', 't'] as const;
const TYPES: readonly SqlType[] = [T.int, T.bigint, T.double, T.double, T.varchar, T.varchar, T.boolean, T.timestamp];
const C = Object.fromEntries(COLUMNS.map((n, i) => [n, col(i, TYPES[i]!, n)])) as Record<(typeof COLUMNS)[number], BoundExpr>;

const NUMBER_TEXT = [' 12 ', '12.5', '-2.5', '1e3', '0x1F', '1_000', '', 'abc', '.5', '1.', 'nan', '-inf', '3.5', '0.05e1', '2.45', '0b101', 'true', 'y', 'NO', '0', '1'];
const TIME_TEXT = ['2024-05-20 10:00:00.123', '2024-05-20T10:00:00.5Z', '2024-05-20', '2024-5-2 1:2:3', '2024-02-30', '2024-05-20 24:00:00', '2024/05/20', '1969-12-31 23:59:59.5', '2024-05-20 10:00:00+02:00', 'x', '2024-05-20 10:00:00.1234567'];
// SUBSTRING ranges that start outside the string (negative lengths, start before the beginning)
// are left out: DuckDB 1.5 answers them differently depending on the surrounding expression
// (substring(u, 4, -2) on 'a%' is '%' alone but 'a%' inside NULLIF).
const PATTERNS = ['a%', '%b', '%a%', 'a_', '_', '%', '', 'A%', 'a%b', '%_%', 'é%', '.%', '%1%'];

/** A small deterministic PRNG (mulberry32), so one seed gives one expression. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(private readonly r: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  pick<X>(xs: readonly X[]): X {
    return xs[this.int(0, xs.length - 1)]!;
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  num(depth: number): BoundExpr {
    if (depth <= 0 || this.chance(0.25)) {
      return this.pick([
        () => this.pick([C.i, C.j, C.d, C.e]),
        () => lit(this.chance(0.1) ? null : this.int(-5, 5), T.int),
        () => lit(this.pick([0, 0.5, 2.5, -1.5, 1.005, 3.25, -0.1]), T.double),
      ])();
    }
    const d = depth - 1;
    return this.pick<() => BoundExpr>([
      () => {
        const op = this.pick(['+', '-', '*', '/', '%'] as const);
        const left = this.num(d);
        const right = this.num(d);
        const type = op === '/' || left.type.kind === 'double' || right.type.kind === 'double' ? T.double : left.type.kind === 'bigint' || right.type.kind === 'bigint' ? T.bigint : T.int;
        return { kind: 'arith', op, left, right, type };
      },
      () => {
        const operand = this.num(d);
        return { kind: 'unary', op: '-', operand, type: operand.type };
      },
      () => call('abs', this.num(d)),
      () => (this.chance(0.5) ? call('round', this.num(d)) : call('round', this.num(d), lit(this.int(-2, 3), T.int))),
      () => call('coalesce', this.num(d), this.num(d)),
      () => {
        const then = this.num(d);
        const otherwise = this.num(d);
        const withElse = this.chance(0.7);
        const type = withElse ? (commonType(then.type, otherwise.type) ?? T.double) : then.type;
        return { kind: 'case', whens: [{ when: this.bool(d), then }], else: withElse ? otherwise : undefined, type };
      },
      () => ({ kind: 'cast', operand: this.pick([C.s, lit(this.pick(NUMBER_TEXT), T.varchar)]), type: this.pick([T.int, T.bigint, T.double]) }),
      () => ({ kind: 'cast', operand: this.num(d), type: T.int }),
      () => call(this.pick(['greatest', 'least']), this.num(d), this.num(d)),
      () => call('length', this.str(d)),
      () => call('sign', this.num(d)),
      () => call(this.pick(['floor', 'ceil']), this.num(d)),
      () => call('hour', this.ts(d)),
    ])();
  }
  bool(depth: number): BoundExpr {
    if (depth <= 0 || this.chance(0.2)) return this.pick([C.b, lit(this.pick([true, false, null]), T.boolean)]);
    const d = depth - 1;
    const cmpOp = () => this.pick(['=', '<>', '<', '<=', '>', '>='] as const);
    return this.pick<() => BoundExpr>([
      () => ({ kind: 'compare', op: cmpOp(), left: this.num(d), right: this.num(d), type: T.boolean }),
      () => ({ kind: 'compare', op: cmpOp(), left: this.str(d), right: this.str(d), type: T.boolean }),
      () => ({ kind: 'compare', op: cmpOp(), left: C.t, right: this.ts(d), type: T.boolean }),
      () => ({ kind: 'compare', op: cmpOp(), left: C.b, right: this.bool(d), type: T.boolean }),
      () => ({ kind: 'logic', op: this.pick(['AND', 'OR'] as const), operands: [this.bool(d), this.bool(d), ...(this.chance(0.3) ? [this.bool(d)] : [])], type: T.boolean }),
      () => ({ kind: 'unary', op: 'NOT', operand: this.bool(d), type: T.boolean }),
      () => ({ kind: 'isNull', operand: this.pick([this.num(d), this.str(d)]), negated: this.chance(0.5), type: T.boolean }),
      () => ({
        kind: 'in',
        operand: this.num(d),
        list: Array.from({ length: this.int(1, 4) }, () => (this.chance(0.2) ? lit(null, T.int) : this.chance(0.7) ? lit(this.int(-3, 3), T.int) : this.num(d))),
        negated: this.chance(0.3),
        type: T.boolean,
      }),
      () => ({ kind: 'between', operand: this.num(d), low: this.num(d), high: this.num(d), negated: this.chance(0.3), type: T.boolean }),
      () => ({
        kind: 'like',
        operand: this.str(d),
        pattern: this.chance(0.85) ? lit(this.pick(PATTERNS), T.varchar) : C.u,
        negated: this.chance(0.3),
        caseInsensitive: this.chance(0.4),
        type: T.boolean,
      }),
      () => call(this.pick(['starts_with', 'contains']), this.str(d), this.str(d)),
      () => ({ kind: 'cast', operand: this.pick([C.s, lit(this.pick(NUMBER_TEXT), T.varchar)]), type: T.boolean }),
    ])();
  }
  str(depth: number): BoundExpr {
    if (depth <= 0 || this.chance(0.25)) return this.pick([C.s, C.u, lit(this.pick(['a', 'B', 'ab%', '', ' x ', 'é', null]), T.varchar)]);
    const d = depth - 1;
    return this.pick<() => BoundExpr>([
      () => call(this.pick(['lower', 'upper', 'trim', 'ltrim', 'rtrim']), this.str(d)),
      () => call('concat', this.str(d), this.pick([this.num(d), this.str(d), this.bool(d)])),
      () => ({ kind: 'concat', left: this.str(d), right: this.str(d), type: T.varchar }),
      () => ({ kind: 'cast', operand: this.pick([this.num(d), this.bool(d), this.ts(d)]), type: T.varchar }),
      () => ({ kind: 'cast', operand: C.d, type: T.varchar }),
      () =>
        this.chance(0.5)
          ? call('substring', this.str(d), lit(this.int(-3, 4), T.int))
          : call('substring', this.str(d), lit(this.int(1, 4), T.int), lit(this.int(0, 3), T.int)),
      () => call('replace', this.str(d), lit(this.pick(['a', 'b', '']), T.varchar), lit(this.pick(['', 'xy']), T.varchar)),
      () => call('coalesce', this.str(d), this.str(d)),
      () => call('nullif', this.str(d), this.str(d)),
      () => ({ kind: 'case', whens: [{ when: this.bool(d), then: this.str(d) }], else: this.chance(0.5) ? this.str(d) : undefined, type: T.varchar }),
    ])();
  }
  ts(depth: number): BoundExpr {
    if (depth <= 0 || this.chance(0.3)) return C.t;
    const d = depth - 1;
    return this.pick<() => BoundExpr>([
      () => ({ kind: 'arith', op: this.pick(['+', '-'] as const), left: this.ts(d), right: lit(this.pick([1500, 3_600_000_000, 86_400_000_000]), T.interval), type: T.timestamp }),
      () => call('date_trunc', lit(this.pick(['second', 'minute', 'hour', 'day', 'month', 'year']), T.varchar), this.ts(d)),
      () => ({ kind: 'cast', operand: lit(this.pick(TIME_TEXT), T.varchar), type: T.timestamp }),
      () => call('epoch_ms', call('epoch_ms', this.ts(d))),
    ])();
  }
}

const rowArb: fc.Arbitrary<Row> = fc.tuple(
  fc.option(fc.integer({ min: -50, max: 50 }), { nil: null, freq: 5 }),
  fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: null, freq: 5 }),
  fc.option(fc.oneof(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.constantFrom(0, -0, 0.5, 2.5, -2.5, 1e-7, 1e16, 123.456, NaN)), { nil: null, freq: 5 }),
  fc.option(fc.oneof(fc.integer({ min: -20, max: 20 }), fc.double({ min: -100, max: 100, noNaN: true })), { nil: null, freq: 5 }),
  fc.option(fc.oneof(fc.string({ unit: fc.constantFrom('a', 'b', 'A', 'B', '%', '_', ' ', '1', '.', 'é', '😀'), maxLength: 5 }), fc.constantFrom(...NUMBER_TEXT)), { nil: null, freq: 5 }),
  fc.option(fc.constantFrom(...PATTERNS, 'a', 'B'), { nil: null, freq: 5 }),
  fc.option(fc.boolean(), { nil: null, freq: 5 }),
  fc.option(fc.integer({ min: -2_000_000_000, max: 4_000_000_000 }).map((s) => s * 1_000_000 + (s % 7) * 123_457), { nil: null, freq: 5 }),
).map((r) => [...r]);

async function loadTable(rows: readonly Row[]): Promise<void> {
  const conn = await duck();
  await conn.run(`CREATE OR REPLACE TABLE x (k INTEGER, ${COLUMNS.map((c, i) => `"${c}" ${TYPES[i]!.kind === 'int' ? 'INTEGER' : TYPES[i]!.kind.toUpperCase()}`).join(', ')})`);
  if (rows.length === 0) return;
  const values = rows.map((r, k) => `(${k}, ${r.map((v, i) => sqlLiteral(v, TYPES[i]!)).join(', ')})`);
  await conn.run(`INSERT INTO x VALUES ${values.join(', ')}`);
}

/** DuckDB's answer per row, or undefined when DuckDB rejects the query (integer overflow). */
async function duckEval(e: BoundExpr): Promise<{ sql: string; values: Value[] | undefined }> {
  let sql = toDuckSql(e, COLUMNS);
  if (e.type.kind === 'timestamp') sql = `epoch_us(${sql})`;
  const query = `SELECT ${sql} FROM x ORDER BY k`;
  try {
    return { sql: query, values: (await duckRows(query)).map((r) => r[0] ?? null) };
  } catch (err) {
    if (/Overflow|out of range/i.test(String(err))) return { sql: query, values: undefined };
    throw new Error(`DuckDB rejected ${query}: ${String(err)}`);
  }
}

describe('compileExpr agrees with DuckDB', () => {
  after(async () => (await duck()).closeSync());
  it(`on random expressions and rows (${RUNS} runs)`, async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.array(rowArb, { maxLength: 12 }), async (seed, rows) => {
        const g = new Gen(rng(seed));
        const exprs = [g.num(3), g.bool(3), g.str(3), g.ts(2)];
        await loadTable(rows);
        for (const e of exprs) {
          const { sql, values } = await duckEval(e);
          if (!values) continue;
          const f = compileExpr(e);
          for (let k = 0; k < rows.length; k++) {
            const ours = f(rows[k]!);
            const theirs: Value = values[k] ?? null;
            // DuckDB prints a NaN with the sign bit set as '-nan'; JS cannot see NaN signs.
            const alike = typeof ours === 'string' && typeof theirs === 'string' ? ours === theirs.replace(/-nan/g, 'nan') : sameValue(ours, theirs);
            if (!alike) {
              assert.fail(`seed ${seed}: ${sql}\nrow ${JSON.stringify(rows[k])}\nours ${String(ours)} (${typeof ours}), DuckDB ${String(theirs)} (${typeof theirs})`);
            }
          }
          compared++;
        }
      }),
      { numRuns: RUNS },
    );
    assert.ok(compared > RUNS * 2, `only ${compared} expressions compared`);
  });
});
