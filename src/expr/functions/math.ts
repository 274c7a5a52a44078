// Numeric scalar functions with DuckDB's typing and rounding. Where DuckDB raises an error
// (SQRT of a negative, LN of zero) these return NULL, and their `sql` spells the same NULL.

import { T, type SqlType, type Value } from '../../catalog/types.js';
import type { ScalarFunction } from './scalar.js';
import { arity, commonOf, define, expectKinds, strict1, strict2, type Impl, type Resolved } from './helpers.js';

/** C's round(): half away from zero (JS Math.round rounds half up). */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function roundDouble(x: number, digits: number): number {
  if (digits < 0) {
    const m = Math.pow(10, -digits);
    const r = roundHalfAway(x / m) * m;
    return Number.isFinite(r) ? r : 0;
  }
  const m = Math.pow(10, digits);
  const r = roundHalfAway(x * m) / m;
  return Number.isFinite(r) ? r : x;
}

function roundInteger(x: number, digits: number): number {
  if (digits >= 0) return x;
  if (-digits >= 19) return 0;
  const p = Math.pow(10, -digits);
  const half = p / 2;
  return Math.trunc((x < 0 ? x - half : x + half) / p) * p + 0;
}

function sameNumeric(name: string, args: readonly SqlType[]): Resolved {
  const bad = arity(name, args, 1) ?? expectKinds(name, args, ['number']);
  if (bad) return bad;
  const t = args[0]!;
  return t.kind === 'null' ? T.int : t;
}

function toDouble(name: string, n: number): (args: readonly SqlType[]) => Resolved {
  return (args) => arity(name, args, n) ?? expectKinds(name, args, ['number']) ?? T.double;
}

function unaryDouble(name: string, doc: string, f: (x: number) => Value, sql?: (a: string) => string): ScalarFunction {
  return define({
    name,
    doc,
    resolve: toDouble(name, 1),
    compile: () => strict1((x) => f(x as number)),
    ...(sql ? { sql: (args: readonly string[]) => sql(args[0]!) } : {}),
  });
}

const abs = define({
  name: 'abs',
  doc: 'ABS(x): absolute value',
  resolve: (args) => sameNumeric('abs', args),
  compile: () => strict1((x) => Math.abs(x as number)),
});

const round = define({
  name: 'round',
  doc: 'ROUND(x[, digits]): round half away from zero; an integer stays an integer',
  resolve: (args) => {
    const bad = arity('round', args, 1, 2) ?? expectKinds('round', args, ['number', 'integer']);
    if (bad) return bad;
    const t = args[0]!;
    return t.kind === 'null' ? T.double : t;
  },
  compile: (argTypes, type): Impl => {
    const integral = type.kind === 'int' || type.kind === 'bigint';
    if (argTypes.length === 1) return integral ? strict1((x) => x) : strict1((x) => roundHalfAway(x as number));
    return integral
      ? strict2((x, n) => roundInteger(x as number, n as number))
      : strict2((x, n) => roundDouble(x as number, n as number));
  },
});

const sign = define({
  name: 'sign',
  doc: 'SIGN(x): -1, 0 or 1',
  resolve: (args) => arity('sign', args, 1) ?? expectKinds('sign', args, ['number']) ?? T.int,
  compile: () => strict1((x) => ((x as number) > 0 ? 1 : (x as number) < 0 ? -1 : 0)),
});

/** C pow() where JS differs: pow(1, y) and pow(-1, +-inf) are 1. */
function cPow(x: number, y: number): number {
  if (x === 1 || (x === -1 && (y === Infinity || y === -Infinity))) return 1;
  return Math.pow(x, y);
}

const power = define({
  name: 'power',
  doc: 'POWER(x, y): x raised to y, as DOUBLE',
  resolve: toDouble('power', 2),
  compile: () => strict2((x, y) => cPow(x as number, y as number)),
});

const mod = define({
  name: 'mod',
  doc: 'MOD(a, b): remainder with the sign of a, like %; integer MOD by 0 is NULL',
  resolve: (args) => {
    const bad = arity('mod', args, 2) ?? expectKinds('mod', args, ['number']);
    if (bad) return bad;
    const t = commonOf('mod', args);
    return 'kind' in t && t.kind === 'null' ? T.int : t;
  },
  compile: (_argTypes, type) =>
    type.kind === 'double'
      ? strict2((a, b) => (a as number) % (b as number))
      : strict2((a, b) => (b === 0 ? null : ((a as number) % (b as number)) + 0)),
});

export const MATH_FUNCTIONS: readonly (readonly [ScalarFunction, ...string[]])[] = [
  [abs],
  [round],
  [unaryDouble('floor', 'FLOOR(x): largest integer value not above x, as DOUBLE', Math.floor)],
  [unaryDouble('ceil', 'CEIL(x): smallest integer value not below x, as DOUBLE', Math.ceil), 'ceiling'],
  [
    unaryDouble('sqrt', 'SQRT(x): square root; NULL for a negative x', (x) => (x < 0 ? null : Math.sqrt(x)), (a) => `CASE WHEN ${a} < 0 THEN NULL ELSE sqrt(${a}) END`),
  ],
  [unaryDouble('exp', 'EXP(x): e raised to x', Math.exp)],
  [unaryDouble('ln', 'LN(x): natural logarithm; NULL for x <= 0', (x) => (x <= 0 ? null : Math.log(x)), (a) => `CASE WHEN ${a} <= 0 THEN NULL ELSE ln(${a}) END`)],
  [unaryDouble('log10', 'LOG10(x): base-10 logarithm; NULL for x <= 0', (x) => (x <= 0 ? null : Math.log10(x)), (a) => `CASE WHEN ${a} <= 0 THEN NULL ELSE log10(${a}) END`)],
  [sign],
  [power, 'pow'],
  [mod],
];

