// What flows between sources, operators and sinks: batches of rows, each row with its changelog
// kind. Shared by the engine (exec/) and the connectors, so neither imports the other for it.

import type { Row } from './types.js';

/**
 * Row kinds of a changelog, as Flink names them: +I insert, -U retract the old value of an
 * update, +U the new value of an update, -D delete. Append-only streams carry only +I.
 */
export const Op = { Insert: 0, UpdateBefore: 1, UpdateAfter: 2, Delete: 3 } as const;
export type Op = (typeof Op)[keyof typeof Op];

export const OP_LABEL = ['+I', '-U', '+U', '-D'] as const;

export function isRetraction(op: Op): boolean {
  return op === Op.UpdateBefore || op === Op.Delete;
}

export interface Batch {
  readonly rows: Row[];
  /** One Op per row; null means every row is an insert (the common, append-only case). */
  readonly ops: Op[] | null;
  /**
   * A source batch cut nowhere although its watermark moved inside it (exec/watermark-steps.ts:
   * perRowSources): per row, the source's watermark after that row. The receiver applies them
   * in order, exactly as if a watermark message followed each row; absent on every other batch.
   */
  readonly marks?: number[];
}
