// The physical plan translated to ONE DuckDB batch query per sink: each node becomes a CTE
// `n<id>` with columns c0..c<n-1> (positional, as in the node's schema) plus `__seq`, the source
// row id that provenance and late exclusion key on (the hidden `$ref` column reads as __seq).

import type { AlignedWindow, GroupingSets, PhysicalNode, PhysicalPlan, WindowSpec } from '../plan/physical.js';
import { WINDOW_TIME_BEFORE_END } from '../exec/time.js';
import type { AggCall, BoundExpr } from '../expr/bound.js';
import { aggSql, exprSql, type ColumnResolver } from './expr-sql.js';
import { duckTypeSql, quoteIdent, readableSql } from './sql-types.js';
import { lookupJoinCtes, temporalJoinCtes } from './translate-table-join.js';
import { overWindowCte } from './translate-over.js';
import { lateFilter, type Cte, type OracleTables } from './cte.js';
import { topNCtes } from './translate-top-n.js';

export type { Cte, OracleTables } from './cte.js';

/** `src_<id>` and, for the given nodes, `late_<id>`: the names compareWithOracle loads into. */
export function defaultTables(lateNodeIds: Iterable<number> = []): OracleTables {
  const late = new Set(lateNodeIds);
  return {
    source: (id) => `src_${id}`,
    late: (id) => (late.has(id) ? `late_${id}` : undefined),
  };
}

/**
 * Row ids across sources: a late drop names its row by (source, seq), and below a UNION ALL of
 * two sources the bare seqs collide. So in a plan with a union, a row's `__seq` is
 * seq * sources + the source's ordinal (order within a source kept); otherwise the seq itself.
 */
export interface SeqEncoding {
  readonly factor: number;
  /** Source name -> ordinal among the plan's source nodes. */
  readonly ordinal: ReadonlyMap<string, number>;
}

export function seqEncoding(plan: PhysicalPlan): SeqEncoding {
  const sources = plan.nodes.filter((n) => n.kind === 'source');
  // A join of two sources names late rows of either side in one late table: their ids must not collide either.
  const union = plan.nodes.some((n) => n.kind === 'union' || n.kind === 'intervalJoin' || n.kind === 'regularJoin' || n.kind === 'windowJoin' || n.kind === 'temporalJoin' || n.kind === 'lookupJoin');
  return { factor: union ? Math.max(1, sources.length) : 1, ordinal: new Map(sources.map((n, i) => [n.kind === 'source' ? n.source.name : '', union ? i : 0])) };
}

/** The encoded row id of a source's seq (a number, or a SQL expression). */
export function encodeSeq(enc: SeqEncoding, source: string, seq: number): number;
export function encodeSeq(enc: SeqEncoding, source: string, seq: string): string;
export function encodeSeq(enc: SeqEncoding, source: string, seq: number | string): number | string {
  const k = enc.ordinal.get(source) ?? 0;
  if (enc.factor === 1) return seq;
  return typeof seq === 'number' ? seq * enc.factor + k : `(${seq} * ${enc.factor} + ${k})`;
}

/** The DuckDB SQL for one sink; shown by `sluice compare --show-sql`. */
export function translatePlan(plan: PhysicalPlan, sinkId: number, tables: OracleTables = defaultTables()): string {
  const byId = new Map(plan.nodes.map((n) => [n.id, n] as const));
  const sink = byId.get(sinkId);
  if (!sink) throw new Error(`oracle: no node ${sinkId} in the plan`);
  const needed = new Set<number>();
  const visit = (id: number): void => {
    if (needed.has(id)) return;
    const n = byId.get(id);
    if (!n) throw new Error(`oracle: node ${id} is referenced but not in the plan`);
    needed.add(id);
    for (const i of n.inputs) visit(i);
  };
  visit(sinkId);
  const ctes: Cte[] = [];
  const enc = seqEncoding(plan);
  for (const n of plan.nodes) if (needed.has(n.id)) ctes.push(...nodeCtes(n, byId, tables, enc));
  const out = sink.schema
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => !c.hidden)
    .map(({ c, i }) => `${readableSql(`c${i}`, c.type)} AS ${quoteIdent(c.name)}`);
  if (out.length === 0) throw new Error(`oracle: sink ${sinkId} has no visible columns`);
  return `WITH\n${ctes.map((c) => `${c.name} AS (\n  ${c.sql}\n)`).join(',\n')}\nSELECT ${out.join(', ')}\nFROM n${sinkId}`;
}

const inCol: ColumnResolver = (i) => `i.c${i}`;

function nodeCtes(n: PhysicalNode, byId: ReadonlyMap<number, PhysicalNode>, tables: OracleTables, enc: SeqEncoding): Cte[] {
  if (n.kind === 'source') return [sourceCte(n, tables, enc)];
  if (n.kind === 'union') return [unionCte(n, byId)];
  if (n.kind === 'intervalJoin' || n.kind === 'windowJoin') return [joinCte(n, byId, tables)];
  if (n.kind === 'regularJoin') return [regularJoinCte(n, byId)];
  if (n.kind === 'distinct') return [distinctCte(n, tables)];
  if (n.kind === 'temporalJoin') return temporalJoinCtes(n, byId, tables);
  if (n.kind === 'lookupJoin') return lookupJoinCtes(n, byId);
  if (n.kind === 'topN') return topNCtes(n, byId, tables);
  const inputId = n.inputs[0];
  if (n.inputs.length !== 1 || inputId === undefined) throw new Error(`oracle: ${n.kind} node ${n.id} must have exactly one input`);
  const input = byId.get(inputId);
  if (!input) throw new Error(`oracle: node ${inputId} is not in the plan`);
  const from = `n${inputId} AS i`;
  const late = lateFilter(tables.late(n.id), 'i', undefined);
  const where = (conds: string[]): string => {
    const all = late ? [...conds, late] : conds;
    return all.length === 0 ? '' : ` WHERE ${all.join(' AND ')}`;
  };
  const name = `n${n.id}`;
  switch (n.kind) {
    case 'filter':
      return [{ name, sql: `SELECT i.* FROM ${from}${where([exprSql(n.predicate, inCol)])}` }];
    case 'project': {
      const cols = n.exprs.map((e, k) => `${exprSql(e, inCol)} AS c${k}`);
      return [{ name, sql: `SELECT ${[...cols, 'i.__seq AS __seq'].join(', ')} FROM ${from}${where([])}` }];
    }
    case 'sink':
      return [{ name, sql: `SELECT i.* FROM ${from}` }];
    case 'windowExpand': {
      const width = input.schema.length;
      expectWidth(n, width + 2);
      const w = windowCte(n.id, inputId, n.timeInput, n.window, tables);
      const b = windowBounds(n.window);
      return [
        w,
        {
          name,
          sql: `SELECT ${[...range(width).map((k) => `w.c${k}`), `make_timestamp(${b.start}) AS c${width}`, `make_timestamp(${b.end}) AS c${width + 1}`, 'w.__seq AS __seq'].join(', ')} FROM ${w.name} AS w`,
        },
      ];
    }
    case 'windowAgg': {
      const w = windowCte(n.id, inputId, n.timeInput, n.window, tables);
      const b = windowBounds(n.window);
      const bounds = [`make_timestamp(${b.start})`, `make_timestamp(${b.end})`];
      // window_time: the end minus 1 ms (exec/time.ts, windowTime).
      if (n.windowTime) bounds.push(`make_timestamp(${b.end} - ${WINDOW_TIME_BEFORE_END})`);
      return [w, ...groupCtes(n, w.name, n.keys, n.aggs, b.column, [b.column], bounds, n.groupingSets)];
    }
    case 'sessionAgg':
      return sessionCtes(n, inputId, tables);
    case 'groupAgg': {
      const pre: Cte = { name: `${name}_in`, sql: `SELECT i.* FROM ${from}${where([])}` };
      return [pre, ...groupCtes(n, pre.name, n.keys, n.aggs, undefined, [], [], n.groupingSets)];
    }
    case 'lag': {
      const width = input.schema.length;
      expectWidth(n, width + n.lags.length);
      const part = n.partitionBy.length > 0 ? `PARTITION BY ${n.partitionBy.map((e) => exprSql(e, inCol)).join(', ')} ` : '';
      const over = `OVER (${part}ORDER BY i.c${n.timeInput}, i.__seq)`;
      const lags = n.lags.map((l, j) => {
        const t = duckTypeSql(n.schema[width + j]?.type ?? l.arg.type);
        const dflt = l.default ? `, CAST(${exprSql(l.default, inCol)} AS ${t})` : '';
        return `CAST(lag(${exprSql(l.arg, inCol)}, ${l.offset}${dflt}) ${over} AS ${t}) AS c${width + j}`;
      });
      const cols = [...range(width).map((k) => `i.c${k}`), ...lags, 'i.__seq AS __seq'];
      return [{ name, sql: `SELECT ${cols.join(', ')} FROM ${from}${where([`i.c${n.timeInput} IS NOT NULL`])}` }];
    }
    case 'overWindow':
      return [overWindowCte(n, input.schema.length, from, where)];
  }
}

function sourceCte(n: PhysicalNode & { kind: 'source' }, tables: OracleTables, enc: SeqEncoding): Cte {
  const seq = encodeSeq(enc, n.source.name, 'i.__seq');
  const cols = n.schema.map((c, k) => {
    if (k === n.refColumn) return `${seq} AS c${k}`;
    if (k === n.deletedColumn) return `i.__deleted AS c${k}`;
    if (c.hidden) return `NULL AS c${k}`;
    return `i.${quoteIdent(c.name)} AS c${k}`;
  });
  return { name: `n${n.id}`, sql: `SELECT ${[...cols, `${seq} AS __seq`].join(', ')} FROM ${quoteIdent(tables.source(n.id))} AS i` };
}

/** UNION ALL of the inputs, each column cast to the union's (widened) type where it differs; `$ref` NULL for an input without one. */
function unionCte(n: PhysicalNode & { kind: 'union' }, byId: ReadonlyMap<number, PhysicalNode>): Cte {
  const branches = n.inputs.map((inputId, j) => {
    const input = byId.get(inputId);
    if (!input) throw new Error(`oracle: node ${inputId} is not in the plan`);
    const cols = n.schema.map((c, k) => {
      if (c.hidden) {
        const ref = n.refInputs[j];
        return ref === undefined ? `CAST(NULL AS BIGINT) AS c${k}` : `i.c${ref} AS c${k}`;
      }
      const t = input.schema[k]!.type;
      return t.kind === c.type.kind ? `i.c${k} AS c${k}` : `CAST(i.c${k} AS ${duckTypeSql(c.type)}) AS c${k}`;
    });
    return `SELECT ${[...cols, 'i.__seq AS __seq'].join(', ')} FROM n${inputId} AS i`;
  });
  return { name: `n${n.id}`, sql: branches.join('\n  UNION ALL\n  ') };
}

/**
 * An interval or window join as DuckDB's INNER, LEFT, RIGHT or FULL JOIN on the whole ON condition, over each side's
 * rows minus those the join dropped as late (one late table names rows of both sides by their global ids; a window
 * join's, by id and window start). `__seq` is the row of the side whose event time the output keeps (FULL: either's):
 * nothing after a join is dropped as late (exec/time.ts).
 */
function joinCte(n: PhysicalNode & { kind: 'intervalJoin' | 'windowJoin' }, byId: ReadonlyMap<number, PhysicalNode>, tables: OracleTables): Cte {
  const [li, ri] = n.inputs as [number, number];
  const lw = byId.get(li)?.schema.length;
  if (lw === undefined || !byId.has(ri)) throw new Error(`oracle: an input of join node ${n.id} is not in the plan`);
  const both: ColumnResolver = (i) => (i < lw ? `jl.c${i}` : `jr.c${i - lw}`);
  const cols = n.outputs.map(([side, c], k) => `${side === 0 ? 'jl' : 'jr'}.c${c} AS c${k}`);
  const late = tables.late(n.id);
  const ws = (alias: string, side: 0 | 1) => (n.kind === 'windowJoin' ? `epoch_us(${alias}.c${n.starts[side]})` : undefined);
  const leftLate = lateFilter(late, 'jl', ws('jl', 0));
  const rightLate = lateFilter(late, 'jr', ws('jr', 1));
  const seq = { inner: 'jl.__seq', left: 'jl.__seq', right: 'jr.__seq', full: 'COALESCE(jl.__seq, jr.__seq)' }[n.joinType];
  const select = `SELECT ${[...cols, `${seq} AS __seq`].join(', ')}`;
  const cond = exprSql(n.condition, both);
  // A padded side's late rows leave in WHERE (it keeps no late row), the other side's inside ON
  // (a row whose only matches were late is padded); FULL pads both, so both sides leave first.
  if (n.joinType === 'full') {
    const side = (id: number, alias: string, f: string | undefined) => (f ? `(SELECT * FROM n${id} AS ${alias} WHERE ${f})` : `n${id}`);
    return { name: `n${n.id}`, sql: `${select} FROM ${side(li, 'jl', leftLate)} AS jl FULL JOIN ${side(ri, 'jr', rightLate)} AS jr ON ${cond}` };
  }
  const [inOn, inWhere] = n.joinType === 'right' ? [leftLate, rightLate] : [rightLate, leftLate];
  const on = [cond, inOn].filter((c): c is string => c !== undefined);
  const kind = { inner: 'JOIN', left: 'LEFT JOIN', right: 'RIGHT JOIN' }[n.joinType];
  return { name: `n${n.id}`, sql: `${select} FROM n${li} AS jl ${kind} n${ri} AS jr ON ${on.join(' AND ')}${inWhere ? ` WHERE ${inWhere}` : ''}` };
}

/**
 * A regular join as the same SQL join on the whole ON condition over each side's final rows (an
 * updating side's CTE is its final, consolidated result). Nothing is late in or after it.
 * state_ttl is not modelled: `compare` notes that such a join may differ.
 */
function regularJoinCte(n: PhysicalNode & { kind: 'regularJoin' }, byId: ReadonlyMap<number, PhysicalNode>): Cte {
  const [li, ri] = n.inputs as [number, number];
  const lw = byId.get(li)?.schema.length;
  if (lw === undefined || !byId.has(ri)) throw new Error(`oracle: an input of join node ${n.id} is not in the plan`);
  const both: ColumnResolver = (i) => (i < lw ? `jl.c${i}` : `jr.c${i - lw}`);
  const cols = n.outputs.map(([side, c], k) => `${side === 0 ? 'jl' : 'jr'}.c${c} AS c${k}`);
  const kind = { inner: 'JOIN', left: 'LEFT JOIN', right: 'RIGHT JOIN', full: 'FULL JOIN' }[n.joinType];
  return { name: `n${n.id}`, sql: `SELECT ${[...cols, 'CAST(NULL AS BIGINT) AS __seq'].join(', ')} FROM n${li} AS jl ${kind} n${ri} AS jr ON ${exprSql(n.condition, both)}` };
}

/** UNION (distinct) as SELECT DISTINCT over the input's visible columns, minus the rows it dropped as late (NULLs are equal in both). */
function distinctCte(n: PhysicalNode & { kind: 'distinct' }, tables: OracleTables): Cte {
  const input = n.inputs[0]!;
  const cols: string[] = [];
  for (let i = 0, k = 0; k < n.schema.length; i++) if (i !== n.refInput) cols.push(`i.c${i} AS c${k++}`);
  const late = lateFilter(tables.late(n.id), 'i', undefined);
  return { name: `n${n.id}`, sql: `SELECT DISTINCT ${cols.join(', ')}, CAST(NULL AS BIGINT) AS __seq FROM n${input} AS i${late ? ` WHERE ${late}` : ''}` };
}

/**
 * One row per (input row, window it falls in), with `__ws` the window start in epoch micros,
 * minus the late pairs. Windows are aligned to the epoch plus the window's offset; rows with a NULL event time belong to
 * no window. TUMBLE: floor(x / size) * size (correct for negative x). HOP: every multiple of
 * the slide in (x - size, x].
 */
function windowCte(id: number, inputId: number, timeInput: number, window: AlignedWindow, tables: OracleTables): Cte {
  const off = window.offsetMicros ?? 0;
  // With an offset, windows start at offset + k * period: floor (x - offset) and add it back.
  const x = off === 0 ? `epoch_us(i.c${timeInput})` : `(epoch_us(i.c${timeInput}) - ${off})`;
  const floorTo = (v: string, s: number): string => `(${v} - (((${v} % ${s}) + ${s}) % ${s}))`;
  if (window.kind === 'cumulate') {
    // One row per window end: each step boundary after x up to the end of x's size-aligned window.
    // A late row is dropped whole (time.ts), so the late filter ignores window bounds.
    const { stepMicros: step, sizeMicros: size } = window;
    const we = `(unnest(generate_series(${floorTo(x, step)} + ${step}, ${floorTo(x, size)} + ${size}, ${step})) + ${off})`;
    const expanded = `SELECT i.*, ${we} AS __we FROM n${inputId} AS i WHERE i.c${timeInput} IS NOT NULL`;
    const late = lateFilter(tables.late(id), 'w', undefined);
    return { name: `n${id}_w`, sql: late ? `SELECT w.* FROM (${expanded}) AS w WHERE ${late}` : expanded };
  }
  const ws0 =
    window.kind === 'tumble'
      ? floorTo(x, window.sizeMicros)
      : `unnest(generate_series(${floorTo(`(${x} - ${window.sizeMicros})`, window.slideMicros)} + ${window.slideMicros}, ${floorTo(x, window.slideMicros)}, ${window.slideMicros}))`;
  const ws = off === 0 ? ws0 : `(${ws0} + ${off})`;
  const expanded = `SELECT i.*, ${ws} AS __ws FROM n${inputId} AS i WHERE i.c${timeInput} IS NOT NULL`;
  const late = lateFilter(tables.late(id), 'w', 'w.__ws');
  return { name: `n${id}_w`, sql: late ? `SELECT w.* FROM (${expanded}) AS w WHERE ${late}` : expanded };
}

/**
 * The column windowCte adds (`__ws`, the start; CUMULATE: `__we`, the end, as its windows share
 * a start) and each bound as SQL over it.
 */
function windowBounds(window: AlignedWindow): { column: string; start: string; end: string } {
  if (window.kind !== 'cumulate') return { column: '__ws', start: '__ws', end: `(__ws + ${window.sizeMicros})` };
  const off = window.offsetMicros ?? 0;
  const size = window.sizeMicros;
  // The start of the size-aligned window holding end - 1.
  const v = `(__we - 1 - ${off})`;
  return { column: '__we', start: `(${v} - (((${v} % ${size}) + ${size}) % ${size}) + ${off})`, end: '__we' };
}

/**
 * GROUP BY keys (plus extra grouping columns of the source CTE, e.g. the window start), output
 * keys..., extra outputs..., aggs... A global aggregate (no keys, no extras) over no rows gives
 * no row: the engine's consolidated state has no group then, where plain SQL would give one
 * row of COUNT = 0.
 */
function groupCtes(
  n: PhysicalNode,
  fromCte: string,
  keys: readonly BoundExpr[],
  aggs: readonly AggCall[],
  passColumn: string | undefined,
  groupExtras: readonly string[],
  extraOutputs: readonly string[],
  sets?: GroupingSets,
): Cte[] {
  // Grouping sets: DuckDB's own GROUPING SETS, each set with the extras (the window), and its
  // grouping(k) per key as the hidden bit columns after the keys.
  const bits = sets ? keys.map((_, j) => `grouping(__k${j})`) : [];
  expectWidth(n, keys.length + bits.length + extraOutputs.length + aggs.length);
  const col: ColumnResolver = (i) => `p.c${i}`;
  const pre = [
    ...keys.map((k, j) => `${exprSql(k, col)} AS __k${j}`),
    ...(passColumn ? [`p.${passColumn}`] : []),
    ...aggs.flatMap((a, j) => (a.arg ? [`${exprSql(a.arg, col)} AS __a${j}`] : [])),
    ...aggs.flatMap((a, j) => (a.orderBy ? [`${exprSql(a.orderBy, col)} AS __o${j}`] : [])),
    ...(aggs.some((a) => a.arrival) ? ['p.__seq AS __seq'] : []),
  ];
  const preSql = `SELECT ${pre.length > 0 ? pre.join(', ') : '1 AS __one'} FROM ${fromCte} AS p`;
  const group = [...keys.map((_, j) => `__k${j}`), ...groupExtras];
  const cols = [
    ...keys.map((_, j) => `__k${j}`),
    ...bits,
    ...extraOutputs,
    ...aggs.map((a, j) => aggSql(a, a.arg ? `__a${j}` : undefined, `__o${j}`)),
  ].map((s, k) => `${s} AS c${k}`);
  // The empty set over no rows makes one row in SQL and none in the engine, as a global aggregate.
  const tail = sets
    ? ` GROUP BY GROUPING SETS (${sets.map((set) => `(${[...set.map((j) => `__k${j}`), ...groupExtras].join(', ')})`).join(', ')}) HAVING count(*) > 0`
    : group.length > 0
      ? ` GROUP BY ${group.join(', ')}`
      : ' HAVING count(*) > 0';
  return [
    { name: `n${n.id}_p`, sql: preSql },
    { name: `n${n.id}`, sql: `SELECT ${[...cols, 'CAST(NULL AS BIGINT) AS __seq'].join(', ')} FROM n${n.id}_p${tail}` },
  ];
}

/**
 * Gaps and islands over the admitted rows: within a key, ordered by (event time, arrival), a
 * row starts a new session when it is at least `gap` after the previous one. A session is
 * [min ts, max ts + gap).
 */
function sessionCtes(n: PhysicalNode & { kind: 'sessionAgg' }, inputId: number, tables: OracleTables): Cte[] {
  expectWidth(n, n.keys.length + 2 + n.aggs.length);
  const gap = n.window.gapMicros;
  const late = lateFilter(tables.late(n.id), 'i', undefined);
  const conds = [`i.c${n.timeInput} IS NOT NULL`, ...(late ? [late] : [])];
  const col: ColumnResolver = (i) => `i.c${i}`;
  const pre = [
    ...n.keys.map((k, j) => `${exprSql(k, col)} AS __k${j}`),
    `epoch_us(i.c${n.timeInput}) AS __x`,
    'i.__seq AS __seq',
    ...n.aggs.flatMap((a, j) => (a.arg ? [`${exprSql(a.arg, col)} AS __a${j}`] : [])),
    ...n.aggs.flatMap((a, j) => (a.orderBy ? [`${exprSql(a.orderBy, col)} AS __o${j}`] : [])),
  ];
  const keyCols = n.keys.map((_, j) => `__k${j}`);
  const part = keyCols.length > 0 ? `PARTITION BY ${keyCols.join(', ')} ` : '';
  const order = `ORDER BY __x, __seq`;
  const prev = `lag(__x) OVER (${part}${order})`;
  const cols = [
    ...keyCols,
    'make_timestamp(min(__x))',
    `make_timestamp(max(__x) + ${gap})`,
    ...n.aggs.map((a, j) => aggSql(a, a.arg ? `__a${j}` : undefined, `__o${j}`)),
  ].map((s, k) => `${s} AS c${k}`);
  return [
    { name: `n${n.id}_p`, sql: `SELECT ${pre.join(', ')} FROM n${inputId} AS i WHERE ${conds.join(' AND ')}` },
    { name: `n${n.id}_b`, sql: `SELECT p.*, CASE WHEN ${prev} IS NULL OR __x - ${prev} >= ${gap} THEN 1 ELSE 0 END AS __brk FROM n${n.id}_p AS p` },
    {
      name: `n${n.id}_s`,
      sql: `SELECT b.*, sum(__brk) OVER (${part}${order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS __sid FROM n${n.id}_b AS b`,
    },
    { name: `n${n.id}`, sql: `SELECT ${[...cols, 'CAST(NULL AS BIGINT) AS __seq'].join(', ')} FROM n${n.id}_s GROUP BY ${[...keyCols, '__sid'].join(', ')}` },
  ];
}

function expectWidth(n: PhysicalNode, width: number): void {
  if (n.schema.length !== width) {
    throw new Error(`oracle: ${n.kind} node ${n.id} has ${n.schema.length} output columns, its layout implies ${width}`);
  }
}

function range(k: number): number[] {
  return Array.from({ length: k }, (_, i) => i);
}
