// UNION ALL at run time: passes each input's batches on unchanged (ops too, so a union of
// changelogs is a changelog), giving rows of an input without provenance a NULL `$ref`. The
// runner keeps the union's watermark, the minimum over its inputs (exec/time.ts); no state.

import type { UnionNode } from '../../plan/physical.js';
import type { Batch, Operator, OperatorContext } from '../operator.js';

export class UnionOperator implements Operator {
  private ctx: OperatorContext | undefined;
  /** Per input: true when its rows lack the output's `$ref` column and need a NULL appended. */
  private readonly pad: readonly boolean[];

  constructor(node: UnionNode) {
    const ref = node.schema.findIndex((c) => c.hidden === true);
    this.pad = node.refInputs.map((r) => ref >= 0 && r === undefined);
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
  }

  onData(batch: Batch, input: number): void {
    if (batch.rows.length === 0) return;
    if (!this.pad[input]) {
      this.ctx!.emit(batch);
      return;
    }
    this.ctx!.emit({ rows: batch.rows.map((r) => [...r, null]), ops: batch.ops });
  }
}
