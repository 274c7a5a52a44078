// Window Top-N: the top N rows of each (window, partition), emitted once when the watermark
// passes the window's end (exec/time.ts windowClosed), then forgotten. State: a time-keyed table,
// window end × partition → its sorted top N so far (a row that falls past N can never come back,
// as the input is append-only); spilled partials merge into one top N. A row whose window has
// closed is late. Append-only output.

import type { Row } from '../../catalog/types.js';
import { compileKey, type KeyFn } from '../../expr/key.js';
import type { TopNNode } from '../../plan/physical.js';
import type { TimeKeyedTable } from '../../state/tables.js';
import type { Batch, Operator, OperatorContext } from '../operator.js';
import { windowClosed, windowLateReason } from '../time.js';
import { refOf, stateName } from './common.js';
import { compileRanking, insertSorted, mergeTop, withRank, type Ranked, type Ranking } from './ranking.js';

export class WindowTopNOperator implements Operator {
  private readonly node: TopNNode;
  private readonly partition: KeyFn;
  private readonly ranking: Ranking;
  private readonly start: number;
  private readonly end: number;
  private ctx!: OperatorContext;
  private windows!: TimeKeyedTable<Ranked[]>;

  constructor(node: TopNNode) {
    this.node = node;
    this.partition = compileKey(node.partitionBy);
    this.ranking = compileRanking(node);
    [this.start, this.end] = node.windowColumns!;
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.windows = ctx.timeKeyedTable<Ranked[]>(stateName(this.node, 'timeKeyed'), {
      merge: (a, b) => mergeTop(a, b, this.ranking),
      close: (entries) => this.emitAll(entries),
    });
  }

  onData(batch: Batch): void {
    const watermark = this.ctx.watermark;
    for (const row of batch.rows) {
      const end = row[this.end];
      if (typeof end !== 'number') continue;
      if (windowClosed(end, watermark)) {
        const start = row[this.start];
        this.ctx.late({
          operator: this.node.id,
          ref: refOf(row, this.node.refInput),
          eventTime: typeof start === 'number' ? start : end,
          watermark,
          windowStart: typeof start === 'number' ? start : undefined,
          reason: `${windowLateReason(typeof start === 'number' ? start : end, end, watermark)} (Top-N)`,
        });
        continue;
      }
      const key = this.partition.encode(row);
      const entry: Ranked = { k: this.ranking.keyOf(row), r: row };
      let top = this.windows.get(end, key);
      if (top === undefined) top = [];
      insertSorted(top, entry, this.ranking);
      top.length = this.ranking.topCount(top);
      this.windows.set(end, key, top);
    }
  }

  onWatermark(micros: number): void {
    this.emitAll(this.windows.drainThrough(micros));
  }

  private emitAll(entries: ReadonlyArray<{ key: string; value: Ranked[] }>): void {
    if (entries.length === 0) return;
    const out: Row[] = [];
    for (const e of entries) {
      const ranks = this.ranking.ranks(e.value);
      for (let i = 0; i < e.value.length; i++) out.push(withRank(e.value[i]!.r, ranks[i]!, this.node.rankColumn));
    }
    this.ctx.emit({ rows: out, ops: null });
  }
}
