// SELECT list: one compiled evaluator per output column. Stateless; ops pass through unchanged,
// and so do a source batch's per-row watermark marks (one output row per input row; see
// watermark-steps.ts: perRowSources, which lets a pruning project sit before an interval join).

import type { Row, Value } from '../../catalog/types.js';
import { compileExpr, type Evaluator } from '../../expr/compile.js';
import type { ProjectNode } from '../../plan/physical.js';
import type { Batch, Operator, OperatorContext } from '../operator.js';

export class ProjectOperator implements Operator {
  private readonly evals: readonly Evaluator[];
  private ctx: OperatorContext | undefined;

  constructor(node: ProjectNode) {
    const evals: Evaluator[] = [];
    for (const e of node.exprs) evals.push(compileExpr(e));
    this.evals = evals;
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
  }

  onData(batch: Batch): void {
    const { rows, ops } = batch;
    const evals = this.evals;
    const n = evals.length;
    const out: Row[] = new Array<Row>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const o: Row = new Array<Value>(n);
      for (let j = 0; j < n; j++) o[j] = evals[j]!(row);
      out[i] = o;
    }
    if (out.length > 0) this.ctx!.emit(batch.marks === undefined ? { rows: out, ops } : { rows: out, ops, marks: batch.marks });
  }
}
