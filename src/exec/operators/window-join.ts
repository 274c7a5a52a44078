// Window join at run time (INNER, LEFT, RIGHT or FULL). Each side's rows wait in one time-keyed
// table under (window end, window start and join key) until the join's watermark, the minimum of
// both inputs', closes the window (exec/time.ts: windowClosed); then the window's pairs that pass
// the residual come out, and for an outer join each row of its padded side(s) that paired with
// nothing, NULL-padded, once. A row whose window has already closed on its own input's watermark
// is late (counted, sent to its source's late output). The waiting rows are mergeable partials,
// so under a memory budget they spill like EMIT FINAL windows and come back merged at close.
// Output: append-only, no event time.

import type { Row, Value } from '../../catalog/types.js';
import { compileExpr, type Evaluator } from '../../expr/compile.js';
import { compileKey, type KeyFn } from '../../expr/key.js';
import type { WindowJoinNode } from '../../plan/physical.js';
import type { TimeKeyedTable } from '../../state/tables.js';
import type { Batch, Operator, OperatorContext } from '../operator.js';
import { windowClosed, windowLateReason } from '../time.js';
import { refOf, stateName } from './common.js';

/** The rows of one (window, key) per side; `n`: the key has a NULL, so nothing pairs. */
export interface WindowRows {
  l: Row[];
  r: Row[];
  n?: true;
}

export class WindowJoinOperator implements Operator {
  private readonly node: WindowJoinNode;
  private readonly keys: readonly [KeyFn, KeyFn];
  private readonly residual: Evaluator | undefined;
  private readonly pads: readonly [boolean, boolean];
  private ctx!: OperatorContext;
  private table!: TimeKeyedTable<WindowRows>;

  constructor(node: WindowJoinNode) {
    this.node = node;
    this.keys = [compileKey(node.leftKeys), compileKey(node.rightKeys)];
    this.residual = node.residual ? compileExpr(node.residual) : undefined;
    const t = node.joinType;
    this.pads = [t === 'left' || t === 'full', t === 'right' || t === 'full'];
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.table = ctx.timeKeyedTable<WindowRows>(stateName(this.node, 'timeKeyed'), {
      merge: (a, b) => (a.n || b.n ? { l: a.l.concat(b.l), r: a.r.concat(b.r), n: true } : { l: a.l.concat(b.l), r: a.r.concat(b.r) }),
      close: (entries) => this.close(entries),
    });
  }

  onData(batch: Batch, input: number): void {
    const side: 0 | 1 = input === 1 ? 1 : 0;
    const own = this.ctx.inputWatermark ? this.ctx.inputWatermark(side) : this.ctx.watermark;
    const startCol = this.node.starts[side];
    const endCol = this.node.ends[side];
    const keyFn = this.keys[side];
    for (const row of batch.rows) {
      const start = row[startCol];
      const end = row[endCol];
      if (typeof start !== 'number' || typeof end !== 'number') continue;
      if (windowClosed(end, own)) {
        const t = this.node.times[side];
        const ts = t === undefined ? end : row[t];
        this.ctx.late({
          operator: this.node.id,
          ref: refOf(row, this.node.refInputs[side]),
          eventTime: typeof ts === 'number' ? ts : end,
          watermark: own,
          windowStart: start,
          reason: `${windowLateReason(start, end, own)} on the ${side === 0 ? 'left' : 'right'} input of the window JOIN`,
        });
        continue;
      }
      // A NULL key equals nothing: such a row never pairs; only a padded side keeps it (to pad it at close).
      const hasNull = keyFn.values(row).some((v) => v === null);
      if (hasNull && !this.pads[side]) continue;
      const key = hasNull ? `${start}\u0000null` : `${start}\u0000${keyFn.encode(row)}`;
      const w = this.table.get(end, key) ?? (hasNull ? { l: [], r: [], n: true as const } : { l: [], r: [] });
      (side === 0 ? w.l : w.r).push(row);
      this.table.set(end, key, w);
    }
  }

  onWatermark(micros: number): void {
    this.close(this.table.drainThrough(micros));
  }

  /** The closed windows' pairs, and the padded rows of an outer join, ascending in window end. */
  private close(entries: ReadonlyArray<{ value: WindowRows }>): void {
    const out: Row[] = [];
    const [padL, padR] = this.pads;
    for (const { value: w } of entries) {
      const lm = new Array<boolean>(w.l.length).fill(false);
      const rm = new Array<boolean>(w.r.length).fill(false);
      if (!w.n) {
        for (let i = 0; i < w.l.length; i++) {
          const l = w.l[i]!;
          for (let j = 0; j < w.r.length; j++) {
            const r = w.r[j]!;
            if (this.residual !== undefined && this.residual(l.concat(r)) !== true) continue;
            out.push(this.output(l, r));
            lm[i] = true;
            rm[j] = true;
          }
        }
      }
      if (padL) for (let i = 0; i < w.l.length; i++) if (!lm[i]) out.push(this.output(w.l[i]!, undefined));
      if (padR) for (let j = 0; j < w.r.length; j++) if (!rm[j]) out.push(this.output(undefined, w.r[j]!));
    }
    // Emitted before the runner passes the watermark on.
    if (out.length > 0) this.ctx.emit({ rows: out, ops: null });
  }

  /** The output row of a pair; a missing side's columns NULL. */
  private output(l: Row | undefined, r: Row | undefined): Row {
    const outs = this.node.outputs;
    const row = new Array<Value>(outs.length);
    for (let k = 0; k < outs.length; k++) {
      const [side, col] = outs[k]!;
      const from = side === 0 ? l : r;
      row[k] = from === undefined ? null : from[col]!;
    }
    return row;
  }
}
