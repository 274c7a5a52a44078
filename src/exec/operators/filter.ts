// WHERE and HAVING: keeps the rows whose predicate is TRUE. Stateless. On a changelog it keeps
// the changelog well formed (as RisingWave's filter): an update pair -U old / +U new whose new
// row fails becomes -D old, one whose old row failed becomes +I new, and neither passing drops
// both; +I and -D pass or drop with their row (the predicate is deterministic, so a -D drops
// exactly when its +I did).

import type { Row } from '../../catalog/types.js';
import { compilePredicate } from '../../expr/compile.js';
import type { FilterNode } from '../../plan/physical.js';
import { Op, type Batch, type Operator, type OperatorContext } from '../operator.js';

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
    if (ops === null) {
      for (let i = 0; i < rows.length; i++) if (pred(rows[i]!)) outRows.push(rows[i]!);
      if (outRows.length > 0) this.ctx!.emit({ rows: outRows, ops: null });
      return;
    }
    const outOps: Op[] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const op = ops[i]!;
      // WARNING: operators emit a -U and its +U adjacent in one batch (pushChange); the pair is
      // judged as a whole, or a dropped +U would leave its -U without a successor.
      if (op === Op.UpdateBefore && ops[i + 1] === Op.UpdateAfter) {
        const next = rows[i + 1]!;
        const oldPasses = pred(row);
        const newPasses = pred(next);
        i++;
        if (oldPasses && newPasses) {
          outRows.push(row, next);
          outOps.push(Op.UpdateBefore, Op.UpdateAfter);
        } else if (oldPasses) {
          outRows.push(row);
          outOps.push(Op.Delete);
        } else if (newPasses) {
          outRows.push(next);
          outOps.push(Op.Insert);
        }
        continue;
      }
      if (!pred(row)) continue;
      outRows.push(row);
      outOps.push(op);
    }
    if (outRows.length > 0) this.ctx!.emit({ rows: outRows, ops: outOps });
  }
}
