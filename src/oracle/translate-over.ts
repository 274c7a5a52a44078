// The over-window node as DuckDB's window functions of the same names. Ties in event time are
// ordered by `__seq` (the source row id: arrival order, the streaming tie rule); a RANGE frame
// orders by the event time alone so that its peers are in the frame, and FIRST_VALUE /
// LAST_VALUE then order their frame by (ts, __seq) with DuckDB's argument ORDER BY.

import type { OverFrame, OverWindowNode } from '../plan/physical.js';
import { exprSql, type ColumnResolver } from './expr-sql.js';
import { duckTypeSql } from './sql-types.js';
import type { Cte } from './cte.js';

const inCol: ColumnResolver = (i) => `i.c${i}`;

function frameSql(f: OverFrame): string {
  const p = f.preceding === 'unbounded' ? 'UNBOUNDED' : f.units === 'rows' ? String(f.preceding) : `INTERVAL ${f.preceding} MICROSECOND`;
  return `${f.units.toUpperCase()} BETWEEN ${p} PRECEDING AND CURRENT ROW`;
}

export function overWindowCte(n: OverWindowNode, width: number, from: string, where: (conds: string[]) => string): Cte {
  const part = n.partitionBy.length > 0 ? `PARTITION BY ${n.partitionBy.map((e) => exprSql(e, inCol)).join(', ')} ` : '';
  const ts = `i.c${n.timeInput}`;
  const byArrival = `${ts}, i.__seq`;
  const cols = n.functions.map((f, j) => {
    const t = duckTypeSql(n.schema[width + j]?.type ?? f.type);
    let call: string;
    if (f.fn === 'lag' || f.fn === 'lead') {
      const dflt = f.default ? `, CAST(${exprSql(f.default, inCol)} AS ${t})` : '';
      call = `${f.fn}(${exprSql(f.arg, inCol)}, ${f.offset}${dflt}) OVER (${part}ORDER BY ${byArrival})`;
    } else {
      const order = f.frame.units === 'rows' ? byArrival : ts;
      const over = `OVER (${part}ORDER BY ${order} ${frameSql(f.frame)})`;
      if (f.fn === 'first_value' || f.fn === 'last_value') call = `${f.fn}(${exprSql(f.arg, inCol)} ORDER BY ${byArrival}) ${over}`;
      else {
        const a = f.agg;
        const arg = a.arg ? exprSql(a.arg, inCol) : '*';
        const name = a.fn === 'count_star' ? 'count' : a.fn === 'stddev' ? 'stddev_samp' : a.fn;
        call = `${name}(${arg}) ${over}`;
      }
    }
    return `CAST(${call} AS ${t}) AS c${width + j}`;
  });
  const all = [...Array.from({ length: width }, (_, k) => `i.c${k}`), ...cols, 'i.__seq AS __seq'];
  return { name: `n${n.id}`, sql: `SELECT ${all.join(', ')} FROM ${from}${where([`${ts} IS NOT NULL`])}` };
}
