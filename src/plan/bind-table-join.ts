// Binds a join whose right side is a table (CREATE TABLE): with `FOR SYSTEM_TIME AS OF s.ts` an
// event-time temporal join (each stream row joins the table version valid at its event time),
// without it a lookup join (the table's contents when the row is joined). ON is split as an
// interval join's is (bind-join.ts: splitCondition) into equality keys and a residual.

import { statSync } from 'node:fs';
import * as path from 'node:path';
import type { Expr, FromItem } from '../sql/ast.js';
import type { SourceDef } from '../catalog/catalog.js';
import type { BoundExpr } from '../expr/bound.js';
import { ExprBinder } from './bind-expr.js';
import { alignKeys, allOf, splitCondition } from './join-condition.js';
import { PlanError } from './errors.js';
import { Scope, type ScopeColumn } from './scope.js';
import type { PlanBuilder } from './builder.js';
import type { BoundRelation } from './bind-relation.js';
import { DELETED_COLUMN, REF_COLUMN, type StateDecl } from './physical.js';

type JoinItem = FromItem & { kind: 'join' };

/** A table joined without an equality key is scanned whole per stream row: only a small file one. */
export const NESTED_LOOP_MAX_BYTES = 16 * 1024 * 1024;

export function bindTableJoin(b: PlanBuilder, f: JoinItem, text: string, left: BoundRelation, table: SourceDef): BoundRelation {
  const right = f.right as FromItem & { kind: 'table' };
  const tname = table.name;
  if (f.joinType !== 'inner' && f.joinType !== 'left') {
    throw new PlanError(text, f.typeSpan, `${f.joinType.toUpperCase()} JOIN with table '${tname}' is not supported; a stream joins a table with JOIN (INNER) or LEFT JOIN`, {
      hint: `write FROM stream [LEFT] JOIN ${tname} ON stream.k = ${tname}.k (the table is always on the right)`,
    });
  }
  if (!left.appendOnly) {
    throw new PlanError(text, f.left.span, `the left side of a JOIN with table '${tname}' is a changelog; a table join needs an append-only stream`, {
      hint: 'a GROUP BY without a window (or EMIT CHANGES) emits updates; join the raw events, or a windowed aggregate with EMIT FINAL',
    });
  }
  if (f.on === undefined) {
    throw new PlanError(text, f.typeSpan, `a JOIN with table '${tname}' needs ON`, { hint: `e.g. ON s.k = ${tname}.k` });
  }
  const node = b.source(table);
  const n = b.node(node);
  const rscope = Scope.fromSchema(n.schema, right.alias?.name ?? tname, n.timeColumn);
  const lw = left.scope.columns.length;
  const both = new Scope(
    [...left.scope.columns, ...rscope.columns].map((c) => ({ ...c, hidden: c.hidden || c.name === REF_COLUMN || c.name === DELETED_COLUMN })),
    undefined,
    undefined,
  );
  const on = new ExprBinder(both, text).bindCondition(f.on, 'ON');
  const cond = splitCondition(on, lw, -1, -1);
  const [leftKeys, rightKeys] = alignKeys(cond.leftKeys, cond.rightKeys, lw);
  const residual = allOf(cond.residual);
  const pk = table.table!.primaryKey.map((name) => n.schema.findIndex((c) => c.name === name));
  if (pk.length > 0 && leftKeys.length > 0) {
    const ordered = keysOnPrimaryKey(rightKeys, pk);
    if (ordered === undefined) {
      const pkText = table.table!.primaryKey.map((k) => `${right.alias?.name ?? tname}.${k}`).join(', ');
      throw new PlanError(text, f.on.span, `the equality keys of this JOIN must be the PRIMARY KEY of table '${tname}' (${table.table!.primaryKey.join(', ')}), each compared to the stream once`, {
        hint: `join on ${pkText} = <stream expression>; put other conditions after AND (they are checked on the row found)`,
      });
    }
    const l2 = ordered.map((i) => leftKeys[i]!);
    const r2 = ordered.map((i) => rightKeys[i]!);
    leftKeys.splice(0, leftKeys.length, ...l2);
    rightKeys.splice(0, rightKeys.length, ...r2);
  }

  // Output: the visible columns of the stream, then of the table; the stream's event time stays one.
  const outputs: Array<readonly [0 | 1, number]> = [];
  const cols: ScopeColumn[] = [];
  let timeColumn: number | undefined;
  const lt = left.scope.timeColumn;
  left.scope.columns.forEach((c, i) => {
    if (c.hidden) return;
    if (i === lt) timeColumn = cols.length;
    outputs.push([0, i]);
    cols.push({ ...c });
  });
  rscope.columns.forEach((c, i) => {
    if (c.hidden) return;
    outputs.push([1, i]);
    cols.push({ ...c });
  });
  const scope = new Scope(cols, timeColumn, undefined);
  const deletedInput = n.kind === 'source' ? n.deletedColumn : undefined;
  const common = { inputs: [left.node, node], schema: scope.schema(), timeColumn, appendOnly: true, joinType: f.joinType, table: tname, leftKeys, rightKeys, residual, outputs, deletedInput } as const;

  if (f.asOf !== undefined) {
    checkAsOf(f.asOf, left, lw, text, tname);
    if (n.timeColumn === undefined) {
      throw new PlanError(text, right.name.span, `table '${tname}' has no event-time column, so it has no versions in time to join AS OF`, {
        hint: `declare the time each row became valid and a watermark: CREATE TABLE ${tname} (..., updated_at TIMESTAMP, WATERMARK FOR updated_at AS updated_at - INTERVAL '1' SECOND); or drop FOR SYSTEM_TIME AS OF for a lookup join`,
      });
    }
    if (pk.length === 0) {
      throw new PlanError(text, right.name.span, `table '${tname}' has no PRIMARY KEY: a temporal join finds the version of each key`, {
        hint: `add PRIMARY KEY (id) to CREATE TABLE ${tname}`,
      });
    }
    if (leftKeys.length === 0) {
      throw new PlanError(text, f.on.span, `a temporal join needs ON to equate the PRIMARY KEY of table '${tname}' with the stream`, { hint: `e.g. ON s.k = ${tname}.${table.table!.primaryKey[0]}` });
    }
    // A file table's versions are at most its rows; a Kafka table's grow with its keys.
    const file = !table.table!.upsert;
    const state: StateDecl[] = [
      {
        name: 'versions',
        shape: 'keyed',
        describe: `primary key → the table's versions: the latest before the watermark, and any after it`,
        bounded: file,
        ...(file ? { held: 'bounded by the file: at most its rows, the versions before the watermark let go but the last' } : {}),
      },
      { name: 'waiting', shape: 'timeKeyed', describe: 'event time × key → stream rows waiting for the watermark', bounded: true },
      { name: 'expiry', shape: 'timeKeyed', describe: 'version time × key: when older versions can go', bounded: true },
    ];
    const id = b.add({ ...common, kind: 'temporalJoin', state, leftTime: lt!, rightTime: n.timeColumn, refInputs: [left.scope.refColumn, rscope.refColumn] });
    return { node: id, scope, appendOnly: true };
  }

  const bounded = !table.table!.upsert;
  if (leftKeys.length === 0) {
    const small = bounded ? fileSize(table) : undefined;
    if (!bounded || small === undefined || small > NESTED_LOOP_MAX_BYTES) {
      const why = !bounded ? `table '${tname}' is a Kafka table, which can grow without bound` : small === undefined ? `the file of table '${tname}' cannot be read now` : `table '${tname}' is ${Math.round(small / 1048576)} MB, more than 16 MB`;
      throw new PlanError(text, f.on.span, `this JOIN has no equality key, so every stream row would be compared with every table row, and ${why}`, {
        hint: `join on a key: ON s.k = ${tname}.k (other conditions after AND); a join without one is allowed only with a file table of at most 16 MB`,
      });
    }
  }
  const rows = `join key → the table's rows${pk.length > 0 ? ' (one per primary key)' : ''}`;
  const state: StateDecl[] = bounded
    ? [
        { name: 'table', shape: 'keyed', describe: rows, bounded: true, held: 'bounded by the file: its rows, loaded once' },
        {
          name: 'pending',
          shape: 'timeKeyed',
          describe: 'join key → stream rows waiting until the table is loaded',
          bounded: true,
          held: 'bounded: the stream rows that came before the table was loaded, emptied at the first watermark after it is',
        },
      ]
    : [{ name: 'table', shape: 'keyed', describe: rows, bounded: false }];
  const primaryKey: BoundExpr[] = pk.map((i) => ({ kind: 'column', index: i, name: n.schema[i]!.name, type: n.schema[i]!.type }));
  const id = b.add({ ...common, kind: 'lookupJoin', state, bounded, primaryKey, condition: on });
  return { node: id, scope, appendOnly: true };
}

/** Per primary key column, the index of the right key that is exactly it; undefined when they are not the primary key. */
function keysOnPrimaryKey(rightKeys: readonly BoundExpr[], pk: readonly number[]): number[] | undefined {
  if (rightKeys.length !== pk.length) return undefined;
  const out: number[] = [];
  for (const col of pk) {
    const i = rightKeys.findIndex((k) => {
      const e = k.kind === 'cast' ? k.operand : k;
      return e.kind === 'column' && e.index === col;
    });
    if (i < 0 || out.includes(i)) return undefined;
    out.push(i);
  }
  return out;
}

/** AS OF must name the stream's event-time column: the time whose version each row joins. */
function checkAsOf(asOf: Expr, left: BoundRelation, lw: number, text: string, tname: string): void {
  const lt = left.scope.timeColumn;
  let e: BoundExpr | undefined;
  try {
    e = new ExprBinder(left.scope, text).bind(asOf);
  } catch (err) {
    if (!(err instanceof PlanError) || lt === undefined) throw err;
  }
  if (lt === undefined) {
    throw new PlanError(text, asOf.span, `the stream joined with table '${tname}' has no event-time column, so it cannot join the version valid at its time`, {
      hint: left.scope.noTimeReason ?? 'join a source that declares a WATERMARK (or a view or subquery that selects its event-time column); or drop FOR SYSTEM_TIME AS OF for a lookup join',
    });
  }
  if (e === undefined || e.kind !== 'column' || e.index !== lt || lt >= lw) {
    const name = left.scope.columns[lt]!;
    throw new PlanError(text, asOf.span, 'FOR SYSTEM_TIME AS OF must name the event-time column of the stream', {
      expected: `${name.qualifier ? `${name.qualifier}.` : ''}${name.name}`,
      hint: 'the version joined is the one valid at the row\'s event time (the column its WATERMARK is on)',
    });
  }
}

function fileSize(def: SourceDef): number | undefined {
  const p = def.options['path'];
  if (p === undefined) return undefined;
  try {
    return statSync(path.resolve(def.baseDir, p)).size;
  } catch {
    return undefined;
  }
}
