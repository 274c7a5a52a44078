// Spilled state values as numbers in fixed DOUBLE columns instead of JSON text. A table's values
// come from one operator, so nearly all share a shape (same arrays, same object keys in the same
// order, numbers in the same places, the table key where the key is kept); a shape is learned once
// and each value then costs one guarded walk to write and one object build to read back, where
// JSON cost a string, its UTF-8 copy in and out of DuckDB and a parse. Values that fit no shape
// (strings other than the key, multisets with changing keys, more numbers than columns) stay JSON.
// Decoding gives exactly what decodeState(encodeState(v)) gives: same keys in the same order,
// undefined properties dropped, and DOUBLE columns keep NaN, the infinities and -0 bit for bit.

/** Numeric columns of the spill table (n0 .. n7). */
export const NUM_COLUMNS = 8;
/** Shapes one table may learn, and all tables of a store: past them values stay JSON. */
const TABLE_SHAPES = 16;
const STORE_SHAPES = 256;
const MAX_DEPTH = 8;
const MAX_FIELDS = 16;
/** A table whose values failed this many shape attempts in a row, never fitting, stops trying. */
const GIVE_UP = 1024;

/** One chunk's numeric columns, indexed [column][row]. */
export type NumColumns = readonly Float64Array[];

type Encode = (v: unknown, key: string, cols: NumColumns, row: number) => boolean;
type Decode = (key: string, cols: NumColumns, row: number) => unknown;

interface Node {
  readonly sig: string;
  readonly encode: Encode;
  readonly decode: Decode;
  /** SQL rendering the value as encodeState's JSON text, from the row's columns. */
  readonly sql: string;
  /** Characters of JSON besides numbers and the key (for the spilled-bytes estimate). */
  readonly chars: number;
  /** Undefined object property: JSON drops it. */
  readonly skip?: true;
}

export interface Shape {
  readonly id: number;
  /** Numeric columns used (n0 .. n{width-1}). */
  readonly width: number;
  readonly encode: Encode;
  readonly decode: Decode;
  readonly sql: string;
  /** Estimated JSON length of a value of this shape, without the key. */
  readonly jsonChars: number;
}

/** The shapes of one SpillStore, shared by its tables; ids index the spill table's `shape` column. */
export class ShapeRegistry {
  private readonly bySig = new Map<string, Shape>();
  readonly shapes: Shape[] = [];

  /** The shape of `v` (learning it when new), or undefined when it has none or the store is full. */
  learn(v: unknown, key: string): Shape | undefined {
    const ctx = { cols: 0 };
    const node = build(v, key, ctx, 0);
    if (node === undefined || node.skip) return undefined;
    const have = this.bySig.get(node.sig);
    if (have !== undefined) return have;
    if (this.shapes.length >= STORE_SHAPES) return undefined;
    const shape: Shape = { id: this.shapes.length, width: ctx.cols, encode: node.encode, decode: node.decode, sql: node.sql, jsonChars: node.chars + 8 * ctx.cols };
    this.shapes.push(shape);
    this.bySig.set(node.sig, shape);
    return shape;
  }

  /**
   * SQL for a spill row's value as JSON text (what stage copies into a checkpoint): the JSON
   * `value` column, or the row's shape rendered from its numeric columns.
   */
  jsonSql(): string {
    if (this.shapes.length === 0) return 'value';
    return `CASE WHEN shape < 0 THEN value ${this.shapes.map((s) => `WHEN shape = ${s.id} THEN ${s.sql}`).join(' ')} END`;
  }
}

/** One table's use of the registry: its recent shapes are tried before learning. */
export class ShapeCache {
  private readonly recent: Shape[] = [];
  private learned = 0;
  private misses = 0;
  private hits = 0;
  /** Widest shape this table wrote: reads select n0 .. n{width-1}. */
  width = 0;

  constructor(private readonly registry: ShapeRegistry) {}

  /** Writes `v`'s numbers into row `row` of `cols` and returns its shape, or undefined (write JSON). */
  encode(v: unknown, key: string, cols: NumColumns, row: number): Shape | undefined {
    const recent = this.recent;
    for (let i = 0; i < recent.length; i++) {
      const s = recent[i]!;
      if (s.encode(v, key, cols, row)) {
        this.hits++;
        if (i > 0) {
          recent.splice(i, 1);
          recent.unshift(s);
        }
        return s;
      }
    }
    if (this.learned >= TABLE_SHAPES || (this.hits === 0 && this.misses >= GIVE_UP)) return undefined;
    const s = this.registry.learn(v, key);
    if (s === undefined || !s.encode(v, key, cols, row)) {
      this.misses++;
      return undefined;
    }
    this.learned++;
    this.hits++;
    if (s.width > this.width) this.width = s.width;
    recent.unshift(s);
    if (recent.length > 4) recent.pop();
    return s;
  }
}

function build(v: unknown, key: string, ctx: { cols: number }, depth: number): Node | undefined {
  if (typeof v === 'number') return ctx.cols < NUM_COLUMNS ? numNode(ctx.cols++) : undefined;
  if (typeof v === 'string') return v === key ? KEY : undefined;
  if (v === null || v === true || v === false) return constNode(v);
  if (v === undefined) return SKIP;
  if (typeof v !== 'object' || depth >= MAX_DEPTH) return undefined;
  if (Array.isArray(v)) {
    const items: Node[] = [];
    for (let i = 0; i < v.length; i++) {
      const n = build(v[i], key, ctx, depth + 1);
      // JSON writes an undefined element as null: not a shape.
      if (n === undefined || n.skip) return undefined;
      items.push(n);
    }
    return arrayNode(items);
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  const names: string[] = [];
  const fields: Node[] = [];
  for (const k in v) {
    if (names.length >= MAX_FIELDS) return undefined;
    const n = build((v as Record<string, unknown>)[k], key, ctx, depth + 1);
    if (n === undefined) return undefined;
    names.push(k);
    fields.push(n);
  }
  return objectNode(names, fields);
}

function numNode(col: number): Node {
  const c = `n${col}`;
  return {
    sig: '#',
    encode: (v, _k, cols, row) => {
      if (typeof v !== 'number') return false;
      cols[col]![row] = v;
      return true;
    },
    decode: (_k, cols, row) => cols[col]![row],
    // As encodeState writes them: NaN and the infinities as {"$num": ...}; DuckDB's DOUBLE to
    // VARCHAR is the shortest text that reads back to the same double (-0 as -0.0).
    sql: `(CASE WHEN isnan(${c}) THEN '{"$num":"NaN"}' WHEN ${c} = 'inf'::DOUBLE THEN '{"$num":"Infinity"}' WHEN ${c} = '-inf'::DOUBLE THEN '{"$num":"-Infinity"}' ELSE CAST(${c} AS VARCHAR) END)`,
    chars: 0,
  };
}

const KEY: Node = {
  sig: 'K',
  encode: (v, k) => v === k,
  decode: (k) => k,
  sql: 'CAST(to_json(key) AS VARCHAR)',
  chars: 2,
};

const SKIP: Node = { sig: 'u', encode: (v) => v === undefined, decode: () => undefined, sql: "''", chars: 0, skip: true };

function constNode(c: null | boolean): Node {
  const text = JSON.stringify(c);
  return { sig: text, encode: (v) => v === c, decode: () => c, sql: lit(text), chars: text.length };
}

function arrayNode(items: readonly Node[]): Node {
  const n = items.length;
  return {
    sig: `[${items.map((i) => i.sig).join(',')}]`,
    encode: (v, k, cols, row) => {
      if (!Array.isArray(v) || v.length !== n) return false;
      for (let i = 0; i < n; i++) if (!items[i]!.encode(v[i], k, cols, row)) return false;
      return true;
    },
    decode: (k, cols, row) => {
      const a: unknown[] = [];
      for (let i = 0; i < n; i++) a.push(items[i]!.decode(k, cols, row));
      return a;
    },
    sql: concat([lit('['), ...join(items.map((i) => i.sql), lit(',')), lit(']')]),
    chars: 2 + Math.max(0, n - 1) + items.reduce((s, i) => s + i.chars, 0),
  };
}

function objectNode(names: readonly string[], fields: readonly Node[]): Node {
  const n = names.length;
  const kept = names.map((name, i) => ({ name, node: fields[i]! })).filter((f) => !f.node.skip);
  const keptNames = kept.map((f) => f.name);
  const keptNodes = kept.map((f) => f.node);
  const m = kept.length;
  const parts = kept.map((f) => concat([lit(`${JSON.stringify(f.name)}:`), f.node.sql]));
  return {
    sig: `{${names.map((name, i) => `${JSON.stringify(name)}:${fields[i]!.sig}`).join(',')}}`,
    encode: (v, k, cols, row) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
      // Same keys in the same order (JSON's order, which the decoded object keeps).
      let i = 0;
      for (const name in v) if (name !== names[i++]) return false;
      if (i !== n) return false;
      const o = v as Record<string, unknown>;
      for (let j = 0; j < n; j++) if (!fields[j]!.encode(o[names[j]!], k, cols, row)) return false;
      return true;
    },
    decode: (k, cols, row) => {
      const o: Record<string, unknown> = {};
      for (let j = 0; j < m; j++) o[keptNames[j]!] = keptNodes[j]!.decode(k, cols, row);
      return o;
    },
    sql: concat([lit('{'), ...join(parts, lit(',')), lit('}')]),
    chars: 2 + Math.max(0, m - 1) + kept.reduce((s, f) => s + JSON.stringify(f.name).length + 1 + f.node.chars, 0),
  };
}

/** SQL concatenation of SQL expressions. */
function concat(sql: readonly string[]): string {
  return sql.length === 1 ? sql[0]! : `(${sql.join(' || ')})`;
}

function join(exprs: readonly string[], sep: string): string[] {
  const out: string[] = [];
  exprs.forEach((e, i) => {
    if (i > 0) out.push(sep);
    out.push(e);
  });
  return out;
}

/** A SQL string literal. */
function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
