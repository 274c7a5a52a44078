// The rows a running query has produced, as the live table shows them: an append-only result
// keeps its latest rows (and a count of all); a changelog (EMIT CHANGES, GROUP BY without a
// window) is applied in place, so an updated row keeps its position instead of being re-added.

import type { Column } from '../catalog/catalog.js';
import type { Row } from '../catalog/types.js';
import { Op, type Batch } from '../catalog/batch.js';

/** Append-only results keep at most this many latest rows in memory. */
const KEEP_ROWS = 2000;

export class ResultModel {
  readonly columns: readonly Column[];
  readonly changelog: boolean;
  private rowsHeld: Row[] = [];
  /** Rows received (append-only) or changes applied (changelog). */
  total = 0;
  /** Bumped on every change, so views re-render only when something happened. */
  version = 0;
  /** Changelog: the slot of the row a -U removed, where the following +U goes. */
  private pendingSlot: number | undefined;

  constructor(columns: readonly Column[], changelog: boolean) {
    this.columns = columns;
    this.changelog = changelog;
  }

  get rows(): readonly Row[] {
    return this.rowsHeld;
  }

  /** Rows dropped from memory because the result outgrew KEEP_ROWS (append-only only). */
  get dropped(): number {
    return this.changelog ? 0 : this.total - this.rowsHeld.length;
  }

  apply(batch: Batch): void {
    if (batch.rows.length === 0) return;
    this.version++;
    if (!this.changelog || batch.ops === null) {
      this.total += batch.rows.length;
      for (const r of batch.rows) this.rowsHeld.push(r);
      if (!this.changelog && this.rowsHeld.length > KEEP_ROWS * 1.5) this.rowsHeld = this.rowsHeld.slice(-KEEP_ROWS);
      return;
    }
    for (let i = 0; i < batch.rows.length; i++) this.change(batch.rows[i]!, batch.ops[i]!);
  }

  private change(row: Row, op: Op): void {
    this.total++;
    if (op === Op.UpdateBefore || op === Op.Delete) {
      const at = this.find(row);
      if (at === -1) return;
      if (op === Op.UpdateBefore) {
        this.pendingSlot = at;
      } else {
        this.rowsHeld.splice(at, 1);
        this.pendingSlot = undefined;
      }
      return;
    }
    if (op === Op.UpdateAfter && this.pendingSlot !== undefined) {
      this.rowsHeld[this.pendingSlot] = row;
      this.pendingSlot = undefined;
      return;
    }
    this.rowsHeld.push(row);
  }

  private find(row: Row): number {
    const key = JSON.stringify(row);
    for (let i = this.rowsHeld.length - 1; i >= 0; i--) if (JSON.stringify(this.rowsHeld[i]) === key) return i;
    return -1;
  }
}
