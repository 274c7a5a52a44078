// The catalog: sources, views and sinks declared by a script or a REPL session, with their
// schemas, event-time column and watermark spec, and the session's SET options.

import type { Span, Query, Ident } from '../sql/ast.js';
import type { SqlType } from './types.js';

export interface Column {
  readonly name: string;
  readonly type: SqlType;
  /** Kafka sources: the value comes from the message key. */
  readonly key?: boolean;
}

export interface WatermarkSpec {
  /** The event-time column (a TIMESTAMP column of the source). */
  readonly column: string;
  /** `ts - INTERVAL '1' SECOND` -> 1_000_000. Zero when the clause is `WATERMARK FOR ts AS ts`. */
  readonly delayMicros: number;
  readonly span: Span;
}

export interface SourceDef {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly watermark?: WatermarkSpec;
  /** WITH options, keys lower-cased. `connector` is always present. */
  readonly options: Readonly<Record<string, string>>;
  readonly span: Span;
  /** Directory that relative paths in options are resolved against (the .sql file's). */
  readonly baseDir: string;
  /** Text of the script the definition came from, for diagnostics at `span`. */
  readonly sourceText: string;
  /** The job (.sql file name without extension) that declared it; absent in the REPL. */
  readonly job?: string;
  /**
   * `CREATE TABLE`: reference data joined with streams (plan/bind-table-join.ts), never read as
   * a stream itself. A file table is bounded (read whole); a Kafka table is an upsert changelog
   * (the latest value per PRIMARY KEY, which is the message key; a tombstone deletes).
   */
  readonly table?: TableInfo;
}

export interface TableInfo {
  /** Column names; empty when the table declares none (a file table: every row is kept). */
  readonly primaryKey: readonly string[];
  /** A Kafka table: rows are upserts by key and tombstones deletes. */
  readonly upsert: boolean;
}

export interface ViewDef {
  readonly name: string;
  readonly query: Query;
  readonly span: Span;
  readonly sourceText: string;
}

export interface SinkDef {
  readonly name: string;
  readonly options: Readonly<Record<string, string>>;
  readonly query: Query;
  readonly span: Span;
  readonly baseDir: string;
  readonly sourceText: string;
}

export type CatalogEntry =
  | { readonly kind: 'source'; readonly def: SourceDef }
  | { readonly kind: 'view'; readonly def: ViewDef }
  | { readonly kind: 'sink'; readonly def: SinkDef };

/** Names are case-insensitive unless quoted; stored lower-cased when unquoted. */
export class Catalog {
  readonly sources = new Map<string, SourceDef>();
  readonly views = new Map<string, ViewDef>();
  readonly sinks = new Map<string, SinkDef>();
  /** `SET key = 'value'` */
  readonly settings = new Map<string, string>();

  lookupRelation(name: string): CatalogEntry | undefined {
    const s = this.sources.get(name);
    if (s) return { kind: 'source', def: s };
    const v = this.views.get(name);
    if (v) return { kind: 'view', def: v };
    return undefined;
  }

  relationNames(): string[] {
    return [...this.sources.keys(), ...this.views.keys()];
  }

  has(name: string): boolean {
    return this.sources.has(name) || this.views.has(name) || this.sinks.has(name);
  }

  clone(): Catalog {
    const c = new Catalog();
    for (const [k, v] of this.sources) c.sources.set(k, v);
    for (const [k, v] of this.views) c.views.set(k, v);
    for (const [k, v] of this.sinks) c.sinks.set(k, v);
    for (const [k, v] of this.settings) c.settings.set(k, v);
    return c;
  }
}

export function identName(id: Ident): string {
  return id.name;
}
