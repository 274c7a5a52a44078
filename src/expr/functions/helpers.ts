// Building blocks for the scalar function registry: argument checks with readable errors and
// NULL-propagating wrappers, so each function file states only what is specific to it.

import { commonType, isNumeric, typeToSql, type SqlType, type Value } from '../../catalog/types.js';
import type { ScalarFunction } from './scalar.js';

export type Resolved = SqlType | { error: string };
export type Impl = (args: readonly Value[]) => Value;

export interface FunctionDef {
  readonly name: string;
  readonly doc: string;
  resolve(args: readonly SqlType[]): Resolved;
  compile(argTypes: readonly SqlType[], type: SqlType): Impl;
  sql?(args: readonly string[], argTypes: readonly SqlType[]): string;
}

export function define(def: FunctionDef): ScalarFunction {
  const name = def.name;
  return {
    name,
    doc: def.doc,
    resolve: (args) => def.resolve(args),
    compile: (argTypes, type) => def.compile(argTypes, type),
    sql: def.sql ?? ((args) => `${name}(${args.join(', ')})`),
  };
}

/** `None` when the count is in [min, max], else the error. */
export function arity(name: string, args: readonly SqlType[], min: number, max = min): { error: string } | undefined {
  if (args.length >= min && args.length <= max) return undefined;
  const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} or ${max}`;
  return { error: `${name.toUpperCase()} takes ${want} argument${min === 1 && max === 1 ? '' : 's'}, got ${args.length}` };
}

const KIND_WORD: Partial<Record<SqlType['kind'], string>> = {
  int: 'a number',
  bigint: 'a number',
  double: 'a number',
  varchar: 'a string',
  timestamp: 'a timestamp',
  boolean: 'a boolean',
};

/** Checks each argument against its wanted kind (a `null` argument is always accepted). */
export function expectKinds(
  name: string,
  args: readonly SqlType[],
  wanted: readonly ('number' | 'integer' | 'varchar' | 'timestamp')[],
): { error: string } | undefined {
  for (let i = 0; i < args.length; i++) {
    const t = args[i]!;
    const w = wanted[Math.min(i, wanted.length - 1)]!;
    if (t.kind === 'null') continue;
    const ok =
      w === 'number' ? isNumeric(t) : w === 'integer' ? t.kind === 'int' || t.kind === 'bigint' : t.kind === w;
    if (!ok) {
      const word = w === 'number' ? 'a number' : w === 'integer' ? 'an integer' : (KIND_WORD[w] ?? w);
      const pos = args.length > 1 ? ` as argument ${i + 1}` : '';
      return { error: `${name.toUpperCase()} expects ${word}${pos}, got ${typeToSql(t)}` };
    }
  }
  return undefined;
}

/** The common type of all arguments (NULLs ignored), or an error naming the clash. */
export function commonOf(name: string, args: readonly SqlType[]): Resolved {
  let t: SqlType = { kind: 'null' };
  for (const a of args) {
    const c = commonType(t, a);
    if (!c) return { error: `${name.toUpperCase()} arguments have no common type: ${typeToSql(t)} and ${typeToSql(a)}` };
    t = c;
  }
  return t;
}

export function strict1(f: (a: Value) => Value): Impl {
  return (args) => {
    const a = args[0] ?? null;
    return a === null ? null : f(a);
  };
}

export function strict2(f: (a: Value, b: Value) => Value): Impl {
  return (args) => {
    const a = args[0] ?? null;
    if (a === null) return null;
    const b = args[1] ?? null;
    return b === null ? null : f(a, b);
  };
}

export function strict3(f: (a: Value, b: Value, c: Value) => Value): Impl {
  return (args) => {
    const a = args[0] ?? null;
    const b = args[1] ?? null;
    const c = args[2] ?? null;
    return a === null || b === null || c === null ? null : f(a, b, c);
  };
}
