// TIMESTAMP helpers over epoch microseconds: EPOCH_MS both ways, DATE_TRUNC, and the HOUR,
// MINUTE and SECOND fields. Truncation floors, so times before 1970 truncate downwards.

import { T, typeToSql } from '../../catalog/types.js';
import { unitMicros } from '../../catalog/duration.js';
import { civilFromDays, daysFromCivil } from '../../catalog/timestamp.js';
import type { ScalarFunction } from './scalar.js';
import { arity, define, expectKinds, strict1, strict2 } from './helpers.js';

const MICROS_PER_DAY = 86_400_000_000;

/** DATE_TRUNC of epoch micros; undefined for an unknown part. */
export function dateTrunc(part: string, micros: number): number | undefined {
  const p = part.toLowerCase();
  if (p === 'month' || p === 'months' || p === 'year' || p === 'years') {
    const { y, m } = civilFromDays(Math.floor(micros / MICROS_PER_DAY));
    return daysFromCivil(y, p.startsWith('month') ? m : 1, 1) * MICROS_PER_DAY;
  }
  const unit = unitMicros(p);
  if (unit === undefined) return undefined;
  return Math.floor(micros / unit) * unit;
}

function field(name: string, doc: string, per: number, modulo: number): ScalarFunction {
  return define({
    name,
    doc,
    resolve: (args) => arity(name, args, 1) ?? expectKinds(name, args, ['timestamp']) ?? T.bigint,
    compile: () =>
      strict1((ts) => {
        const units = Math.floor((ts as number) / per);
        return ((units % modulo) + modulo) % modulo;
      }),
  });
}

export const TIME_FUNCTIONS: readonly (readonly [ScalarFunction, ...string[]])[] = [
  [
    define({
      name: 'epoch_ms',
      doc: 'EPOCH_MS(ts): milliseconds since 1970 as BIGINT; EPOCH_MS(n): the TIMESTAMP of n milliseconds',
      resolve: (args) => {
        const bad = arity('epoch_ms', args, 1);
        if (bad) return bad;
        const t = args[0]!;
        if (t.kind === 'timestamp' || t.kind === 'null') return T.bigint;
        if (t.kind === 'int' || t.kind === 'bigint') return T.timestamp;
        return { error: `EPOCH_MS expects a timestamp or an integer, got ${typeToSql(t)}` };
      },
      compile: (argTypes) =>
        argTypes[0]?.kind === 'int' || argTypes[0]?.kind === 'bigint'
          ? strict1((ms) => (ms as number) * 1000)
          : // DuckDB truncates towards zero here (unlike DATE_TRUNC, which floors).
            strict1((ts) => Math.trunc((ts as number) / 1000) + 0),
    }),
  ],
  [
    define({
      name: 'date_trunc',
      doc: "DATE_TRUNC(part, ts): ts truncated to 'second', 'minute', 'hour', 'day', 'month' or 'year'",
      resolve: (args) => arity('date_trunc', args, 2) ?? expectKinds('date_trunc', args, ['varchar', 'timestamp']) ?? T.timestamp,
      compile: () => strict2((part, ts) => dateTrunc(part as string, ts as number) ?? null),
    }),
  ],
  [field('hour', 'HOUR(ts): the hour, 0-23', 3_600_000_000, 24)],
  [field('minute', 'MINUTE(ts): the minute, 0-59', 60_000_000, 60)],
  [field('second', 'SECOND(ts): the second, 0-59', 1_000_000, 60)],
];
