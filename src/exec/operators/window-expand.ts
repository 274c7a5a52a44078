// `FROM TUMBLE(t, ts, size)` / `HOP(...)` without an aggregate: each row gains window_start and
// window_end (appended after the input columns); HOP gives one row per window holding the row,
// in ascending window start. Stateless: lateness is only decided where windows close.

import type { Row, Value } from '../../catalog/types.js';
import type { WindowExpandNode } from '../../plan/physical.js';
import type { Batch, Op, Operator, OperatorContext } from '../operator.js';
import { hopFirstStart, tumbleStart } from '../time.js';

export class WindowExpandOperator implements Operator {
  private readonly timeInput: number;
  private readonly size: number;
  /** Equal to size for TUMBLE. */
  private readonly slide: number;
  /** Window alignment (time.ts): starts are offset + k * slide. */
  private readonly offset: number;
  /** CUMULATE's step; 0 for TUMBLE and HOP. */
  private readonly cumulateStep: number;
  private ctx: OperatorContext | undefined;

  constructor(node: WindowExpandNode) {
    this.timeInput = node.timeInput;
    this.size = node.window.sizeMicros;
    this.slide = node.window.kind === 'hop' ? node.window.slideMicros : node.window.sizeMicros;
    this.cumulateStep = node.window.kind === 'cumulate' ? node.window.stepMicros : 0;
    this.offset = node.window.offsetMicros ?? 0;
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
  }

  onData(batch: Batch): void {
    const { rows, ops } = batch;
    const { timeInput, size, slide, offset } = this;
    const outRows: Row[] = [];
    const outOps: Op[] | null = ops === null ? null : [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const ts = row[timeInput];
      // Sources dead-letter rows without an event time; none can reach here.
      if (typeof ts !== 'number') continue;
      if (this.cumulateStep > 0) {
        const step = this.cumulateStep;
        const start = tumbleStart(ts, size, offset);
        for (let e = tumbleStart(ts, step, offset) + step; e <= start + size; e += step) {
          outRows.push(extend(row, start, e));
          if (outOps !== null) outOps.push(ops![i]!);
        }
        continue;
      }
      const last = tumbleStart(ts, slide, offset);
      for (let s = slide === size ? last : hopFirstStart(ts, slide, size, offset); s <= last; s += slide) {
        outRows.push(extend(row, s, s + size));
        if (outOps !== null) outOps.push(ops![i]!);
      }
    }
    if (outRows.length > 0) this.ctx!.emit({ rows: outRows, ops: outOps });
  }
}

function extend(row: Row, start: number, end: number): Row {
  const n = row.length;
  const out: Row = new Array<Value>(n + 2);
  for (let j = 0; j < n; j++) out[j] = row[j]!;
  out[n] = start;
  out[n + 1] = end;
  return out;
}
