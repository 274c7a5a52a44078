// Deduplication, keep first: `ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) ... WHERE rn = 1`
// over an append-only input with event time ts. Each partition's first row is emitted once the
// watermark has passed its event time (exec/time.ts lastReleasable: no on-time row can come before
// it any more), and every later row of the partition is dropped. State: a time-keyed table, event
// time × partition → the best row at that time (its merge keeps the better of two partials), and
// a keyed table of the partitions already emitted (grows with the partitions). A row behind the
// watermark is late. Rows with a NULL event time take no part (as LAG). Append-only output.

import type { Row } from '../../catalog/types.js';
import { compileKey, type KeyFn } from '../../expr/key.js';
import type { TopNNode } from '../../plan/physical.js';
import type { KeyedTable, TimeKeyedTable } from '../../state/tables.js';
import type { Batch, Operator, OperatorContext } from '../operator.js';
import { isLate, lastReleasable } from '../time.js';
import { refOf, stateName, reportBehindWatermark } from './common.js';
import { compileRanking, withRank, type Ranked, type Ranking } from './ranking.js';

export class DedupFirstOperator implements Operator {
  private readonly node: TopNNode;
  private readonly partition: KeyFn;
  private readonly ranking: Ranking;
  private readonly time: number;
  private ctx!: OperatorContext;
  private candidates!: TimeKeyedTable<Ranked>;
  private kept!: KeyedTable<number>;

  constructor(node: TopNNode) {
    this.node = node;
    this.partition = compileKey(node.partitionBy);
    this.ranking = compileRanking(node);
    this.time = node.timeInput!;
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.candidates = ctx.timeKeyedTable<Ranked>(stateName(this.node, 'timeKeyed'), {
      merge: (a, b) => (this.ranking.compare(a, b) <= 0 ? a : b),
      close: (entries) => this.release(entries),
      closesThrough: lastReleasable,
    });
    this.kept = ctx.keyedTable<number>(stateName(this.node, 'keyed'), {
      keysOf: (batch) => batch.rows.map((r) => this.partition.encode(r)),
      keysAt: (micros) => this.candidates.keysThrough(lastReleasable(micros)),
      keysClosing: (entries) => entries.map((e) => e.key),
    });
  }

  onData(batch: Batch): void {
    const watermark = this.ctx.watermark;
    for (const row of batch.rows) {
      const ts = row[this.time];
      if (typeof ts !== 'number') continue;
      if (isLate(ts, watermark)) {
        reportBehindWatermark(this.ctx, this.node.id, refOf(row, this.node.refInput), ts, watermark, '', 'deduplication already chose the first rows before it');
        continue;
      }
      const key = this.partition.encode(row);
      // Its first row was emitted at an earlier time: this one is a later duplicate.
      if (this.kept.get(key) !== undefined) continue;
      const entry: Ranked = { k: this.ranking.keyOf(row), r: row };
      const best = this.candidates.get(ts, key);
      if (best === undefined || this.ranking.compare(entry, best) < 0) this.candidates.set(ts, key, entry);
    }
  }

  onWatermark(micros: number): void {
    this.release(this.candidates.drainThrough(lastReleasable(micros)));
  }

  /** Candidates the watermark passed, ascending in time: a partition's first one is its first row. */
  private release(entries: ReadonlyArray<{ key: string; value: Ranked }>): void {
    const out: Row[] = [];
    for (const e of entries) {
      if (this.kept.get(e.key) !== undefined) continue;
      this.kept.set(e.key, 1);
      out.push(withRank(e.value.r, 1, this.node.rankColumn));
    }
    if (out.length > 0) this.ctx.emit({ rows: out, ops: null });
  }
}
