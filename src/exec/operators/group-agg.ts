// GROUP BY without a window: a changelog. State: a keyed table, group key -> accumulators, live
// row count and the row last emitted. After each batch, per touched group: +I the first time,
// -U old / +U new on change, -D when its last row was retracted. A global aggregate (no keys)
// is one group like any other: no rows, no output row (as the oracle's `HAVING count(*) > 0`).
// With grouping sets (grouping-keys.ts) each row updates (or retracts from) one group per set.

import type { Row, Value } from '../../catalog/types.js';
import type { KeyFn } from '../../expr/key.js';
import { groupKeyWidth, type GroupAggNode } from '../../plan/physical.js';
import { groupingKeyFns } from './grouping-keys.js';
import type { KeyedTable } from '../../state/tables.js';
import { isRetraction, Op, type Batch, type Operator, type OperatorContext } from '../operator.js';
import { addAll, compileAggs, evalArgs, initStates, pushResults, retractAll, pushChange, stateName, type CompiledAggs } from './common.js';

interface GroupState {
  readonly keyValues: Value[];
  accs: unknown[];
  /** Rows added minus rows retracted. */
  rowCount: number;
  lastEmitted: Row | undefined;
}

export class GroupAggOperator implements Operator {
  private readonly node: GroupAggNode;
  /** One per grouping set (one without grouping sets). */
  private readonly keys: readonly KeyFn[];
  private readonly aggs: CompiledAggs;
  private readonly nKeys: number;
  private readonly argValues: Value[];
  private ctx!: OperatorContext;
  private table!: KeyedTable<GroupState>;
  private cachedKey: string | undefined;
  private cached: GroupState | undefined;
  private readonly touched = new Map<string, GroupState>();

  constructor(node: GroupAggNode) {
    this.node = node;
    this.keys = groupingKeyFns(node.keys, node.groupingSets);
    this.aggs = compileAggs(node.aggs, !node.inputAppendOnly);
    this.nKeys = groupKeyWidth(node);
    this.argValues = new Array<Value>(node.aggs.length).fill(null);
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.table = ctx.keyedTable<GroupState>(stateName(this.node, 'keyed'), { keysOf: (batch) => this.keys.flatMap((k) => batch.rows.map((r) => k.encode(r))) });
  }

  onData(batch: Batch): void {
    const { rows, ops } = batch;
    // WARNING: between batches the table may have moved the cached state to DuckDB.
    this.cached = undefined;
    const keys = this.keys;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const retract = ops !== null && isRetraction(ops[i]!);
      evalArgs(this.aggs, row, this.argValues);
      for (let s = 0; s < keys.length; s++) this.update(row, keys[s]!, retract);
    }
    if (this.touched.size > 0) this.flush();
  }

  /** Adds (retracts) the row's evaluated arguments to (from) its group of one grouping set. */
  private update(row: Row, keyFn: KeyFn, retract: boolean): void {
    const key = keyFn.encode(row);
    let state: GroupState | undefined;
    if (key === this.cachedKey && this.cached !== undefined) state = this.cached;
    else {
      state = this.table.get(key);
      if (state === undefined) {
        // Retracting a row never added is an upstream bug; nothing to undo.
        if (retract) return;
        state = { keyValues: keyFn.values(row), accs: initStates(this.aggs), rowCount: 0, lastEmitted: undefined };
        this.table.set(key, state);
      }
      this.cachedKey = key;
      this.cached = state;
    }
    if (retract) {
      retractAll(this.aggs, state.accs, this.argValues);
      state.rowCount--;
    } else {
      addAll(this.aggs, state.accs, this.argValues);
      state.rowCount++;
    }
    if (!this.touched.has(key)) this.touched.set(key, state);
  }

  private outputRow(state: GroupState): Row {
    const kv = state.keyValues;
    const row: Row = [];
    for (let j = 0; j < kv.length; j++) row.push(kv[j]!);
    pushResults(this.aggs, state.accs, row);
    return row;
  }

  private flush(): void {
    const rows: Row[] = [];
    const ops: Op[] = [];
    for (const [key, state] of this.touched) {
      const prev = state.lastEmitted;
      if (state.rowCount <= 0) {
        if (prev !== undefined) {
          rows.push(prev);
          ops.push(Op.Delete);
        }
        this.table.delete(key);
        if (this.cached === state) this.cached = undefined;
        continue;
      }
      const row = this.outputRow(state);
      if (!pushChange(rows, ops, prev, row, this.nKeys)) continue;
      state.lastEmitted = row;
    }
    this.touched.clear();
    if (rows.length > 0) this.ctx.emit({ rows, ops });
  }
}
