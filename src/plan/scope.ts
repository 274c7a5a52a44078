// Name scopes for the binder: which columns a query block sees, under which qualifiers, and how
// a dotted path (`t.metadata.page`) resolves to a column plus struct fields.

import type { Ident, Span } from '../sql/ast.js';
import type { SqlType } from '../catalog/types.js';
import { nearest } from '../sql/diagnostics.js';
import { REF_COLUMN, type PlanColumn } from './physical.js';
import { PlanError } from './errors.js';

export interface ScopeColumn {
  readonly name: string;
  readonly type: SqlType;
  /** The relation alias the column can be qualified with (`r` in `FROM raw r`, else `raw`). */
  readonly qualifier: string | undefined;
  readonly hidden: boolean;
}

export class Scope {
  readonly columns: readonly ScopeColumn[];
  /** Index of the event-time column carrying watermark semantics, if any survives to here. */
  readonly timeColumn: number | undefined;
  /** Index of the hidden provenance column, if tracked. */
  readonly refColumn: number | undefined;

  /** Why there is no event-time column, when a UNION ALL or a FULL JOIN lost it (for the diagnostic of a window over it). */
  readonly noTimeReason: string | undefined;
  /** What lost it, `UNION ALL` unless told. */
  readonly noTimeAfter: string;

  constructor(columns: readonly ScopeColumn[], timeColumn: number | undefined, refColumn: number | undefined, noTimeReason?: string, noTimeAfter = 'UNION ALL') {
    this.columns = columns;
    this.timeColumn = timeColumn;
    this.refColumn = refColumn;
    this.noTimeReason = timeColumn === undefined ? noTimeReason : undefined;
    this.noTimeAfter = noTimeAfter;
  }

  static fromSchema(schema: readonly PlanColumn[], qualifier: string | undefined, timeColumn: number | undefined): Scope {
    const cols = schema.map((c) => ({ name: c.name, type: c.type, qualifier, hidden: c.hidden === true }));
    const ref = schema.findIndex((c) => c.hidden === true && c.name === REF_COLUMN);
    return new Scope(cols, timeColumn, ref >= 0 ? ref : undefined);
  }

  withQualifier(q: string): Scope {
    return new Scope(
      this.columns.map((c) => ({ ...c, qualifier: q })),
      this.timeColumn,
      this.refColumn,
      this.noTimeReason,
      this.noTimeAfter,
    );
  }

  visibleNames(): string[] {
    return this.columns.filter((c) => !c.hidden).map((c) => c.name);
  }

  schema(): PlanColumn[] {
    return this.columns.map((c) => (c.hidden ? { name: c.name, type: c.type, hidden: true } : { name: c.name, type: c.type }));
  }

  /**
   * Resolve a dotted path to a column index and the struct fields to follow. Throws a
   * diagnostic with a "did you mean" hint when nothing matches.
   */
  resolve(path: readonly Ident[], span: Span, text: string): { index: number; fields: Ident[] } {
    const first = path[0]!;
    if (path.length >= 2) {
      const second = path[1]!;
      const qualified = this.find(second.name, first.name);
      if (qualified !== undefined) return { index: qualified, fields: path.slice(2) };
    }
    const idx = this.find(first.name, undefined);
    if (idx !== undefined) {
      const c = this.columns[idx]!;
      const other = this.columns.find((o) => !o.hidden && o.qualifier !== c.qualifier && o.name.toLowerCase() === c.name.toLowerCase());
      if (other !== undefined && c.qualifier !== undefined && other.qualifier !== undefined) {
        throw new PlanError(text, first.span, `column '${first.name}' is ambiguous: both '${c.qualifier}' and '${other.qualifier}' have one`, {
          hint: `qualify it: ${c.qualifier}.${c.name} or ${other.qualifier}.${other.name}`,
        });
      }
      return { index: idx, fields: path.slice(1) };
    }
    const names = this.visibleNames();
    const guess = nearest(first.name, names);
    const qualifiers = new Set(this.columns.map((c) => c.qualifier).filter((q): q is string => q !== undefined));
    if (path.length >= 2 && qualifiers.has(first.name)) {
      const g2 = nearest(path[1]!.name, names);
      throw new PlanError(text, path[1]!.span, `unknown column '${path[1]!.name}' in '${first.name}'`, {
        expected: `one of ${listNames(names)}`,
        ...(g2 ? { hint: `did you mean '${first.name}.${g2}'?` } : {}),
      });
    }
    throw new PlanError(text, first.span, `unknown column '${first.name}'`, {
      expected: `one of ${listNames(names)}`,
      ...(guess ? { hint: `did you mean '${guess}'?` } : {}),
    });
  }

  private find(name: string, qualifier: string | undefined): number | undefined {
    let found: number | undefined;
    for (let i = 0; i < this.columns.length; i++) {
      const c = this.columns[i]!;
      if (c.hidden) continue;
      if (qualifier !== undefined && c.qualifier !== qualifier) continue;
      if (c.name === name || c.name.toLowerCase() === name.toLowerCase()) {
        if (c.name === name) return i;
        found ??= i;
      }
    }
    return found;
  }
}

export function listNames(names: readonly string[]): string {
  if (names.length === 0) return 'no columns';
  const shown = names.slice(0, 12).map((n) => `'${n}'`);
  return shown.join(', ') + (names.length > 12 ? `, … (${names.length} in all)` : '');
}
