// A test file's `generate:` section, read against the job's catalog: run count, seed, and per
// source the stream length, event-time spread and column generators. Every mistake is a
// diagnostic at its file:line:column (inside the YAML scalar for a generator expression).

import { isMap, isScalar, isSeq, type Node, type Pair, type Scalar } from 'yaml';
import type { Catalog, SourceDef } from '../../catalog/catalog.js';
import type { SqlType } from '../../catalog/types.js';
import { parseDuration } from '../../catalog/duration.js';
import { parseTimestamp } from '../../catalog/timestamp.js';
import { SqlError, nearest, type Diagnostic } from '../../sql/diagnostics.js';
import type { Span } from '../../sql/ast.js';
import { GenExprError, parseGenExpr, type GenExpr } from './expr.js';

export interface SourceGenSpec {
  /** Most rows of one generated stream (good rows, before duplicates and malformed records). */
  readonly rows: number;
  /** The event-time span a stream's in-order rows cover, in ms. */
  readonly spreadMs: number;
  /**
   * Columns no two different rows share (the event-time column included by name): a real
   * source's key such as (sensor, ts). Exact duplicates are still sent.
   */
  readonly unique: readonly string[];
  /** Per column name: its generator (others derive from the column type). */
  readonly columns: ReadonlyMap<string, GenExpr>;
}

export interface GenerateSpec {
  readonly runs: number | undefined;
  readonly seed: number | undefined;
  readonly sources: ReadonlyMap<string, SourceGenSpec>;
}

export const DEFAULT_ROWS = 30;
export const DEFAULT_SPREAD_MS = 20_000;

/** The spec of a source the section does not mention. */
export const defaultSourceSpec = (): SourceGenSpec => ({ rows: DEFAULT_ROWS, spreadMs: DEFAULT_SPREAD_MS, unique: [], columns: new Map() });

export const EMPTY_SPEC: GenerateSpec = { runs: undefined, seed: undefined, sources: new Map() };

/** Offsets into the test file's text -> positions and SqlErrors rendered like SQL diagnostics. */
class Positions {
  private readonly starts: number[] = [0];
  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.starts.push(i + 1);
  }

  pos(offset: number): Span['start'] {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { offset, line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }

  error(from: number, to: number, message: string, hint?: string): SqlError {
    const d: Diagnostic = { severity: 'error', message, span: { start: this.pos(from), end: this.pos(Math.max(to, from + 1)) }, ...(hint ? { hint } : {}) };
    return new SqlError([d], this.text, this.file);
  }

  at(node: Node | Pair['key'] | null | undefined, message: string, hint?: string): SqlError {
    const r = (node as Node | null | undefined)?.range;
    return this.error(r?.[0] ?? 0, r?.[1] ?? 1, message, hint);
  }
}

function keyName(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function entries(p: Positions, node: Node, what: string, allowed: readonly string[]): Array<{ name: string; pair: Pair }> {
  if (!isMap(node)) throw p.at(node, `${what} must be a mapping`, `e.g. ${allowed.map((a) => `${a}: ...`).join(', ')}`);
  return node.items.map((pair) => {
    const name = keyName(pair);
    if (allowed.length > 0 && !allowed.includes(name)) {
      const near = nearest(name, allowed);
      throw p.at(pair.key as Node, `unknown key '${name}' in ${what}`, near ? `did you mean '${near}'?` : `expected one of ${allowed.join(', ')}`);
    }
    return { name, pair };
  });
}

function wholeNumber(p: Positions, node: Node | null | undefined, what: string, min: number, max: number): number {
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw p.at(node, `${what} must be a whole number from ${min} to ${max}`);
  return v;
}

/**
 * Reads the `generate:` node (undefined: none) of a test file whose whole text is `text`,
 * checking names and generator types against the job's catalog.
 */
export function readGenerateSection(node: Node | null | undefined, text: string, file: string, catalog: Catalog): GenerateSpec {
  if (node === undefined || node === null) return EMPTY_SPEC;
  const p = new Positions(text, file);
  let runs: number | undefined;
  let seed: number | undefined;
  const sources = new Map<string, SourceGenSpec>();
  for (const { name, pair } of entries(p, node, "the 'generate' section", ['runs', 'seed', 'sources'])) {
    const value = pair.value as Node | null;
    if (name === 'runs') runs = wholeNumber(p, value, "'runs'", 1, 100_000);
    else if (name === 'seed') seed = wholeNumber(p, value, "'seed'", -(2 ** 31), 2 ** 31 - 1);
    else if (value) {
      for (const s of entries(p, value, "'generate.sources'", [])) {
        const def = catalog.sources.get(s.name) ?? catalog.sources.get(s.name.toLowerCase());
        if (!def) {
          const near = nearest(s.name, catalog.sources.keys());
          throw p.at(s.pair.key as Node, `unknown source '${s.name}'`, near ? `did you mean '${near}'?` : `the job's sources: ${[...catalog.sources.keys()].join(', ')}`);
        }
        sources.set(def.name, readSource(p, s.pair.value as Node, def));
      }
    }
  }
  return { runs, seed, sources };
}

function readSource(p: Positions, node: Node | null, def: SourceDef): SourceGenSpec {
  let { rows, spreadMs, unique } = defaultSourceSpec();
  const columns = new Map<string, GenExpr>();
  if (!node) return { rows, spreadMs, unique, columns };
  for (const { name, pair } of entries(p, node, `source '${def.name}'`, ['rows', 'spread', 'unique', 'columns'])) {
    const value = pair.value as Node | null;
    if (name === 'rows') rows = wholeNumber(p, value, "'rows'", 1, 10_000);
    else if (name === 'unique') unique = readUnique(p, value, def);
    else if (name === 'spread') {
      const us = isScalar(value) ? parseDuration(String(value.value)) : undefined;
      if (us === undefined || us <= 0) throw p.at(value, "'spread' must be a duration such as 30s or 5m", 'the event-time span that one stream covers');
      spreadMs = us / 1000;
    } else if (value) {
      for (const c of entries(p, value, `the columns of '${def.name}'`, [])) {
        const col = def.columns.find((x) => x.name === c.name) ?? def.columns.find((x) => x.name.toLowerCase() === c.name.toLowerCase());
        if (!col) {
          const near = nearest(c.name, def.columns.map((x) => x.name));
          throw p.at(c.pair.key as Node, `source '${def.name}' has no column '${c.name}'`, near ? `did you mean '${near}'?` : `its columns: ${def.columns.map((x) => x.name).join(', ')}`);
        }
        if (def.watermark && col.name === def.watermark.column) {
          throw p.at(c.pair.key as Node, `'${col.name}' is the event-time column of '${def.name}': the stream shape generates it`, "set the source's 'spread' instead");
        }
        columns.set(col.name, readColumn(p, c.pair.value as Node | null, col.name, col.type));
      }
    }
  }
  return { rows, spreadMs, unique, columns };
}

/** `unique: [sensor, ts]`: column names of the source, as its schema spells them. */
function readUnique(p: Positions, node: Node | null, def: SourceDef): string[] {
  if (!isSeq(node) || node.items.length === 0) throw p.at(node, "'unique' must be a list of column names", 'e.g. unique: [sensor, ts]');
  return (node.items as Node[]).map((item) => {
    const name = isScalar(item) ? String(item.value) : '';
    const col = def.columns.find((x) => x.name === name) ?? def.columns.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!col) {
      const near = nearest(name, def.columns.map((x) => x.name));
      throw p.at(item, `source '${def.name}' has no column '${name}'`, near ? `did you mean '${near}'?` : `its columns: ${def.columns.map((x) => x.name).join(', ')}`);
    }
    return col.name;
  });
}

function readColumn(p: Positions, node: Node | null, column: string, type: SqlType): GenExpr {
  if (!isScalar(node) || typeof node.value !== 'string') throw p.at(node, `the generator of '${column}' must be text such as one_of(a, b) or between(0, 100)`);
  const scalar = node as Scalar;
  const text = scalar.value as string;
  // Where the expression's first character is in the file (past an opening quote).
  const base = (scalar.range?.[0] ?? 0) + (scalar.type === 'QUOTE_DOUBLE' || scalar.type === 'QUOTE_SINGLE' ? 1 : 0);
  try {
    const e = parseGenExpr(text);
    checkType(e, column, type);
    return e;
  } catch (err) {
    if (err instanceof GenExprError) throw p.error(base + err.offset, base + err.offset + err.length, err.message, err.hint);
    throw err;
  }
}

/** Whether the generator's values fit the column's type (errors at the generator's name). */
function checkType(e: GenExpr, column: string, type: SqlType): void {
  const fail = (what: string, hint?: string): never => {
    throw new GenExprError(`${what} for column '${column}' of type ${type.kind.toUpperCase()}`, e.at, 1, hint);
  };
  switch (e.kind) {
    case 'not_null':
      checkType(e.inner, column, type);
      return;
    case 'keys':
      if (type.kind === 'boolean' || type.kind === 'struct' || type.kind === 'timestamp') fail('keys(n) does not apply', 'keys(n) is for VARCHAR, INT, BIGINT and DOUBLE columns');
      return;
    case 'between':
      if (type.kind !== 'int' && type.kind !== 'bigint' && type.kind !== 'double') fail('between(lo, hi) does not apply', 'between is for numeric columns; use one_of for others');
      if ((type.kind === 'int' || type.kind === 'bigint') && (!Number.isInteger(e.lo) || !Number.isInteger(e.hi))) fail('between needs whole numbers');
      return;
    case 'always':
    case 'one_of':
      for (const v of e.kind === 'always' ? [e.value] : e.values) {
        if (v !== null && !fits(v, type)) fail(`the value ${JSON.stringify(v)} does not fit`);
      }
      return;
  }
}

function fits(v: string | number | boolean, type: SqlType): boolean {
  switch (type.kind) {
    case 'varchar':
      return true;
    case 'int':
    case 'bigint':
      return typeof v === 'number' && Number.isInteger(v);
    case 'double':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'timestamp':
      return parseTimestamp(v as string | number) !== undefined && typeof v !== 'boolean';
    default:
      return false;
  }
}
