// The Sluice SQL abstract syntax tree: readonly, kind-tagged unions, every node with its source
// span. Produced by to-ast.ts from the parser's CST, printed back to SQL by print.ts.

export interface Pos {
  /** 0-based character offset into the parsed text (the whole script, for parseScript). */
  readonly offset: number;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

export interface Span {
  readonly start: Pos;
  /** Exclusive end. */
  readonly end: Pos;
}

export interface Ident {
  /** Unquoted identifiers are lower-cased; quoted ones keep their case. */
  readonly name: string;
  readonly quoted: boolean;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Types as written

export type TypeName =
  | { readonly kind: 'simple'; readonly name: 'BOOLEAN' | 'INT' | 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'TIMESTAMP'; readonly span: Span }
  | { readonly kind: 'struct'; readonly fields: readonly { readonly name: Ident; readonly type: TypeName }[]; readonly span: Span };

// ---------------------------------------------------------------------------------------------
// Expressions

export type TimeUnit = 'millisecond' | 'second' | 'minute' | 'hour' | 'day';

export type Expr =
  | { readonly kind: 'number'; readonly text: string; readonly value: number; readonly integral: boolean; readonly span: Span }
  | { readonly kind: 'string'; readonly value: string; readonly span: Span }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly span: Span }
  | { readonly kind: 'null'; readonly span: Span }
  /**
   * `10s`, `500ms`, `INTERVAL '10' SECOND`: micros is the duration in microseconds; text is how
   * it was written so that printing round-trips.
   */
  | { readonly kind: 'interval'; readonly micros: number; readonly text: string; readonly span: Span }
  /**
   * `TIMESTAMP '2024-05-20 10:00:00'`, `DATE '2024-05-20'` (midnight UTC: Sluice has no DATE
   * type): micros since the epoch; text is how it was written.
   */
  | { readonly kind: 'timestamp'; readonly micros: number; readonly text: string; readonly span: Span }
  /** `a`, `t.a`, `metadata.page`, `t.metadata.page`: resolution is the binder's job. */
  | { readonly kind: 'column'; readonly path: readonly Ident[]; readonly span: Span }
  | { readonly kind: 'star'; readonly qualifier?: Ident; readonly span: Span }
  | { readonly kind: 'unary'; readonly op: '-' | '+' | 'NOT'; readonly operand: Expr; readonly span: Span }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | { readonly kind: 'isNull'; readonly operand: Expr; readonly negated: boolean; readonly span: Span }
  | { readonly kind: 'in'; readonly operand: Expr; readonly list: readonly Expr[]; readonly negated: boolean; readonly span: Span }
  | { readonly kind: 'between'; readonly operand: Expr; readonly low: Expr; readonly high: Expr; readonly negated: boolean; readonly span: Span }
  | { readonly kind: 'like'; readonly operand: Expr; readonly pattern: Expr; readonly negated: boolean; readonly caseInsensitive: boolean; readonly span: Span }
  | {
      readonly kind: 'case';
      /** `CASE x WHEN ...` has an operand; `CASE WHEN ...` does not. */
      readonly operand?: Expr;
      readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
      readonly else?: Expr;
      readonly span: Span;
    }
  | { readonly kind: 'cast'; readonly operand: Expr; readonly type: TypeName; readonly syntax: 'cast' | 'colons'; readonly span: Span }
  /**
   * A function or aggregate call: `ABS(x)`, `COUNT(*)`, `COUNT(DISTINCT x)`, and the window
   * functions of GROUP BY (`TUMBLE(ts, 10s)`), which the binder interprets by position.
   */
  | {
      readonly kind: 'call';
      readonly name: Ident;
      readonly args: readonly Expr[];
      readonly distinct: boolean;
      /** `COUNT(*)` */
      readonly star: boolean;
      readonly over?: OverClause;
      readonly span: Span;
    }
  /** `STRUCT(a AS x, b AS y)` (named fields) builds a nested object. */
  | { readonly kind: 'struct'; readonly fields: readonly { readonly name: Ident; readonly value: Expr }[]; readonly span: Span };

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '||'
  | '=' | '<>' | '<' | '<=' | '>' | '>='
  | 'AND' | 'OR';

export interface OverClause {
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly Expr[];
  /** Per ORDER BY item, the span of its DESC keyword (null when ascending); absent when every item is ascending. */
  readonly descending?: readonly (Span | null)[];
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Queries

export interface SelectItem {
  readonly expr: Expr;
  readonly alias?: Ident;
  readonly span: Span;
}

export type FromItem =
  | { readonly kind: 'table'; readonly name: Ident; readonly alias?: Ident; readonly span: Span }
  | { readonly kind: 'subquery'; readonly query: Query; readonly alias?: Ident; readonly span: Span }
  /**
   * The table-function window form `FROM TUMBLE(raw, ts, 10s)`, `HOP(raw, ts, slide, size)`, `CUMULATE(raw, ts, step, size)`:
   * adds window_start and window_end columns to every row.
   */
  | {
      readonly kind: 'windowTvf';
      readonly fn: 'TUMBLE' | 'HOP' | 'CUMULATE';
      readonly input: FromItem;
      readonly timeCol: Ident;
      readonly args: readonly Expr[];
      readonly alias?: Ident;
      readonly span: Span;
    }
  /**
   * `left [INNER | LEFT | RIGHT | FULL | CROSS] JOIN right [ON on]`. The grammar takes every
   * kind so that the binder can refuse what is not built with a reason; one JOIN per block.
   */
  | {
      readonly kind: 'join';
      readonly joinType: JoinType;
      /** The join words (`LEFT OUTER JOIN`), for diagnostics. */
      readonly typeSpan: Span;
      readonly left: FromItem;
      readonly right: FromItem;
      readonly on?: Expr;
      /** `JOIN t FOR SYSTEM_TIME AS OF s.ts`: the stream time whose table version the row joins (right is then a table). */
      readonly asOf?: Expr;
      readonly span: Span;
    };

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'cross';

export type EmitMode = 'final' | 'changes';

/** One SELECT block. */
export interface SelectQuery {
  readonly kind: 'select';
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  readonly from: FromItem;
  readonly where?: Expr;
  readonly groupBy: readonly Expr[];
  readonly having?: Expr;
  /** Absent when the query does not say; the planner picks the default for its shape. */
  readonly emit?: { readonly mode: EmitMode; readonly span: Span };
  readonly span: Span;
}

/**
 * `q1 UNION [ALL | DISTINCT] q2 [UNION ...]`: the rows of every branch, columns matched by
 * position, named by the first branch. Flat: a chain of n UNIONs is one node of n + 1 branches;
 * like SQL, the chain is read left to right, so a distinct UNION removes the duplicates of
 * everything before it.
 */
export interface UnionQuery {
  readonly kind: 'union';
  readonly branches: readonly SelectQuery[];
  /** Each `UNION [ALL]`, between branch i and i + 1. */
  readonly operators: readonly Span[];
  /** Per operator: true for `UNION` / `UNION DISTINCT` (duplicates removed), false for `UNION ALL`; absent: all ALL. */
  readonly distinct?: readonly boolean[];
  readonly span: Span;
}

export type Query = SelectQuery | UnionQuery;

// ---------------------------------------------------------------------------------------------
// Statements

export interface ColumnDef {
  readonly name: Ident;
  readonly type: TypeName;
  /** `KEY`: the value comes from the message key (Kafka sources). */
  readonly key: boolean;
  readonly span: Span;
}

export interface WatermarkDef {
  readonly column: Ident;
  /** `ts - INTERVAL '1' SECOND` or just `ts`. */
  readonly expr: Expr;
  readonly span: Span;
}

export interface WithOption {
  readonly key: string;
  /** Always held as text: `count = 100` and `count = '100'` mean the same. */
  readonly value: string;
  readonly keySpan: Span;
  readonly valueSpan: Span;
  /** How the value was written, for printing. */
  readonly quoted: boolean;
}

export type Statement =
  | {
      readonly kind: 'createSource';
      readonly name: Ident;
      readonly ifNotExists: boolean;
      readonly columns: readonly ColumnDef[];
      readonly watermark?: WatermarkDef;
      readonly options: readonly WithOption[];
      /** `CREATE TABLE`: reference data that queries join with, not a stream to read; its PRIMARY KEY columns. */
      readonly table?: { readonly primaryKey: readonly Ident[]; readonly span: Span | undefined };
      readonly span: Span;
    }
  | { readonly kind: 'createView'; readonly name: Ident; readonly query: Query; readonly span: Span }
  | {
      readonly kind: 'createSink';
      readonly name: Ident;
      readonly options: readonly WithOption[];
      readonly query: Query;
      readonly span: Span;
    }
  | { readonly kind: 'query'; readonly query: Query; readonly span: Span }
  | { readonly kind: 'explain'; readonly target: Query | { readonly kind: 'sinkRef'; readonly name: Ident }; readonly span: Span }
  | { readonly kind: 'set'; readonly key: string; readonly value: string; readonly keySpan: Span; readonly valueSpan: Span; readonly span: Span }
  | { readonly kind: 'show'; readonly what: 'sources' | 'tables' | 'views' | 'sinks' | 'state'; readonly span: Span }
  | { readonly kind: 'describe'; readonly name: Ident; readonly span: Span }
  | { readonly kind: 'drop'; readonly what: 'source' | 'table' | 'view' | 'sink'; readonly name: Ident; readonly ifExists: boolean; readonly span: Span };

export type StatementKind = Statement['kind'];

/** A parsed script: statements in order, each with the exact text it was parsed from. */
export interface Script {
  readonly statements: readonly Statement[];
}
