// Joins with a table as DuckDB batch SQL. A temporal join is an ASOF LEFT JOIN of the admitted
// stream rows with the admitted table versions (one per key and time: the last to arrive), the
// version found then judged (a tombstone or a failing residual: no row; LEFT JOIN: NULLs). A
// lookup join against a file table is a plain JOIN with the table (the last row per primary key).

import type { PhysicalNode } from '../plan/physical.js';
import { exprSql, type ColumnResolver } from './expr-sql.js';
import { lateFilter, type Cte, type OracleTables } from './cte.js';

function widths(n: PhysicalNode, byId: ReadonlyMap<number, PhysicalNode>): [number, number] {
  const l = byId.get(n.inputs[0]!);
  const r = byId.get(n.inputs[1]!);
  if (!l || !r) throw new Error(`oracle: an input of join node ${n.id} is not in the plan`);
  return [l.schema.length, r.schema.length];
}

export function temporalJoinCtes(n: PhysicalNode & { kind: 'temporalJoin' }, byId: ReadonlyMap<number, PhysicalNode>, tables: OracleTables): Cte[] {
  const [li, ri] = n.inputs as [number, number];
  const [lw, rw] = widths(n, byId);
  const late = tables.late(n.id);
  const sCol: ColumnResolver = (i) => `s.c${i}`;
  const vCol: ColumnResolver = (i) => `v.c${i}`;
  const keys = n.leftKeys.map((_, j) => j);
  const sWhere = lateFilter(late, 's', undefined);
  const vWhere = [lateFilter(late, 'v', undefined), ...n.rightKeys.map((k) => `${exprSql(k, vCol)} IS NOT NULL`)].filter((x): x is string => x !== undefined);
  const streamSql = `SELECT s.*, ${[...n.leftKeys.map((k, j) => `${exprSql(k, sCol)} AS __lk${j}`), `s.c${n.leftTime} AS __lt`].join(', ')} FROM n${li} AS s${sWhere ? ` WHERE ${sWhere}` : ''}`;
  // Of the versions of one key at one time, the engine keeps the one that arrived last.
  const vCols = [...Array.from({ length: rw }, (_, i) => `v.c${i} AS r${i}`), ...n.rightKeys.map((k, j) => `${exprSql(k, vCol)} AS __rk${j}`), `v.c${n.rightTime} AS __rt`, 'v.__seq AS __rseq'];
  const versionsSql = `SELECT * FROM (SELECT ${vCols.join(', ')} FROM n${ri} AS v${vWhere.length > 0 ? ` WHERE ${vWhere.join(' AND ')}` : ''}) QUALIFY row_number() OVER (PARTITION BY ${[...keys.map((j) => `__rk${j}`), '__rt'].join(', ')} ORDER BY __rseq DESC) = 1`;
  const on = [...keys.map((j) => `s.__lk${j} = v.__rk${j}`), 's.__lt >= v.__rt'].join(' AND ');
  const asofSql = `SELECT s.*, ${Array.from({ length: rw }, (_, i) => `v.r${i}`).concat(['v.__rseq']).join(', ')} FROM n${n.id}_s AS s ASOF LEFT JOIN n${n.id}_v AS v ON ${on}`;
  const both: ColumnResolver = (i) => (i < lw ? `a.c${i}` : `a.r${i - lw}`);
  const ok = ['a.__rseq IS NOT NULL'];
  if (n.deletedInput !== undefined) ok.push(`NOT coalesce(a.r${n.deletedInput}, false)`);
  if (n.residual) ok.push(`coalesce(${exprSql(n.residual, both)}, false)`);
  const okSql = ok.join(' AND ');
  const cols = n.outputs.map(([side, c], k) => (side === 0 ? `a.c${c} AS c${k}` : n.joinType === 'left' ? `CASE WHEN ${okSql} THEN a.r${c} END AS c${k}` : `a.r${c} AS c${k}`));
  const final = `SELECT ${[...cols, 'a.__seq AS __seq'].join(', ')} FROM n${n.id}_a AS a${n.joinType === 'left' ? '' : ` WHERE ${okSql}`}`;
  return [
    { name: `n${n.id}_s`, sql: streamSql },
    { name: `n${n.id}_v`, sql: versionsSql },
    { name: `n${n.id}_a`, sql: asofSql },
    { name: `n${n.id}`, sql: final },
  ];
}

export function lookupJoinCtes(n: PhysicalNode & { kind: 'lookupJoin' }, byId: ReadonlyMap<number, PhysicalNode>): Cte[] {
  if (!n.bounded) throw new Error(`oracle: the lookup join with Kafka table '${n.table}' has processing-time semantics and no batch equivalent`);
  const [li, ri] = n.inputs as [number, number];
  const [lw] = widths(n, byId);
  const tCol: ColumnResolver = (i) => `t.c${i}`;
  const dedupe = n.primaryKey.length > 0 ? ` QUALIFY row_number() OVER (PARTITION BY ${n.primaryKey.map((k) => exprSql(k, tCol)).join(', ')} ORDER BY t.__seq DESC) = 1` : '';
  const both: ColumnResolver = (i) => (i < lw ? `jl.c${i}` : `jr.c${i - lw}`);
  const cols = n.outputs.map(([side, c], k) => `${side === 0 ? 'jl' : 'jr'}.c${c} AS c${k}`);
  const kind = n.joinType === 'left' ? 'LEFT JOIN' : 'JOIN';
  return [
    { name: `n${n.id}_t`, sql: `SELECT t.* FROM n${ri} AS t${dedupe}` },
    { name: `n${n.id}`, sql: `SELECT ${[...cols, 'jl.__seq AS __seq'].join(', ')} FROM n${li} AS jl ${kind} n${n.id}_t AS jr ON ${exprSql(n.condition, both)}` },
  ];
}
