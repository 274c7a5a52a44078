// WHERE: keeps the rows whose predicate is TRUE. Stateless; a changelog's ops stay aligned with
// the kept rows (a filter on a changelog drops a row's retraction with the row).

import type { Row } from '../../catalog/types.js';
import { compilePredicate } from '../../expr/compile.js';
import type { FilterNode } from '../../plan/physical.js';
import type { Batch, Op, Operator, OperatorContext } from '../operator.js';

export class FilterOperator implements Operator {
  private readonly pred: (row: Row) => boolean;
  private ctx: OperatorContext | undefined;

  constructor(node: FilterNode) {
    this.pred = compilePredicate(node.predicate);
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
  }

  onData(batch: Batch): void {
    const { rows, ops } = batch;
    const pred = this.pred;
    const outRows: Row[] = [];
    const outOps: Op[] | null = ops === null ? null : [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (!pred(row)) continue;
      outRows.push(row);
      if (outOps !== null) outOps.push(ops![i]!);
    }
    if (outRows.length > 0) this.ctx!.emit({ rows: outRows, ops: outOps });
  }
}
