// Updating Top-N: the top N rows per partition over an unbounded or updating input, as a
// changelog. State: a keyed table, partition → its rows sorted (over an append-only input only
// the top N, since a row that falls out can never come back; over a changelog every live row, as
// a retraction can bring one back). After each batch, per touched partition, the top before and
// after are compared: a row that left is -D, a row that entered +I, and a row whose rank changed
// (when rn is selected) -U old / +U new, adjacent. No row is late: the result does not depend on
// arrival order. Also the factory of the three Top-N modes (window, first, updating).

import type { Row } from '../../catalog/types.js';
import { compileKey, type KeyFn } from '../../expr/key.js';
import type { TopNNode } from '../../plan/physical.js';
import type { KeyedTable } from '../../state/tables.js';
import { isRetraction, Op, type Batch, type Operator, type OperatorContext } from '../operator.js';
import { stateName, valueId } from './common.js';
import { DedupFirstOperator } from './dedup.js';
import { compileRanking, insertSorted, withRank, type Ranked, type Ranking } from './ranking.js';
import { WindowTopNOperator } from './window-top-n.js';

export function createTopN(node: TopNNode): Operator {
  switch (node.mode) {
    case 'window':
      return new WindowTopNOperator(node);
    case 'first':
      return new DedupFirstOperator(node);
    case 'updating':
      return new UpdatingTopNOperator(node);
  }
}

interface Partition {
  readonly rows: Ranked[];
}

/** The rows shown before a batch touched a partition, each with its rank. */
interface Before {
  readonly part: Partition;
  readonly shown: ReadonlyMap<Ranked, number>;
}

export class UpdatingTopNOperator implements Operator {
  private readonly node: TopNNode;
  private readonly partition: KeyFn;
  private readonly ranking: Ranking;
  private ctx!: OperatorContext;
  private table!: KeyedTable<Partition>;

  constructor(node: TopNNode) {
    this.node = node;
    this.partition = compileKey(node.partitionBy);
    this.ranking = compileRanking(node);
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.table = ctx.keyedTable<Partition>(stateName(this.node, 'keyed'), { keysOf: (batch) => batch.rows.map((r) => this.partition.encode(r)) });
  }

  onData(batch: Batch): void {
    const { rows, ops } = batch;
    const touched = new Map<string, Before>();
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const key = this.partition.encode(row);
      let before = touched.get(key);
      if (before === undefined) {
        const part = this.table.get(key) ?? { rows: [] };
        before = { part, shown: this.shown(part.rows) };
        touched.set(key, before);
      }
      const list = before.part.rows;
      const entry: Ranked = { k: this.ranking.keyOf(row), r: row };
      if (ops !== null && isRetraction(ops[i]!)) {
        const at = this.findLast(list, entry);
        // Retracting a row never added is an upstream bug; nothing to undo.
        if (at >= 0) list.splice(at, 1);
        continue;
      }
      insertSorted(list, entry, this.ranking);
      // An append-only input never retracts: a row past the top N stays out for good.
      if (this.node.inputAppendOnly) list.length = this.ranking.topCount(list);
    }
    const outRows: Row[] = [];
    const outOps: Op[] = [];
    for (const [key, before] of touched) {
      this.diff(before, outRows, outOps);
      if (before.part.rows.length === 0) this.table.delete(key);
      else this.table.set(key, before.part);
    }
    if (outRows.length > 0) this.ctx.emit({ rows: outRows, ops: outOps });
  }

  private shown(list: readonly Ranked[]): Map<Ranked, number> {
    const n = this.ranking.topCount(list);
    const ranks = this.ranking.ranks(list.slice(0, n));
    const out = new Map<Ranked, number>();
    for (let i = 0; i < n; i++) out.set(list[i]!, ranks[i]!);
    return out;
  }

  /** Departures (-D), rank changes (-U/+U, when rn is output) and arrivals (+I), in that order. */
  private diff(before: Before, rows: Row[], ops: Op[]): void {
    const after = this.shown(before.part.rows);
    const rc = this.node.rankColumn;
    for (const [e, rank] of before.shown) {
      if (after.has(e)) continue;
      rows.push(withRank(e.r, rank, rc));
      ops.push(Op.Delete);
    }
    if (rc) {
      for (const [e, rank] of after) {
        const old = before.shown.get(e);
        if (old === undefined || old === rank) continue;
        rows.push(withRank(e.r, old, true), withRank(e.r, rank, true));
        ops.push(Op.UpdateBefore, Op.UpdateAfter);
      }
    }
    for (const [e, rank] of after) {
      if (before.shown.has(e)) continue;
      rows.push(withRank(e.r, rank, rc));
      ops.push(Op.Insert);
    }
  }

  /** The last live copy of the retracted row (the one ranked lowest among equals), or -1. */
  private findLast(list: readonly Ranked[], x: Ranked): number {
    const id = rowId(x.r);
    for (let i = list.length - 1; i >= 0; i--) {
      const c = this.ranking.compare(list[i]!, x);
      if (c < 0) break;
      if (c === 0 && rowId(list[i]!.r) === id) return i;
    }
    return -1;
  }
}

function rowId(row: Row): string {
  let s = '';
  for (let i = 0; i < row.length; i++) s += valueId(row[i] ?? null);
  return s;
}
