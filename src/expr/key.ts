// Group and partition keys: compiled to a function from a row to one string, so that state
// tables are plain string-keyed maps. Equal SQL values (including NULLs) give equal strings,
// distinct values distinct strings; a single VARCHAR or numeric key is encoded without copying.

import type { Row, SqlType, StructValue, Value } from '../catalog/types.js';
import type { BoundExpr } from './bound.js';
import { compileExpr, type Evaluator } from './compile.js';

export interface KeyFn {
  /** The encoded key of a row. */
  encode(row: Row): string;
  /** The key values of a row (kept beside the state to emit them). */
  values(row: Row): Value[];
}

export type ValueEncoder = (v: Value) => string;

const ESC = '\u0001';
const ESC_CODE = 1;

/**
 * A single value as a string, injective within one type: numbers by `String` (so -0 and 0, and
 * all NaNs, meet, as SQL equality wants), NULL as '', strings as themselves unless they start
 * with \u0001 (then one more is prepended), so NULL ('\u0001') never meets a string.
 */
export function singleEncoder(t: SqlType): ValueEncoder {
  switch (t.kind) {
    case 'varchar':
      return (v) => (v === null ? ESC : (v as string).charCodeAt(0) === ESC_CODE ? ESC + (v as string) : (v as string));
    case 'int':
    case 'bigint':
    case 'double':
    case 'timestamp':
    case 'interval':
      return (v) => (v === null ? '' : String(v));
    case 'boolean':
      return (v) => (v === null ? '' : v ? 't' : 'f');
    case 'null':
      return () => '';
    case 'struct':
      return partEncoder(t);
  }
}

/**
 * A self-delimiting, type-tagged encoding, so that concatenations of parts are unambiguous:
 * `N` NULL, `n<number>;`, `t`/`f`, `s<length>:<text>`, `o` then the fields in type order.
 */
export function partEncoder(t: SqlType): ValueEncoder {
  switch (t.kind) {
    case 'varchar':
      return (v) => (v === null ? 'N' : `s${(v as string).length}:${v as string}`);
    case 'int':
    case 'bigint':
    case 'double':
    case 'timestamp':
    case 'interval':
      return (v) => (v === null ? 'N' : `n${v as number};`);
    case 'boolean':
      return (v) => (v === null ? 'N' : v ? 't' : 'f');
    case 'null':
      return () => 'N';
    case 'struct': {
      const fields = t.fields.map((f) => ({ name: f.name, enc: partEncoder(f.type) }));
      return (v) => {
        if (v === null) return 'N';
        const o = v as StructValue;
        let out = 'o';
        for (const f of fields) out += f.enc(Object.hasOwn(o, f.name) ? (o[f.name] ?? null) : null);
        return out;
      };
    }
  }
}

export function compileKey(exprs: readonly BoundExpr[]): KeyFn {
  const evals: Evaluator[] = exprs.map(compileExpr);
  if (exprs.length === 0) return { encode: () => '', values: () => [] };
  if (exprs.length === 1) {
    const e = exprs[0]!;
    const enc = singleEncoder(e.type);
    if (e.kind === 'column') {
      const i = e.index;
      return { encode: (row) => enc(row[i] ?? null), values: (row) => [row[i] ?? null] };
    }
    const f = evals[0]!;
    return { encode: (row) => enc(f(row)), values: (row) => [f(row)] };
  }
  const encs = exprs.map((e) => partEncoder(e.type));
  return {
    encode: (row) => {
      let out = '';
      for (let i = 0; i < evals.length; i++) out += encs[i]!(evals[i]!(row));
      return out;
    },
    values: (row) => evals.map((f) => f(row)),
  };
}
