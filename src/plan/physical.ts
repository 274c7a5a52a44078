// Physical stream nodes: the closed set of operator kinds. A node is an immutable description
// (schema, keys, window, emit mode, state declarations); exec/ builds the runtime from it.
// A job's plan is a DAG held as an array in topological order; inputs refer to node ids.

import type { Column, SinkDef, SourceDef } from '../catalog/catalog.js';
import type { SqlType } from '../catalog/types.js';
import type { AggCall, BoundExpr } from '../expr/bound.js';

/** offsetMicros: window starts at epoch + offset + k * size (HOP: k * slide), in [0, size or slide); absent is 0. */
export type WindowSpec =
  | { readonly kind: 'tumble'; readonly sizeMicros: number; readonly offsetMicros?: number }
  | { readonly kind: 'hop'; readonly slideMicros: number; readonly sizeMicros: number; readonly offsetMicros?: number }
  /** Flink's cumulating windows: [start, start + step), [start, start + 2 step) ... [start, start + size); starts aligned to size (+ offset). */
  | { readonly kind: 'cumulate'; readonly stepMicros: number; readonly sizeMicros: number; readonly offsetMicros?: number }
  | { readonly kind: 'session'; readonly gapMicros: number };

/** The windows of fixed bounds (not sessions): a row's windows follow from its event time alone. */
export type AlignedWindow = WindowSpec & { readonly kind: 'tumble' | 'hop' | 'cumulate' };

export type EmitMode = 'final' | 'changes';

export interface StateDecl {
  readonly name: string;
  readonly shape: 'keyed' | 'timeKeyed';
  /** What a key and a value are, for EXPLAIN and SHOW STATE. */
  readonly describe: string;
  /** True when the table expires behind the watermark (or is bounded otherwise, see `held`); false means it grows with the key space. */
  readonly bounded: boolean;
  /** EXPLAIN's words for how long entries are held, when not expiry behind the watermark (a file table's rows: bounded by the file). */
  readonly held?: string;
}

interface NodeBase {
  readonly id: number;
  readonly inputs: readonly number[];
  /** Output columns. A hidden column (`$ref`) carries record provenance and is never selected by `*`. */
  readonly schema: readonly PlanColumn[];
  /** Index in schema of the event-time column that watermarks refer to, when the output has one. */
  readonly timeColumn: number | undefined;
  /** False when the output carries retractions (-U/-D), i.e. is a changelog. */
  readonly appendOnly: boolean;
  readonly state: readonly StateDecl[];
}

export interface PlanColumn extends Column {
  readonly hidden?: boolean;
}

export interface SourceNode extends NodeBase {
  readonly kind: 'source';
  readonly source: SourceDef;
  /** Event-time column index and watermark delay; undefined when the source declares none. */
  readonly watermark: { readonly column: number; readonly delayMicros: number; readonly fromMarkers?: boolean } | undefined;
  /** Index of the hidden `$ref` provenance column, when provenance is tracked. */
  readonly refColumn: number | undefined;
  /** A Kafka table's hidden `$deleted` column (after `$ref`): true for a tombstone, the deletion of its key. */
  readonly deletedColumn?: number;
}

export interface FilterNode extends NodeBase {
  readonly kind: 'filter';
  readonly predicate: BoundExpr;
}

export interface ProjectNode extends NodeBase {
  readonly kind: 'project';
  /** One expression per output column (the hidden `$ref` column, if any, is a plain column ref). */
  readonly exprs: readonly BoundExpr[];
}

/** `FROM TUMBLE(t, ts, 10s)` without an aggregate: each row gains window_start and window_end (HOP: one row per window). */
export interface WindowExpandNode extends NodeBase {
  readonly kind: 'windowExpand';
  readonly window: AlignedWindow;
  readonly timeInput: number;
}

/**
 * Windowed aggregate (TUMBLE, HOP, CUMULATE). Output columns: keys..., window_start, window_end,
 * [window_time,] aggs...
 */
export interface WindowAggNode extends NodeBase {
  readonly kind: 'windowAgg';
  readonly window: AlignedWindow;
  /** Event-time column index in the input. */
  readonly timeInput: number;
  readonly keys: readonly BoundExpr[];
  readonly aggs: readonly AggCall[];
  readonly emit: EmitMode;
  /** Input column carrying provenance, for the late output; undefined when not tracked. */
  readonly refInput: number | undefined;
  /** Output window_time (window_end - 1 ms) after window_end; set by the binder (absent in hand-built nodes). */
  readonly windowTime?: true;
  /** GROUPING SETS / ROLLUP / CUBE: per set, the indices of the keys it holds (see groupKeyWidth). */
  readonly groupingSets?: GroupingSets;
}

/** SESSION windows. Output columns: keys..., window_start, window_end, aggs... */
export interface SessionAggNode extends NodeBase {
  readonly kind: 'sessionAgg';
  readonly window: WindowSpec & { readonly kind: 'session' };
  readonly timeInput: number;
  readonly keys: readonly BoundExpr[];
  readonly aggs: readonly AggCall[];
  readonly emit: EmitMode;
  readonly refInput: number | undefined;
}

/** GROUP BY without a window: a changelog (+I, -U, +U, -D). Output columns: keys..., aggs... */
export interface GroupAggNode extends NodeBase {
  readonly kind: 'groupAgg';
  readonly keys: readonly BoundExpr[];
  readonly aggs: readonly AggCall[];
  /** Whether the input carries retractions that the accumulators must undo. */
  readonly inputAppendOnly: boolean;
  readonly groupingSets?: GroupingSets;
}

/**
 * Grouping sets of an aggregate: per set, the indices of the keys it holds, ascending. Each
 * input row updates one group per set; a key not in a set is NULL in its rows. The output then
 * has, after the keys, one hidden GROUPING bit per key (1 where the key is rolled up), before
 * the window bounds and the aggregates.
 */
export type GroupingSets = readonly (readonly number[])[];

/** Output columns of an aggregate before its window bounds (or aggregates): the keys, and with grouping sets their GROUPING bits. */
export function groupKeyWidth(n: { readonly keys: readonly unknown[]; readonly groupingSets?: GroupingSets }): number {
  return n.groupingSets ? 2 * n.keys.length : n.keys.length;
}

/**
 * `LAG(x, n, default) OVER (PARTITION BY k ORDER BY ts)`: buffers rows until the watermark
 * passes them, then releases them in event-time order (ties in arrival order) with the lagged
 * values appended. Output columns: input columns..., one per lag.
 */
export interface LagNode extends NodeBase {
  readonly kind: 'lag';
  readonly partitionBy: readonly BoundExpr[];
  readonly timeInput: number;
  readonly lags: readonly { readonly arg: BoundExpr; readonly offset: number; readonly default: BoundExpr | undefined; readonly display: string }[];
  readonly refInput: number | undefined;
}

/**
 * Over-window functions sharing one `OVER (PARTITION BY k ORDER BY ts [frame])`: LAG, LEAD,
 * FIRST_VALUE, LAST_VALUE and SUM/AVG/MIN/MAX/COUNT over a frame ending at the current row.
 * Rows wait until the watermark passes them and are released in event-time order (ties in
 * arrival order); with a LEAD a row waits further for its n-th following row of the partition
 * (or its default at end of input). Output columns: input columns..., one per function.
 */
export interface OverWindowNode extends NodeBase {
  readonly kind: 'overWindow';
  readonly partitionBy: readonly BoundExpr[];
  readonly timeInput: number;
  readonly functions: readonly OverFunction[];
  readonly refInput: number | undefined;
}

/** A frame ending at the current row: `preceding` rows (ROWS) or micros (RANGE), or unbounded. */
export interface OverFrame {
  readonly units: 'rows' | 'range';
  readonly preceding: number | 'unbounded';
}

export type OverFunction =
  | { readonly fn: 'lag'; readonly arg: BoundExpr; readonly offset: number; readonly default: BoundExpr | undefined; readonly type: SqlType; readonly display: string }
  | { readonly fn: 'lead'; readonly arg: BoundExpr; readonly offset: number; readonly default: BoundExpr | undefined; readonly type: SqlType; readonly display: string }
  | { readonly fn: 'first_value'; readonly arg: BoundExpr; readonly frame: OverFrame; readonly type: SqlType; readonly display: string }
  | { readonly fn: 'last_value'; readonly arg: BoundExpr; readonly frame: OverFrame; readonly type: SqlType; readonly display: string }
  | { readonly fn: 'agg'; readonly agg: AggCall; readonly frame: OverFrame; readonly type: SqlType; readonly display: string };

/**
 * `UNION ALL`: the rows (and changelog ops) of every input, unchanged, in the order they come.
 * Columns match by position with types widened at plan time (values need no conversion); the
 * hidden `$ref` column comes last when any input tracks provenance. Its watermark is the
 * minimum over its inputs' (exec/time.ts), which the runner keeps per input.
 */
export interface UnionNode extends NodeBase {
  readonly kind: 'union';
  /** Per input: the index of its `$ref` column; undefined when it tracks none (its rows get NULL there). */
  readonly refInputs: readonly (number | undefined)[];
}

/**
 * `a [LEFT|RIGHT|FULL] JOIN b ON a.k = b.k AND b.ts BETWEEN a.ts + lower AND a.ts + upper`: each side's
 * rows wait per key while a row of the other side can still match them (exec/time.ts has the
 * rules), a pair is emitted when its second row arrives. Inputs: [left, right]. The condition
 * and residual see the two input rows side by side (left's columns, then right's); the output
 * is their visible columns in that order, the event-time column being left's (RIGHT: right's;
 * FULL: none).
 */
export interface IntervalJoinNode extends NodeBase {
  readonly kind: 'intervalJoin';
  /**
   * LEFT (RIGHT): a left (right) row that paired with nothing is emitted once, null-padded, when
   * it expires; FULL: both. The output's event time is the right's for RIGHT, none for FULL.
   */
  readonly joinType: 'inner' | 'left' | 'right' | 'full';
  /** Equality keys, over each input's own columns; pairwise of one type. */
  readonly leftKeys: readonly BoundExpr[];
  readonly rightKeys: readonly BoundExpr[];
  /** Each input's event-time column. */
  readonly leftTime: number;
  readonly rightTime: number;
  /** Inclusive integer bounds: lower <= right.ts - left.ts <= upper (strict comparisons moved by 1 µs). */
  readonly lowerMicros: number;
  readonly upperMicros: number;
  /** The rest of ON, over the side-by-side row; undefined when nothing is left. */
  readonly residual: BoundExpr | undefined;
  /** The whole ON over the side-by-side row (the oracle's join condition). */
  readonly condition: BoundExpr;
  /** Per output column: [input, column] it copies. */
  readonly outputs: readonly (readonly [0 | 1, number])[];
  /** Per input: the index of its `$ref` column (late rows name their source), when tracked. */
  readonly refInputs: readonly [number | undefined, number | undefined];
}

/**
 * A regular (unwindowed) join: `a [INNER|LEFT|RIGHT|FULL] JOIN b ON a.k = b.k [AND residual]`
 * of streams or changelogs without a time bound (exec/operators/regular-join.ts). Each side's
 * rows are kept per join key, as a multiset with counts, for as long as the join runs (or until
 * the key is idle for `ttlMicros` of watermark). Inputs: [left, right]; the condition and
 * residual see the two rows side by side; the output (no event time) is their visible columns.
 */
export interface RegularJoinNode extends NodeBase {
  readonly kind: 'regularJoin';
  readonly joinType: 'inner' | 'left' | 'right' | 'full';
  /** Equality keys, over each input's own columns; pairwise of one type; at least one. */
  readonly leftKeys: readonly BoundExpr[];
  readonly rightKeys: readonly BoundExpr[];
  /** The rest of ON, over the side-by-side row; undefined when nothing is left. */
  readonly residual: BoundExpr | undefined;
  /** The whole ON over the side-by-side row (the oracle's join condition). */
  readonly condition: BoundExpr;
  /** Per output column: [input, column] it copies. */
  readonly outputs: readonly (readonly [0 | 1, number])[];
  /** Per input: the index of its `$ref` column (not part of a row's identity), when tracked. */
  readonly refInputs: readonly [number | undefined, number | undefined];
  /** Per input: append-only (never retracts, so its rows need no identity to be found again). */
  readonly inputsAppendOnly: readonly [boolean, boolean];
  /** `SET state_ttl`: a key no row touched while the watermark advanced by more than this is dropped; undefined keeps every key. */
  readonly ttlMicros: number | undefined;
}

/**
 * `UNION` (distinct) over the UNION ALL of its branches: each distinct row once. Three modes,
 * decided at plan time (exec/operators/distinct.ts): over an updating input, a count per
 * distinct row (+I at the first copy, -D when the last is retracted); over an append-only
 * input, its first occurrence only (append-only), every distinct row kept for as long as the
 * job runs, or, when the input has an event-time column, until the watermark passes the row's
 * event time (a row behind the watermark is late). Output: the input's visible columns.
 */
export interface DistinctNode extends NodeBase {
  readonly kind: 'distinct';
  /** The input's event-time column when rows are forgotten behind the watermark (append-only input). */
  readonly timeInput: number | undefined;
  /** Input column carrying provenance, for the late output; undefined when not tracked. */
  readonly refInput: number | undefined;
}

/**
 * Window join (`ON l.window_start = r.window_start AND l.window_end = r.window_end AND l.k = r.k`,
 * both inputs windowed alike: TVF rows or windowed aggregates): each side's rows wait per (window,
 * key) until the watermark (the minimum of both inputs') passes the window's end, then the
 * window's pairs are emitted, with NULL-padded rows for an outer join's unmatched ones. Inputs:
 * [left, right]; condition and residual see the rows side by side; the output is their visible
 * columns in that order, with no event time.
 */
export interface WindowJoinNode extends NodeBase {
  readonly kind: 'windowJoin';
  readonly joinType: 'inner' | 'left' | 'right' | 'full';
  readonly window: AlignedWindow;
  /** Equality keys besides the window bounds, over each input's own columns. */
  readonly leftKeys: readonly BoundExpr[];
  readonly rightKeys: readonly BoundExpr[];
  /** Per input: its window_start and window_end columns. */
  readonly starts: readonly [number, number];
  readonly ends: readonly [number, number];
  /** Per input: its event-time column, for a late row's report (the window end when it has none). */
  readonly times: readonly [number | undefined, number | undefined];
  /** The rest of ON, over the side-by-side row; undefined when nothing is left. */
  readonly residual: BoundExpr | undefined;
  /** The whole ON over the side-by-side row (the oracle's join condition). */
  readonly condition: BoundExpr;
  readonly outputs: readonly (readonly [0 | 1, number])[];
  readonly refInputs: readonly [number | undefined, number | undefined];
}

/**
 * `s [LEFT] JOIN t FOR SYSTEM_TIME AS OF s.ts ON s.k = t.k`: each stream row (input 0) joins the
 * version of table `t` (input 1, keyed by its PRIMARY KEY) valid at its event time, once the
 * watermark (the minimum of both inputs') passes it (exec/time.ts: temporalRelease). The keys
 * are the table's primary key in order. Output: the stream's visible columns, then the table's.
 */
export interface TemporalJoinNode extends NodeBase {
  readonly kind: 'temporalJoin';
  readonly joinType: 'inner' | 'left';
  readonly table: string;
  readonly leftKeys: readonly BoundExpr[];
  readonly rightKeys: readonly BoundExpr[];
  readonly leftTime: number;
  readonly rightTime: number;
  /** The rest of ON over the side-by-side row, judged on the version found. */
  readonly residual: BoundExpr | undefined;
  readonly outputs: readonly (readonly [0 | 1, number])[];
  readonly refInputs: readonly [number | undefined, number | undefined];
  /** The table's `$deleted` column (a Kafka table's tombstones), when it has one. */
  readonly deletedInput: number | undefined;
}

/**
 * `s [LEFT] JOIN t ON ...` against a table without FOR SYSTEM_TIME: each stream row joins the
 * table's contents when it is joined. `bounded` (a file table): stream rows wait until the
 * whole table is loaded, so the result is deterministic; otherwise (a Kafka table) it is
 * processing-time: what the table holds when the row arrives. No keys: a nested loop over a
 * small bounded table. Append-only output.
 */
export interface LookupJoinNode extends NodeBase {
  readonly kind: 'lookupJoin';
  readonly joinType: 'inner' | 'left';
  readonly table: string;
  readonly bounded: boolean;
  readonly leftKeys: readonly BoundExpr[];
  readonly rightKeys: readonly BoundExpr[];
  /** The table's primary key columns, over its row (one row per key), empty when it has none. */
  readonly primaryKey: readonly BoundExpr[];
  readonly residual: BoundExpr | undefined;
  /** The whole ON over the side-by-side row (the oracle's join condition). */
  readonly condition: BoundExpr;
  readonly outputs: readonly (readonly [0 | 1, number])[];
  readonly deletedInput: number | undefined;
}

/**
 * `SELECT ... FROM (SELECT ..., ROW_NUMBER() | RANK() | DENSE_RANK() OVER (PARTITION BY p ORDER BY o)
 * AS rn FROM x) WHERE rn <= N` (plan/bind-topn.ts). Three modes, decided at plan time:
 * `window` (p holds window_start and window_end of a windowed input: each window's top N once,
 * when the watermark passes window_end; append-only), `first` (ROW_NUMBER, rn = 1, ORDER BY the
 * event-time column ASC over an append-only input: each partition's first row once the watermark
 * proves no earlier one can come; append-only) and `updating` (anything else: a changelog kept
 * per partition). Ties in o are broken by `tieBreak` (the row's visible columns, ascending);
 * NULLs sort last in either direction. Output: the input's columns, then rn when `rankColumn`.
 */
export interface TopNNode extends NodeBase {
  readonly kind: 'topN';
  readonly fn: 'row_number' | 'rank' | 'dense_rank';
  readonly mode: 'window' | 'first' | 'updating';
  readonly partitionBy: readonly BoundExpr[];
  readonly orderBy: readonly { readonly expr: BoundExpr; readonly desc: boolean }[];
  /** Input columns ordering rows of equal sort keys, ascending, NULLs last. */
  readonly tieBreak: readonly number[];
  /** rn <= limit. */
  readonly limit: number;
  readonly rankColumn: boolean;
  /** `window`: the input's window_start and window_end columns. */
  readonly windowColumns: readonly [number, number] | undefined;
  /** `first`: the input's event-time column. */
  readonly timeInput: number | undefined;
  readonly inputAppendOnly: boolean;
  readonly refInput: number | undefined;
}

export interface SinkNode extends NodeBase {
  readonly kind: 'sink';
  readonly sink: SinkDef;
}

export type PhysicalNode =
  | SourceNode
  | FilterNode
  | ProjectNode
  | WindowExpandNode
  | WindowAggNode
  | SessionAggNode
  | GroupAggNode
  | LagNode
  | OverWindowNode
  | UnionNode
  | IntervalJoinNode
  | RegularJoinNode
  | DistinctNode
  | WindowJoinNode
  | TemporalJoinNode
  | LookupJoinNode
  | TopNNode
  | SinkNode;

export type OperatorKind = PhysicalNode['kind'];

export interface PhysicalPlan {
  /** Topological order: every node's inputs come before it. */
  readonly nodes: readonly PhysicalNode[];
  /** Ids of the sink nodes, one per CREATE SINK (or the ad-hoc query's output). */
  readonly sinks: readonly number[];
}

export const REF_COLUMN = '$ref';
export const DELETED_COLUMN = '$deleted';

/** The source nodes upstream of a plan node, each once, depth first from its first input. */
export function upstreamSources(plan: PhysicalPlan, node: number): SourceNode[] {
  const seen = new Set<number>();
  const found: SourceNode[] = [];
  const visit = (id: number): void => {
    if (seen.has(id)) return;
    seen.add(id);
    const n = plan.nodes[id];
    if (!n) return;
    if (n.kind === 'source') found.push(n);
    for (const i of n.inputs) visit(i);
  };
  visit(node);
  return found;
}
