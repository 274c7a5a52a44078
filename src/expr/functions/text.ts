// String scalar functions. Positions and lengths count characters (code points), as DuckDB
// does; case mapping is per character (DuckDB's simple mappings: upper('ß') is 'ẞ').

import { T, type SqlType, type Value } from '../../catalog/types.js';
import { castFunction } from '../cast.js';
import type { ScalarFunction } from './scalar.js';
import { arity, define, expectKinds, strict1, strict2, strict3, type Impl } from './helpers.js';

const ASCII = /^[\x00-\x7f]*$/;
const SURROGATE = /[\ud800-\udfff]/;

function mapChars(s: string, whole: (s: string) => string, special: Readonly<Record<string, string>>): string {
  if (ASCII.test(s)) return whole(s);
  let out = '';
  for (const ch of s) {
    const sp = special[ch];
    if (sp !== undefined) {
      out += sp;
      continue;
    }
    const m = whole(ch);
    // A one-to-many mapping (e.g. 'ß' -> 'SS') is not a simple mapping: keep the character.
    out += m.length === ch.length || [...m].length === 1 ? m : ch;
  }
  return out;
}

const UPPER_SPECIAL: Readonly<Record<string, string>> = { ß: 'ẞ' };
const LOWER_SPECIAL: Readonly<Record<string, string>> = { İ: 'i' };

export function codePointLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

/** DuckDB's SUBSTRING(s, start, length): 1-based, a negative start counts from the end, start 0
 * is one before the first character, a negative length takes the characters before start;
 * the range is then clipped to the string. */
export function substringSql(s: string, offset: number, length: number): string {
  const chars = SURROGATE.test(s) ? [...s] : undefined;
  const size = chars ? chars.length : s.length;
  const start = offset > 0 ? offset - 1 : offset < 0 ? size + offset : -1;
  const from = Math.max(0, length >= 0 ? start : start + length);
  const to = Math.min(size, length >= 0 ? start + length : start);
  if (from >= to) return '';
  return chars ? chars.slice(from, to).join('') : s.slice(from, to);
}

function trimmer(name: 'trim' | 'ltrim' | 'rtrim', doc: string): ScalarFunction {
  const left = name !== 'rtrim';
  const right = name !== 'ltrim';
  const trimSet = (s: string, set: ReadonlySet<string>): string => {
    const chars = [...s];
    let a = 0;
    let b = chars.length;
    if (left) while (a < b && set.has(chars[a]!)) a++;
    if (right) while (b > a && set.has(chars[b - 1]!)) b--;
    return chars.slice(a, b).join('');
  };
  return define({
    name,
    doc,
    resolve: (args) => arity(name, args, 1, 2) ?? expectKinds(name, args, ['varchar']) ?? T.varchar,
    compile: (argTypes): Impl => {
      if (argTypes.length === 2) return strict2((s, chars) => trimSet(s as string, new Set(chars as string)));
      // Without a character list DuckDB trims spaces only (not tabs or newlines).
      if (name === 'trim') return strict1((s) => (s as string).replace(/^ +| +$/g, ''));
      if (name === 'ltrim') return strict1((s) => (s as string).replace(/^ +/, ''));
      return strict1((s) => (s as string).replace(/ +$/, ''));
    },
  });
}

const substring = define({
  name: 'substring',
  doc: 'SUBSTRING(s, start[, length]): characters from 1-based start',
  resolve: (args) => arity('substring', args, 2, 3) ?? expectKinds('substring', args, ['varchar', 'integer']) ?? T.varchar,
  compile: (argTypes): Impl =>
    argTypes.length === 3
      ? strict3((s, start, len) => substringSql(s as string, start as number, len as number))
      : strict2((s, start) => substringSql(s as string, start as number, 4294967295)),
});

const concat = define({
  name: 'concat',
  doc: 'CONCAT(a, ...): text of the arguments joined, NULLs skipped',
  resolve: (args) => arity('concat', args, 1, Infinity) ?? T.varchar,
  compile: (argTypes): Impl => {
    const texts = argTypes.map((t: SqlType) => castFunction(t, T.varchar) ?? ((v: Value) => String(v)));
    return (args) => {
      let out = '';
      for (let i = 0; i < args.length; i++) {
        const v = args[i] ?? null;
        if (v !== null) out += texts[i]!(v) as string;
      }
      return out;
    };
  },
});

function stringPredicate(name: string, doc: string, f: (s: string, p: string) => boolean): ScalarFunction {
  return define({
    name,
    doc,
    resolve: (args) => arity(name, args, 2) ?? expectKinds(name, args, ['varchar']) ?? T.boolean,
    compile: () => strict2((s, p) => f(s as string, p as string)),
  });
}

export const TEXT_FUNCTIONS: readonly (readonly [ScalarFunction, ...string[]])[] = [
  [
    define({
      name: 'lower',
      doc: 'LOWER(s): lower case',
      resolve: (args) => arity('lower', args, 1) ?? expectKinds('lower', args, ['varchar']) ?? T.varchar,
      compile: () => strict1((s) => mapChars(s as string, (x) => x.toLowerCase(), LOWER_SPECIAL)),
    }),
  ],
  [
    define({
      name: 'upper',
      doc: 'UPPER(s): upper case',
      resolve: (args) => arity('upper', args, 1) ?? expectKinds('upper', args, ['varchar']) ?? T.varchar,
      compile: () => strict1((s) => mapChars(s as string, (x) => x.toUpperCase(), UPPER_SPECIAL)),
    }),
  ],
  [
    define({
      name: 'length',
      doc: 'LENGTH(s): number of characters',
      resolve: (args) => arity('length', args, 1) ?? expectKinds('length', args, ['varchar']) ?? T.bigint,
      compile: () => strict1((s) => codePointLength(s as string)),
    }),
  ],
  [trimmer('trim', 'TRIM(s[, chars]): remove leading and trailing spaces (or chars)')],
  [trimmer('ltrim', 'LTRIM(s[, chars]): remove leading spaces (or chars)')],
  [trimmer('rtrim', 'RTRIM(s[, chars]): remove trailing spaces (or chars)')],
  [substring, 'substr'],
  [
    define({
      name: 'replace',
      doc: 'REPLACE(s, from, to): every occurrence of from replaced by to',
      resolve: (args) => arity('replace', args, 3) ?? expectKinds('replace', args, ['varchar']) ?? T.varchar,
      compile: () => strict3((s, from, to) => (from === '' ? s : (s as string).split(from as string).join(to as string))),
    }),
  ],
  [concat],
  [stringPredicate('starts_with', 'STARTS_WITH(s, prefix): whether s begins with prefix', (s, p) => s.startsWith(p))],
  [stringPredicate('contains', 'CONTAINS(s, part): whether part occurs in s', (s, p) => s.includes(p))],
];
